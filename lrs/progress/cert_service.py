"""Certifications in the database: defining, assigning, evaluating, and telling the world. Never commits.

Each holder's requirements are goals (``Goal.holder_id``), so the progress engine collects their evidence
like any other goal. Evaluating a holder computes its history (``certifications.cycles``); every new
earning, renewal and expiry is written to the log as a statement that follows the project's
certification profile, so other systems learn of it through the xAPI API and forwarding.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime

import orjson
from flask import current_app, has_app_context
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lrs.errors import DomainError
from lrs.models import Badge, Certification, CertificationHolder, Goal, GoalEvidence, Identity, Person
from lrs.progress import badges
from lrs.progress.certifications import CycleEvent, Requirements, cycles, parse_requirements, status
from lrs.progress.rules import Evidence
from lrs.xapi import formats
from lrs.xapi.statements import prepare
from lrs.xapi.store import StatementStore
from lrs.xapi.versions import V1

PROFILE = "https://w3id.org/xapi/lrs/profiles/certification"
VERBS = {"earned": "http://id.tincanapi.com/verb/earned", "renewed": f"{PROFILE}/verbs/renewed",
         "expired": f"{PROFILE}/verbs/expired"}
NAMESPACE = uuid.UUID("0f8d3b8e-5d1c-4f62-a1b3-2c9e4d7a6b15")


class CertificationError(DomainError):
    pass


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _base_url() -> str:
    configured = current_app.config.get("LRS_PUBLIC_URL") if has_app_context() else ""
    return (configured or "http://127.0.0.1:8000").rstrip("/")


def create_certification(session: Session, tenant_id: int, title: str, description: str, definition: dict
                         ) -> Certification:
    if not title.strip():
        raise CertificationError("a certification needs a title", "$.title")
    from lrs.progress.rules import RuleError

    try:
        parse_requirements(definition, "$.definition")
    except RuleError as exc:
        raise CertificationError(exc.detail, exc.path) from exc
    certification = Certification(tenant_id=tenant_id, title=title.strip(), description=description,
                                  definition=orjson.dumps(definition).decode(), created=_now())
    session.add(certification)
    session.flush()
    return certification


def assign(session: Session, certification: Certification, people: list[int]) -> list[CertificationHolder]:
    """Make people holders-to-be; their requirement goals count statements already stored."""
    requirements = parse_requirements(orjson.loads(certification.definition))
    have = set(session.scalars(select(CertificationHolder.person_id).where(
        CertificationHolder.certification_id == certification.id)))
    made = []
    for person_id in people:
        person = session.get(Person, person_id)
        if person is None or person.tenant_id != certification.tenant_id:
            raise CertificationError(f"no person {person_id} in this tenant", "$.person_ids", 404)
        if person_id in have:
            continue
        holder = CertificationHolder(certification_id=certification.id, person_id=person_id, events="[]")
        session.add(holder)
        session.flush()
        for index, (rule, title) in enumerate(zip(requirements.rules, requirements.titles, strict=True)):
            session.add(Goal(tenant_id=certification.tenant_id, person_id=person_id, title=title, description="",
                             weight=1.0, rule=orjson.dumps(rule.to_json()).decode(), created=_now(),
                             holder_id=holder.id, requirement_index=index))
        made.append(holder)
    session.flush()
    if made:
        from lrs.progress.engine import ProgressEngine

        engine = ProgressEngine(session)
        engine.refresh_goals(set(session.scalars(select(Goal.id).where(
            Goal.holder_id.in_([h.id for h in made])))))
        evaluate(session, {h.id for h in made})
    return made


def _evidence_of(session: Session, holder_ids: set[int]) -> dict[int, dict[int, list[Evidence]]]:
    found: dict[int, dict[int, list[Evidence]]] = defaultdict(lambda: defaultdict(list))
    rows = session.execute(
        select(Goal.holder_id, Goal.requirement_index, GoalEvidence.statement_id, GoalEvidence.activity_id,
               GoalEvidence.seconds, GoalEvidence.timestamp_us)
        .join(GoalEvidence, GoalEvidence.goal_id == Goal.id).where(Goal.holder_id.in_(sorted(holder_ids))))
    for holder_id, index, sid, activity, seconds, ts in rows:
        found[holder_id][index].append(Evidence(sid, activity, seconds, ts))
    return found


def evaluate(session: Session, holder_ids: set[int], now_us: int | None = None) -> None:
    """Recompute holders' histories; write a statement for each new event."""
    if not holder_ids:
        return
    now_us = now_us if now_us is not None else formats.to_micros(datetime.now(UTC))
    evidence = _evidence_of(session, holder_ids)
    rows = session.execute(select(CertificationHolder, Certification).join(
        Certification, Certification.id == CertificationHolder.certification_id).where(
        CertificationHolder.id.in_(sorted(holder_ids)))).all()
    for holder, certification in rows:
        requirements = parse_requirements(orjson.loads(certification.definition))
        per_requirement = [evidence[holder.id].get(i, []) for i in range(len(requirements.rules))]
        history = cycles(requirements, per_requirement, now_us)
        known = orjson.loads(holder.events)
        stored = [dict(e) for e in known]
        for position, event in enumerate(history):
            if position < len(known) and (known[position]["kind"], known[position]["at_us"]) == (event.kind,
                                                                                                 event.at_us):
                continue
            stored = stored[:position]
            earned = next((e["statement_id"] for e in reversed(stored) if e["kind"] in ("earned", "renewed")), None)
            stored.append({"kind": event.kind, "at_us": event.at_us, "expires_us": event.expires_us,
                           "statement_id": _announce(session, certification, holder, event, earned)})
            if event.kind in ("earned", "renewed") and has_app_context():
                badges.issue(session, current_app.config["SECRET_KEY"], _base_url(), certification, holder,
                             list(requirements.titles), event.at_us, event.expires_us)
        stored = stored[:len(history)]
        holder.events = orjson.dumps(stored).decode()
        # A badge whose earning no longer stands (its evidence was voided) is withdrawn.
        standing = [e["at_us"] for e in stored if e["kind"] in ("earned", "renewed")]
        session.execute(delete(Badge).where(Badge.holder_id == holder.id, Badge.event_us.not_in(standing or [-1])))
        last = history[-1] if history else None
        holder.next_check_us = last.expires_us if last and last.kind != "expired" else None


