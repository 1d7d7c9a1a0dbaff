"""Erasing a person on request (the right to be forgotten). Never commits.

Removed for good: the statements the person made (their identities as the actor, or as a member of an
anonymous group actor made of them alone), with what is indexed for them and the attachment data only they
used; the documents kept for their identities (State, Agent Profile); their goals, progress, certification
history and badges; their identities, team memberships and the person. Left exactly as they were: every
other person's statements, documents and progress. An audit entry records the erasure with counts only.
"""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from lrs.models import (
    Attachment,
    AuditEntry,
    Document,
    Goal,
    Identity,
    Person,
    SeenActor,
    Statement,
    StatementId,
    StatementIndex,
    User,
)
from lrs.xapi.statements import AGENT, ifi_value


def _erasable(payload: dict, values: set[str]) -> bool:
    actor = payload["actor"]
    if ifi_value(actor) in values:
        return True
    members = actor.get("member", [])
    return ifi_value(actor) is None and bool(members) and all(ifi_value(m) in values for m in members)


def erase_person(session: Session, person: Person, actor: str) -> dict:
    """Erase ``person``; ``actor`` names who asked (a user id or "cli"), for the audit entry."""
    tenant_id = person.tenant_id
    identities = list(session.execute(select(Identity.value, Identity.agent_hash).where(
        Identity.person_id == person.id)))
    values = {value for value, _ in identities}
    hashes = [h for _, h in identities]
    counts = {"statements": 0, "documents": 0, "goals": 0, "identities": len(identities), "attachments": 0}
    if hashes:
        candidates = select(StatementIndex.seq).where(
            StatementIndex.tenant_id == tenant_id, StatementIndex.kind == AGENT, StatementIndex.value_hash.in_(hashes))
        doomed, doomed_ids, held = [], [], set()
        for seq, statement_id, payload, hashes_held in session.execute(
                select(Statement.seq, Statement.statement_id, Statement.payload, Statement.attachment_hashes)
                .where(Statement.seq.in_(candidates))):
            if _erasable(orjson.loads(payload), values):
                doomed.append(seq)
                doomed_ids.append(statement_id)
                held.update((hashes_held or "").split())
        for start in range(0, len(doomed), 500):
            chunk = doomed[start:start + 500]
            session.execute(delete(StatementIndex).where(StatementIndex.seq.in_(chunk)))
            session.execute(delete(Statement).where(Statement.seq.in_(chunk)))
            session.execute(delete(StatementId).where(StatementId.tenant_id == tenant_id,
                                                      StatementId.statement_id.in_(doomed_ids[start:start + 500])))
        counts["statements"] = len(doomed)
        for sha2 in sorted(held):
            still = session.scalar(select(Statement.seq).where(
                Statement.tenant_id == tenant_id, Statement.attachment_hashes.contains(sha2)).limit(1))
            if still is None:
                counts["attachments"] += session.execute(delete(Attachment).where(
                    Attachment.tenant_id == tenant_id, Attachment.sha2 == sha2)).rowcount or 0
        counts["documents"] = session.execute(delete(Document).where(
            Document.tenant_id == tenant_id, Document.agent_key.in_(sorted(values)))).rowcount or 0
        session.execute(delete(SeenActor).where(SeenActor.tenant_id == tenant_id, SeenActor.value.in_(sorted(values))))
    goal_ids = list(session.scalars(select(Goal.id).where(Goal.person_id == person.id)))
    counts["goals"] = len(goal_ids)
    session.execute(update(User).where(User.person_id == person.id).values(person_id=None))
    session.execute(update(Person).where(Person.manager_id == person.id).values(manager_id=person.manager_id))
    session.delete(person)  # goals, evidence, progress, holders, identities and memberships cascade
    session.flush()
    session.add(AuditEntry(tenant_id=tenant_id, at=datetime.now(UTC).replace(tzinfo=None), actor=actor,
                           action="person.erased", detail=orjson.dumps(counts).decode()))
    session.flush()
    return counts

