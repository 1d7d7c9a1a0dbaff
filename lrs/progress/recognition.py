"""Recognition without pressure: peer kudos (statements, limited per week) and an opt-in team leaderboard.

Kudos are statements like any other (the recognition profile's kudos template), so they flow to other
systems and can count towards goals. The leaderboard ranks goals achieved, and is shown only to people
who opted in, listing only people who opted in: learning, not activity, is what it counts.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import orjson
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lrs.errors import DomainError
from lrs.models import Goal, GoalProgress, Identity, Person, Statement, StatementIndex, TeamMember
from lrs.xapi import formats
from lrs.xapi.service import Writer, store_statements
from lrs.xapi.statements import AGENT, VERB, ifi_value, verb_hash
from lrs.xapi.versions import V1

PROFILE = "https://w3id.org/xapi/lrs/profiles/recognition"
KUDOS_VERB = f"{PROFILE}/verbs/gave-kudos"


class RecognitionError(DomainError):
    pass


def _agent(session: Session, person_id: int) -> tuple[dict, list[int]]:
    rows = session.execute(select(Identity.agent, Identity.agent_hash).where(Identity.person_id == person_id)
                           .order_by(Identity.id)).all()
    if not rows:
        raise RecognitionError("this person has no identity to make or receive statements", "person_id", 409)
    return orjson.loads(rows[0].agent), [r.agent_hash for r in rows]


def given_this_week(session: Session, tenant_id: int, giver: Person, now: datetime) -> int:
    """Kudos the person gave (as the actor) in the last seven days."""
    values = set(session.scalars(select(Identity.value).where(Identity.person_id == giver.id)))
    hashes = list(session.scalars(select(Identity.agent_hash).where(Identity.person_id == giver.id)))
    since = formats.to_micros(now - timedelta(days=7))
    mentioning = select(StatementIndex.seq).where(StatementIndex.tenant_id == tenant_id,
                                                  StatementIndex.kind == AGENT, StatementIndex.value_hash.in_(hashes))
    payloads = session.scalars(select(Statement.payload).where(
        Statement.tenant_id == tenant_id, Statement.verb_id == KUDOS_VERB, Statement.voided.is_(False),
        Statement.stored_us > since, Statement.seq.in_(mentioning)))
    return sum(1 for payload in payloads if ifi_value(orjson.loads(payload)["actor"]) in values)


def give_kudos(session: Session, writer: Writer, giver: Person, receiver: Person, message: str,
               per_week: int) -> str:
    if giver.id == receiver.id:
        raise RecognitionError("kudos are for someone else", "$.to_person_id")
    if receiver.tenant_id != giver.tenant_id:
        raise RecognitionError(f"no person {receiver.id}", "$.to_person_id", 404)
    actor, _ = _agent(session, giver.id)
    target, _ = _agent(session, receiver.id)
    now = datetime.now(UTC)
    if given_this_week(session, giver.tenant_id, giver, now) >= per_week:
        raise RecognitionError(f"at most {per_week} kudos a week; the oldest this week frees a place in 7 days",
                               "$", 429)
    statement = {
        "id": str(uuid.uuid4()), "actor": actor, "verb": {"id": KUDOS_VERB, "display": {"en": "gave kudos to"}},
        "object": {"objectType": "Agent", **{k: v for k, v in target.items() if k != "objectType"}},
        "result": {"response": message}, "timestamp": formats.format_timestamp(now),
        "context": {"contextActivities": {"category": [{"objectType": "Activity", "id": f"{PROFILE}/v1.0"}]}},
    }
    return store_statements(session, writer, [statement], V1, single=True)[0]


def kudos_for(session: Session, person: Person, limit: int = 100) -> list[dict]:
    _, hashes = _agent(session, person.id)
    about = select(StatementIndex.seq).where(StatementIndex.tenant_id == person.tenant_id,
                                             StatementIndex.kind == AGENT, StatementIndex.value_hash.in_(hashes))
    kudos = select(StatementIndex.seq).where(StatementIndex.tenant_id == person.tenant_id,
                                             StatementIndex.kind == VERB,
                                             StatementIndex.value_hash == verb_hash(KUDOS_VERB))
    rows = session.scalars(select(Statement.payload).where(
        Statement.tenant_id == person.tenant_id, Statement.voided.is_(False), Statement.seq.in_(about),
        Statement.seq.in_(kudos)).order_by(Statement.seq.desc()).limit(limit))
    values = set(session.scalars(select(Identity.value).where(Identity.person_id == person.id)))
    found = []
    for payload in rows:
        item = orjson.loads(payload)
        if ifi_value(item["object"]) not in values:
            continue  # the person gave these, not received them
        giver = item["actor"].get("name") or _name_of(session, person.tenant_id, item["actor"])
        found.append({"statement_id": item["id"], "from": giver, "message": item.get("result", {}).get("response", ""),
                      "timestamp": item["timestamp"]})
    return found


def _name_of(session: Session, tenant_id: int, agent: dict) -> str:
    from lrs.people.directory import person_for_agent

    person = person_for_agent(session, tenant_id, agent)
    return person.name if person else "someone"


def leaderboard(session: Session, tenant_id: int, team_id: int) -> list[dict]:
    """Opted-in members of a team, by goals achieved (ties by name)."""
    members = select(TeamMember.person_id).where(TeamMember.team_id == team_id)
    achieved = (select(Goal.person_id, func.count().label("achieved"))
                .join(GoalProgress, GoalProgress.goal_id == Goal.id)
                .where(GoalProgress.achieved_us.is_not(None), Goal.holder_id.is_(None))
                .group_by(Goal.person_id).subquery())
    rows = session.execute(
        select(Person.id, Person.name, func.coalesce(achieved.c.achieved, 0))
        .outerjoin(achieved, achieved.c.person_id == Person.id)
        .where(Person.tenant_id == tenant_id, Person.id.in_(members), Person.leaderboard_opt_in.is_(True))).all()
    ranked = sorted(rows, key=lambda r: (-r[2], r[1]))
    return [{"rank": n, "person_id": pid, "name": name, "goals_achieved": count}
            for n, (pid, name, count) in enumerate(ranked, start=1)]
