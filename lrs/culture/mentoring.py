"""Mentoring sessions, stored as statements for both people (micro-learning profile: mentored and
was-mentored), so goal rules count mentoring given or received like any other learning. Never commits."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from lrs.errors import DomainError
from lrs.models import Identity, Person
from lrs.xapi import formats
from lrs.xapi.service import Writer, store_statements
from lrs.xapi.versions import V1

ML = "https://w3id.org/xapi/lrs/profiles/micro-learning"
PARTNER = f"{ML}/extensions/mentoring-partner"


class MentoringError(DomainError):
    pass


def _agent(session: Session, person: Person) -> dict:
    agent = session.scalar(select(Identity.agent).where(Identity.person_id == person.id).order_by(Identity.id))
    if agent is None:
        raise MentoringError(f"{person.name} has no identity to make statements with", "$", 409)
    return {**orjson.loads(agent), "name": person.name}


def record_session(session: Session, writer: Writer, base: str, mentor: Person, mentee: Person, *, topic: str,
                   minutes: int, when: datetime | None = None) -> list[str]:
    if mentor.id == mentee.id:
        raise MentoringError("a mentor and a mentee are two people", "$.mentee_person_id")
    mentor_agent, mentee_agent = _agent(session, mentor), _agent(session, mentee)
    activity = {"objectType": "Activity", "id": f"{base}/mentoring/{uuid.uuid4()}",
                "definition": {"type": f"{ML}/activity-types/mentoring-session", "name": {"en": topic}}}
    stamp = formats.format_timestamp(when or datetime.now(UTC))
    category = {"contextActivities": {"category": [{"objectType": "Activity", "id": f"{ML}/v1.0"}]}}

    def statement(actor: dict, verb: str, partner: dict) -> dict:
        return {"id": str(uuid.uuid4()), "actor": actor, "verb": {"id": f"{ML}/verbs/{verb}"}, "object": activity,
                "result": {"duration": f"PT{minutes}M"}, "timestamp": stamp,
                "context": {**category, "extensions": {PARTNER: partner}}}

    return store_statements(session, writer, [statement(mentor_agent, "mentored", mentee_agent),
                                              statement(mentee_agent, "was-mentored", mentor_agent)], V1)