def _actor(session: Session, person_id: int) -> dict | None:
    agent = session.scalar(select(Identity.agent).where(Identity.person_id == person_id).order_by(Identity.id))
    return orjson.loads(agent) if agent else None


def _announce(session: Session, certification: Certification, holder: CertificationHolder, event: CycleEvent,
              earned_statement: str | None) -> str | None:
    """Store the statement for an event (idempotent: its id derives from holder, kind and time)."""
    actor = _actor(session, holder.person_id)
    if actor is None:
        return None
    base = _base_url()
    statement_id = str(uuid.uuid5(NAMESPACE, f"{holder.id}/{event.kind}/{event.at_us}"))
    cert = {"objectType": "Activity", "id": f"{base}/certifications/{certification.id}",
            "definition": {"type": f"{PROFILE}/activity-types/certification",
                           "name": {"en": certification.title}}}
    context: dict = {"contextActivities": {
        "parent": [{"objectType": "Activity", "id": base,
                    "definition": {"type": f"{PROFILE}/activity-types/issuer"}}],
        "category": [{"objectType": "Activity", "id": f"{PROFILE}/v1.0"}]}}
    statement: dict = {"id": statement_id, "actor": actor, "verb": {"id": VERBS[event.kind]}, "object": cert,
                       "timestamp": formats.format_timestamp(formats.from_micros(event.at_us)), "context": context}
    expires = ({"extensions": {f"{PROFILE}/extensions/expires-at":
                               formats.format_timestamp(formats.from_micros(event.expires_us))}}
               if event.expires_us is not None else {})
    if event.kind == "earned":
        statement["result"] = {"success": True, **expires}
    elif event.kind == "renewed":
        if earned_statement is None:
            return None
        context["statement"] = {"objectType": "StatementRef", "id": earned_statement}
        statement["result"] = expires or {"extensions": {}}
    authority = {"objectType": "Agent", "name": "lrs", "account": {"homePage": base, "name": "lrs"}}
    prepared = prepare(statement, stored=datetime.now(UTC), authority=authority, version=V1)
    StatementStore(session, certification.tenant_id).write([prepared], credential_id=None, define=False)
    return statement_id


def due_holders(session: Session, now_us: int) -> set[int]:
    return set(session.scalars(select(CertificationHolder.id).where(
        CertificationHolder.next_check_us.is_not(None), CertificationHolder.next_check_us <= now_us)))


def holder_view(holder: CertificationHolder, certification: Certification, now_us: int) -> dict:
    requirements: Requirements = parse_requirements(orjson.loads(certification.definition))
    events = [CycleEvent(e["kind"], e["at_us"], e["expires_us"]) for e in orjson.loads(holder.events)]
    last_valid = next((e for e in reversed(events) if e.kind != "expired"), None)

    def stamp(us: int | None) -> str | None:
        return formats.format_timestamp(formats.from_micros(us)) if us is not None else None

    return {
        "certification_id": certification.id, "title": certification.title, "person_id": holder.person_id,
        "status": status(events, requirements, now_us, holder.revoked_at is not None),
        "earned_at": stamp(last_valid.at_us) if last_valid else None,
        "expires_at": stamp(last_valid.expires_us) if last_valid else None,
        "history": [{"kind": e.kind, "at": stamp(e.at_us)} for e in events],
    }


def revoke(session: Session, certification: Certification, holder: CertificationHolder, reason: str) -> None:
    """Revoke a held certification; a statement says so, pointing at the statement that earned it."""
    if holder.revoked_at is not None:
        raise CertificationError("the certification is revoked already", "person_id", 409)
    events = orjson.loads(holder.events)
    earned = next((e["statement_id"] for e in reversed(events) if e["kind"] in ("earned", "renewed")), None)
    if earned is None:
        raise CertificationError("the person has not earned this certification", "person_id", 409)
    holder.revoked_at = _now()
    actor = _actor(session, holder.person_id)
    if actor is None:
        return
    base = _base_url()
    statement = {
        "id": str(uuid.uuid5(NAMESPACE, f"{holder.id}/revoked/{earned}")), "actor": actor,
        "verb": {"id": f"{PROFILE}/verbs/revoked"}, "object": {"objectType": "StatementRef", "id": earned},
        "result": {"extensions": {f"{PROFILE}/extensions/revocation-reason": reason}},
        "context": {"contextActivities": {"category": [{"objectType": "Activity", "id": f"{PROFILE}/v1.0"}]}},
    }
    authority = {"objectType": "Agent", "name": "lrs", "account": {"homePage": base, "name": "lrs"}}
    prepared = prepare(statement, stored=datetime.now(UTC), authority=authority, version=V1)
    StatementStore(session, certification.tenant_id).write([prepared], credential_id=None, define=False)
