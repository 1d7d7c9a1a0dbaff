"""Goals: defining them (for a person, or a team copied to each member) and reading progress. Never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from lrs.errors import DomainError
from lrs.models import Goal, GoalEvidence, GoalProgress, Person, StatementIndex, Team, TeamMember
from lrs.progress.rules import RuleError, parse_rule
from lrs.xapi import formats
from lrs.xapi.statements import VERB, verb_hash

STATUSES = ("not_started", "in_progress", "achieved", "overdue")


class GoalError(DomainError):
    pass


@dataclass(frozen=True)
class GoalSpec:
    title: str
    rule: dict
    description: str = ""
    person_id: int | None = None
    team_id: int | None = None
    starts_on: date | None = None
    due_on: date | None = None
    weight: float = 1.0


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def check_spec(session: Session, tenant_id: int, spec: GoalSpec) -> list[str]:
    """Refuse what cannot work (raises GoalError naming the path); return warnings for what looks wrong."""
    if not spec.title.strip():
        raise GoalError("a goal needs a title", "$.title")
    if (spec.person_id is None) == (spec.team_id is None):
        raise GoalError("a goal belongs to exactly one of person_id or team_id", "$.person_id")
    if spec.person_id is not None:
        person = session.get(Person, spec.person_id)
        if person is None or person.tenant_id != tenant_id:
            raise GoalError(f"no person {spec.person_id} in this tenant", "$.person_id", 404)
    if spec.team_id is not None:
        team = session.get(Team, spec.team_id)
        if team is None or team.tenant_id != tenant_id:
            raise GoalError(f"no team {spec.team_id} in this tenant", "$.team_id", 404)
    if spec.starts_on and spec.due_on and spec.due_on < spec.starts_on:
        raise GoalError("due_on is before starts_on", "$.due_on")
    if not 0 < spec.weight <= 100:
        raise GoalError("weight must be more than 0 and at most 100", "$.weight")
    try:
        rule = parse_rule(spec.rule)
    except RuleError as exc:
        raise GoalError(exc.detail, exc.path) from exc
    warnings = []
    for verb in sorted(rule.verbs):
        seen = session.scalar(select(StatementIndex.seq).where(
            StatementIndex.tenant_id == tenant_id, StatementIndex.value_hash == verb_hash(verb),
            StatementIndex.kind == VERB).limit(1))
        if seen is None:
            warnings.append(f"no statement with verb {verb} has been stored yet")
    return warnings


def create_goal(session: Session, tenant_id: int, spec: GoalSpec, created_by: int | None) -> list[Goal]:
    """Create the goal; a team goal is also copied to each member. Returns the person goals made."""
    rule_json = orjson.dumps(parse_rule(spec.rule).to_json()).decode()
    goal = Goal(tenant_id=tenant_id, person_id=spec.person_id, team_id=spec.team_id, title=spec.title.strip(),
                description=spec.description, starts_on=spec.starts_on, due_on=spec.due_on, weight=spec.weight,
                rule=rule_json, created_by=created_by, created=_now())
    session.add(goal)
    session.flush()
    if spec.person_id is not None:
        return [goal]
    copies = []
    for person_id in session.scalars(select(TeamMember.person_id).where(TeamMember.team_id == spec.team_id)):
        copy = Goal(tenant_id=tenant_id, person_id=person_id, parent_id=goal.id, title=goal.title,
                    description=goal.description, starts_on=goal.starts_on, due_on=goal.due_on,
                    weight=goal.weight, rule=rule_json, created_by=created_by, created=goal.created)
        session.add(copy)
        copies.append(copy)
    session.flush()
    return copies


def status_of(goal: Goal, progress: GoalProgress | None, today: date) -> str:
    if progress is not None and progress.achieved_us is not None:
        return "achieved"
    if goal.due_on is not None and goal.due_on < today:
        return "overdue"
    if progress is None or progress.value == 0:
        return "not_started"
    return "in_progress"


def goal_view(session: Session, goal: Goal, progress: GoalProgress | None, today: date,
              with_evidence: bool = False) -> dict:
    rule = orjson.loads(goal.rule)
    view = {
        "id": goal.id, "person_id": goal.person_id, "team_id": goal.team_id, "parent_id": goal.parent_id,
        "title": goal.title, "description": goal.description,
        "starts_on": goal.starts_on.isoformat() if goal.starts_on else None,
        "due_on": goal.due_on.isoformat() if goal.due_on else None, "weight": goal.weight, "rule": rule,
        "progress": {
            "value": progress.value if progress else 0.0,
            "fraction": progress.fraction if progress else 0.0,
            "status": status_of(goal, progress, today),
            "achieved_at": (formats.format_timestamp(formats.from_micros(progress.achieved_us))
                            if progress and progress.achieved_us is not None else None),
        },
    }
    if with_evidence:
        view["evidence"] = [
            {"statement_id": sid, "activity_id": activity,
             "timestamp": formats.format_timestamp(formats.from_micros(ts))}
            for sid, activity, ts in session.execute(
                select(GoalEvidence.statement_id, GoalEvidence.activity_id, GoalEvidence.timestamp_us)
                .where(GoalEvidence.goal_id == goal.id).order_by(GoalEvidence.timestamp_us))
        ]
    return view


def goals_for_people(session: Session, tenant_id: int, people: list[int], *, period_from: date | None = None,
                     period_to: date | None = None) -> list[tuple[Goal, GoalProgress | None]]:
    """Person goals (with progress) whose period overlaps [period_from, period_to]."""
    query = (select(Goal, GoalProgress).outerjoin(GoalProgress, GoalProgress.goal_id == Goal.id)
             .where(Goal.tenant_id == tenant_id, Goal.person_id.in_(people), Goal.holder_id.is_(None))
             .order_by(Goal.person_id, Goal.id))
    if period_from is not None:
        query = query.where((Goal.due_on.is_(None)) | (Goal.due_on >= period_from))
    if period_to is not None:
        query = query.where((Goal.starts_on.is_(None)) | (Goal.starts_on <= period_to))
    return [(goal, progress) for goal, progress in session.execute(query)]
