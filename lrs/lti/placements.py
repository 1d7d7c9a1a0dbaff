"""Goals and certifications placed in courses: what deep linking offers, what a link opens, and the
learner's own copy of it (a team goal's copy, a certification's holding). Never commits."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lrs.lti.claims import CUSTOM_CERTIFICATION, CUSTOM_GOAL, SCORE_SCOPE, Launch
from lrs.lti.errors import LtiError
from lrs.models import Certification, CertificationHolder, Goal, Person
from lrs.models.lti import LtiContext, LtiPlacement

KINDS = {CUSTOM_GOAL: "goal", CUSTOM_CERTIFICATION: "certification"}


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def choices(session: Session, tenant_id: int) -> list[dict]:
    """What an instructor may place in a course: the tenant's team goals and its certifications."""
    goals = session.scalars(select(Goal).where(Goal.tenant_id == tenant_id, Goal.person_id.is_(None),
                                               Goal.team_id.is_not(None), Goal.holder_id.is_(None))
                            .order_by(Goal.title, Goal.id))
    certifications = session.scalars(select(Certification).where(Certification.tenant_id == tenant_id)
                                     .order_by(Certification.title, Certification.id))
    return ([{"value": f"goal:{g.id}", "kind": "goal", "id": g.id, "title": g.title,
              "description": g.description or ""} for g in goals]
            + [{"value": f"certification:{c.id}", "kind": "certification", "id": c.id, "title": c.title,
                "description": c.description or ""} for c in certifications])


def target_of(custom: dict) -> tuple[str, int] | None:
    """What a link's custom parameters open: ("goal", id), ("certification", id) or nothing."""
    for key, kind in KINDS.items():
        if key in custom:
            try:
                return kind, int(custom[key])
            except ValueError as exc:
                raise LtiError(f"the custom parameter {key} must be a number", f"custom.{key}") from exc
    return None


def title_of(session: Session, tenant_id: int, kind: str, target_id: int) -> str:
    """The placed goal's or certification's title (LtiError 404 when it is gone or another tenant's)."""
    row = session.get(Goal if kind == "goal" else Certification, target_id)
    if row is None or row.tenant_id != tenant_id or (kind == "goal" and row.holder_id is not None):
        raise LtiError(f"the {kind} this link opens no longer exists", f"custom.lrs_{kind}", 404)
    return row.title


def record(session: Session, context: LtiContext, launch: Launch, kind: str, target_id: int, title: str
           ) -> LtiPlacement:
    """The placement behind a resource link, with the grade service endpoints the launch offers."""
    placement = session.scalar(select(LtiPlacement).where(LtiPlacement.context_pk == context.id,
                                                          LtiPlacement.resource_link_id == launch.resource_link_id))
    if placement is None:
        placement = LtiPlacement(context_pk=context.id, resource_link_id=launch.resource_link_id, kind=kind,
                                 target_id=target_id, title=title[:300], created=_now())
        session.add(placement)
    placement.kind, placement.target_id, placement.title = kind, target_id, title[:300]
    ags = launch.ags or {}
    if isinstance(ags.get("lineitem"), str):
        placement.lineitem_url = ags["lineitem"]
    if isinstance(ags.get("lineitems"), str):
        placement.lineitems_url = ags["lineitems"]
    if isinstance(ags.get("scope"), list):
        placement.scopes = " ".join(s for s in ags["scope"] if isinstance(s, str))
    session.flush()
    return placement


def gradable(placement: LtiPlacement) -> bool:
    return bool(placement.lineitem_url or placement.lineitems_url) and SCORE_SCOPE in placement.scopes.split()


def own_goal(session: Session, goal: Goal, person: Person) -> Goal:
    """The person's copy of a team goal, made (and counted from past statements) on first use."""
    if goal.person_id is not None:
        if goal.person_id != person.id:
            raise LtiError("this goal is another person's", "custom.lrs_goal", 403)
        return goal
    copy = session.scalar(select(Goal).where(Goal.parent_id == goal.id, Goal.person_id == person.id))
    if copy is None:
        copy = Goal(tenant_id=goal.tenant_id, person_id=person.id, parent_id=goal.id, title=goal.title,
                    description=goal.description, starts_on=goal.starts_on, due_on=goal.due_on, weight=goal.weight,
                    rule=goal.rule, created_by=goal.created_by, created=_now())
        session.add(copy)
        session.flush()
        from lrs.progress.engine import ProgressEngine

        ProgressEngine(session).refresh_goals({copy.id})
    return copy


def own_holding(session: Session, certification: Certification, person: Person) -> CertificationHolder:
    """The person's holding of a certification, assigned (and evaluated) on first use."""
    holder = session.scalar(select(CertificationHolder).where(
        CertificationHolder.certification_id == certification.id, CertificationHolder.person_id == person.id))
    if holder is None:
        from lrs.progress.cert_service import assign

        holder = assign(session, certification, [person.id])[0]
    return holder
