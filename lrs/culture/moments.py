"""Learning moments and blameless after-action reviews: statements in the micro-learning profile.

A moment says what happened and what was learned, optionally linked to a review, an incident or a project.
It is shared to the author's team (the ``channel`` extension is ``team:<id>``) and seen only inside that
team, unless the author widens it to the organisation (``organisation``). Feeds are newest first and never
ranked or scored. An after-action review records a team event with its lessons as moments grouped under
the review. Never commits (the statements go through the ingest path, which commits them).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from lrs.errors import DomainError
from lrs.models import Identity, Person, Statement, StatementIndex, TeamMember
from lrs.xapi import formats
from lrs.xapi.service import Writer, store_statements
from lrs.xapi.statements import VERB, ifi_value, verb_hash
from lrs.xapi.versions import V1

ML = "https://w3id.org/xapi/lrs/profiles/micro-learning"
SHARED = "http://adlnet.gov/expapi/verbs/shared"
CHANNEL = f"{ML}/extensions/channel"
MOMENT_TYPE = f"{ML}/activity-types/learning-moment"
AAR_TYPE = "https://w3id.org/xapi/lrs/activity-types/after-action-review"
ORGANISATION = "organisation"


class MomentError(DomainError):
    pass


def _member(session: Session, team_id: int, person_id: int) -> bool:
    return session.scalar(select(TeamMember.person_id).where(TeamMember.team_id == team_id,
                                                             TeamMember.person_id == person_id)) is not None


def _actor(session: Session, person: Person) -> dict:
    agent = session.scalar(select(Identity.agent).where(Identity.person_id == person.id).order_by(Identity.id))
    if agent is None:
        raise MomentError("your person has no identity to make statements with", "person", 409)
    return {**orjson.loads(agent), "name": person.name}


def _moment(base: str, actor: dict, title: str, happened: str, learned: str, channel: str,
            link: str | None, grouping: dict | None) -> dict:
    context: dict = {"extensions": {CHANNEL: channel},
                     "contextActivities": {"category": [{"objectType": "Activity", "id": f"{ML}/v1.0"}]}}
    if link:
        context["contextActivities"]["other"] = [{"objectType": "Activity", "id": link}]
    if grouping:
        context["contextActivities"]["grouping"] = [grouping]
    return {
        "id": str(uuid.uuid4()), "actor": actor, "verb": {"id": SHARED, "display": {"en": "shared"}},
        "object": {"objectType": "Activity", "id": f"{base}/moments/{uuid.uuid4()}", "definition": {
            "type": MOMENT_TYPE, "name": {"en": title},
            "description": {"en": f"What happened: {happened}\nWhat I learned: {learned}"}}},
        "timestamp": formats.format_timestamp(datetime.now(UTC)), "context": context,
    }


def share(session: Session, writer: Writer, base: str, author: Person, team_id: int, *, title: str, happened: str,
          learned: str, widen: bool = False, link: str | None = None) -> str:
    if not _member(session, team_id, author.id):
        raise MomentError("you can share moments with your own teams only", "$.team_id", 403)
    channel = ORGANISATION if widen else f"team:{team_id}"
    statement = _moment(base, _actor(session, author), title, happened, learned, channel, link, None)
    return store_statements(session, writer, [statement], V1, single=True)[0]


def after_action_review(session: Session, writer: Writer, base: str, author: Person, team_id: int, *, event: str,
                        lessons: list[dict]) -> list[str]:
    if not _member(session, team_id, author.id):
        raise MomentError("after-action reviews are recorded by members of the team", "$.team_id", 403)
    review = {"objectType": "Activity", "id": f"{base}/after-action-reviews/{uuid.uuid4()}",
              "definition": {"type": AAR_TYPE, "name": {"en": event}}}
    actor = _actor(session, author)
    statements = [_moment(base, actor, lesson["title"], lesson["what_happened"], lesson["learned"],
                          f"team:{team_id}", None, review) for lesson in lessons]
    return store_statements(session, writer, statements, V1)


def _moments(session: Session, tenant_id: int, limit: int) -> list[dict]:
    shared = select(StatementIndex.seq).where(StatementIndex.tenant_id == tenant_id, StatementIndex.kind == VERB,
                                              StatementIndex.value_hash == verb_hash(SHARED))
    rows = session.scalars(select(Statement.payload).where(
        Statement.tenant_id == tenant_id, Statement.voided.is_(False), Statement.seq.in_(shared))
        .order_by(Statement.seq.desc()).limit(limit))
    found = []
    for payload in rows:
        statement = orjson.loads(payload)
        definition = statement["object"].get("definition", {})
        if definition.get("type") == MOMENT_TYPE:
            found.append(statement)
    return found


def _view(statement: dict) -> dict:
    definition = statement["object"]["definition"]
    context = statement.get("context", {})
    grouping = context.get("contextActivities", {}).get("grouping", [])
    other = context.get("contextActivities", {}).get("other", [])
    return {
        "statement_id": statement["id"], "author": statement["actor"].get("name", ""),
        "title": definition["name"].get("en", ""), "text": definition.get("description", {}).get("en", ""),
        "shared_at": statement["timestamp"], "visibility": "organisation"
        if context.get("extensions", {}).get(CHANNEL) == ORGANISATION else "team",
        "link": other[0]["id"] if other else None,
        "after_action_review": grouping[0]["definition"]["name"]["en"] if grouping else None,
    }


def team_feed(session: Session, tenant_id: int, team_id: int, viewer: Person, limit: int = 200) -> list[dict]:
    """The team's moments, newest first; only for the team's members."""
    if not _member(session, team_id, viewer.id):
        raise MomentError("a team's moments are seen inside the team only", "team_id", 403)
    members = set(session.scalars(select(TeamMember.person_id).where(TeamMember.team_id == team_id)))
    values = set(session.scalars(select(Identity.value).where(Identity.person_id.in_(members))))
    feed = []
    for statement in _moments(session, tenant_id, limit * 5):
        channel = statement.get("context", {}).get("extensions", {}).get(CHANNEL)
        by_member = ifi_value(statement["actor"]) in values
        if channel == f"team:{team_id}" or (channel == ORGANISATION and by_member):
            feed.append(_view(statement))
    return feed[:limit]


def organisation_feed(session: Session, tenant_id: int, limit: int = 200) -> list[dict]:
    """Moments their authors widened to the whole organisation."""
    return [_view(s) for s in _moments(session, tenant_id, limit * 5)
            if s.get("context", {}).get("extensions", {}).get(CHANNEL) == ORGANISATION][:limit]
