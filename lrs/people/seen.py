"""The actors statements use, kept by the log consumer so admins can see who matches no person."""

from __future__ import annotations

from collections import Counter

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from lrs.models import Identity, SeenActor
from lrs.xapi import formats
from lrs.xapi.statements import agent_filter_hash, ifi_value
from lrs.xapi.store import dialect_insert


def record_actors(session: Session, batch: list[tuple[int, dict, bool]]) -> None:
    """Count each (tenant, actor identifier) in a batch of statements; members of anonymous groups too."""
    counts: Counter[tuple[int, str]] = Counter()
    latest: dict[tuple[int, str], tuple[dict, int]] = {}
    for tenant_id, statement, _ in batch:
        actor = statement["actor"]
        moment = formats.parse_timestamp(statement.get("stored")) or formats.parse_timestamp(statement["timestamp"])
        agents = [actor] if ifi_value(actor) else actor.get("member", [])
        for agent in agents:
            key = (tenant_id, ifi_value(agent))
            counts[key] += 1
            latest[key] = (agent, formats.to_micros(moment) if moment else 0)
    for (tenant_id, value) in sorted(counts):
        agent, seen_us = latest[(tenant_id, value)]
        values = {"agent": orjson.dumps(agent).decode(), "last_seen_us": seen_us}
        session.execute(dialect_insert(session, SeenActor).values(
            tenant_id=tenant_id, value=value, agent_hash=agent_filter_hash(agent),
            statements=counts[(tenant_id, value)], **values).on_conflict_do_update(
            index_elements=["tenant_id", "value"],
            set_={**values, "statements": SeenActor.statements + counts[(tenant_id, value)]}))


def unmatched(session: Session, tenant_id: int, limit: int = 200) -> list[dict]:
    """Actors no person's identity matches, most active first."""
    known = select(Identity.value).where(Identity.tenant_id == tenant_id)
    rows = session.execute(select(SeenActor).where(SeenActor.tenant_id == tenant_id, SeenActor.value.not_in(known))
                           .order_by(SeenActor.statements.desc(), SeenActor.id).limit(limit)).scalars()
    return [{"agent": orjson.loads(r.agent), "statements": r.statements,
             "last_seen": formats.format_timestamp(formats.from_micros(r.last_seen_us))} for r in rows]
