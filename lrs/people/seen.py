"""The actors statements use, kept by the log consumer so admins can see who matches no person."""

from __future__ import annotations

from collections import Counter

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from lrs.models import Identity, SeenActor
from lrs.xapi import bulk, formats
from lrs.xapi.statements import ifi_value, key_hash


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
    rows = []
    for (tenant_id, value) in sorted(counts):  # in key order, so concurrent consumers cannot deadlock
        agent, seen_us = latest[(tenant_id, value)]
        rows.append((tenant_id, value, key_hash("agent", value), orjson.dumps(agent).decode(),
                     counts[(tenant_id, value)], seen_us))
    bulk.insert(session, "seen_actors", ("tenant_id", "value", "agent_hash", "agent", "statements", "last_seen_us"),
                rows, conflict=("tenant_id", "value"),
                update="agent = excluded.agent, last_seen_us = excluded.last_seen_us, "
                       "statements = seen_actors.statements + excluded.statements")


def unmatched(session: Session, tenant_id: int, limit: int = 200) -> list[dict]:
    """Actors no person's identity matches, most active first."""
    known = select(Identity.value).where(Identity.tenant_id == tenant_id)
    rows = session.execute(select(SeenActor).where(SeenActor.tenant_id == tenant_id, SeenActor.value.not_in(known))
                           .order_by(SeenActor.statements.desc(), SeenActor.id).limit(limit)).scalars()
    return [{"agent": orjson.loads(r.agent), "statements": r.statements,
             "last_seen": formats.format_timestamp(formats.from_micros(r.last_seen_us))} for r in rows]
