"""What the LRS does to a valid statement before storing it, and how statements are compared and indexed.

Plain functions over parsed JSON (Data 2.3 lifecycle, 2.4.1 id, 2.4.7 timestamp, 2.4.8 stored,
2.4.9 authority, 2.4.10 version; Communication 2.1.3 for what queries find a statement by).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from lrs.xapi import formats
from lrs.xapi.validation import IFI_KEYS, VOIDED_VERB
from lrs.xapi.versions import V2

# Kinds of index rows: what a filter of GET /statements looks a statement up by.
VERB, REGISTRATION, AGENT, RELATED_AGENT, ACTIVITY, RELATED_ACTIVITY = 1, 2, 3, 4, 5, 6


def key_hash(family: str, value: str) -> int:
    """A signed 64-bit hash of a filter value; the family keeps verbs, agents and activities apart."""
    digest = hashlib.blake2b(f"{family}\x1f{value}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def ifi_value(actor: dict) -> str | None:
    """The inverse functional identifier of an Agent or Group as one comparable string."""
    if "mbox" in actor:
        return f"mbox:{actor['mbox']}"
    if "mbox_sha1sum" in actor:
        return f"sha1:{actor['mbox_sha1sum'].lower()}"
    if "openid" in actor:
        return f"openid:{actor['openid']}"
    if "account" in actor:
        account = actor["account"]
        return f"account:{account['homePage']}\x1f{account['name']}"
    return None


def agent_hashes(actor: dict) -> Iterator[int]:
    """The hashes an Agent or Group is found by: its own identifier and, for a Group, its members'."""
    ifi = ifi_value(actor)
    if ifi is not None:
        yield key_hash("agent", ifi)
    for member in actor.get("member", ()):
        member_ifi = ifi_value(member)
        if member_ifi is not None:
            yield key_hash("agent", member_ifi)


def agent_filter_hash(agent: dict) -> int:
    ifi = ifi_value(agent)
    if ifi is None:
        raise ValueError("agent has no inverse functional identifier")
    return key_hash("agent", ifi)


def activity_hash(activity_id: str) -> int:
    return key_hash("activity", activity_id)


def verb_hash(verb_id: str) -> int:
    return key_hash("verb", verb_id)


def registration_hash(registration: str) -> int:
    return key_hash("registration", registration.lower())


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _context_activity_ids(context: dict) -> Iterator[str]:
    for value in context.get("contextActivities", {}).values():
        for activity in _as_list(value):
            yield activity["id"]


def _context_agents(context: dict) -> Iterator[dict]:
    for key in ("instructor", "team"):
        if key in context:
            yield context[key]
    for entry in context.get("contextAgents", ()):
        yield entry["agent"]
    for entry in context.get("contextGroups", ()):
        yield entry["group"]


def index_keys(statement: dict) -> set[tuple[int, int]]:
    """The (kind, hash) pairs GET /statements finds this statement by, not counting StatementRef targets."""
    keys: set[tuple[int, int]] = {(VERB, verb_hash(statement["verb"]["id"]))}
    context = statement.get("context", {})
    if "registration" in context:
        keys.add((REGISTRATION, registration_hash(context["registration"])))
    for hashed in agent_hashes(statement["actor"]):
        keys.add((AGENT, hashed))
    related_agents: list[dict] = [*_context_agents(context)]
    if "authority" in statement:
        related_agents.append(statement["authority"])
    statement_object = statement["object"]
    object_type = statement_object.get("objectType", "Activity")
    if object_type == "Activity":
        keys.add((ACTIVITY, activity_hash(statement_object["id"])))
    elif object_type in ("Agent", "Group"):
        keys.update((AGENT, hashed) for hashed in agent_hashes(statement_object))
    elif object_type == "SubStatement":
        related_agents.append(statement_object["actor"])
        sub_context = statement_object.get("context", {})
        related_agents.extend(_context_agents(sub_context))
        sub_object = statement_object["object"]
        sub_type = sub_object.get("objectType", "Activity")
        if sub_type == "Activity":
            keys.add((RELATED_ACTIVITY, activity_hash(sub_object["id"])))
        elif sub_type in ("Agent", "Group"):
            related_agents.append(sub_object)
        keys.update((RELATED_ACTIVITY, activity_hash(iri)) for iri in _context_activity_ids(sub_context))
    for agent in related_agents:
        keys.update((RELATED_AGENT, hashed) for hashed in agent_hashes(agent))
    keys.update((RELATED_ACTIVITY, activity_hash(iri)) for iri in _context_activity_ids(context))
    return keys


def statement_ref_target(statement: dict) -> str | None:
    target = statement["object"]
    if target.get("objectType") == "StatementRef":
        return target["id"].lower()
    return None


def is_voiding(statement: dict) -> bool:
    return statement["verb"]["id"] == VOIDED_VERB


def now() -> datetime:
    return datetime.now(UTC)


def prepare(statement: dict, *, stored: datetime, authority: dict, version: str) -> dict:
    """Set what the LRS sets: id, stored, authority, version and (when absent) timestamp.

    Data 2.4.1 (id), 2.4.7 (timestamp set to stored when absent), 2.4.8 (stored overwritten),
    2.4.9 (authority set from the credential), 2.4.10 / 2.0 §4.2.4.3 (version defaulted).
    """
    prepared = dict(statement)
    prepared["id"] = str(statement["id"]).lower() if "id" in statement else str(uuid.uuid4())
    stored_text = formats.format_timestamp(stored)
    prepared["stored"] = stored_text
    prepared["authority"] = authority
    if "version" not in prepared:
        prepared["version"] = "2.0.0" if version == V2 else "1.0.0"
    if "timestamp" not in prepared:
        prepared["timestamp"] = stored_text
    elif version == V2:
        moment = formats.parse_timestamp(prepared["timestamp"])
        if moment is not None and moment.utcoffset():
            prepared["timestamp"] = formats.format_timestamp(moment)
    return prepared


# -- comparison (Data 2.3.1, "Statement Comparison Requirements") ---------------------------------------------

_LRS_SET = ("id", "authority", "stored", "version")


def _normalise(value: Any, key: str | None = None) -> Any:
    if isinstance(value, dict):
        out = {k: _normalise(v, k) for k, v in value.items() if k != "attachments"}
        if key in ("actor", "object", "instructor", "team", "agent", "group") or "member" in value:
            if "member" in out:
                out["member"] = sorted(out["member"], key=repr)
        if "mbox" in out and isinstance(out["mbox"], str):
            local, _, domain = out["mbox"].partition("@")
            out["mbox"] = f"{local}@{domain.lower()}"
        if "mbox_sha1sum" in out and isinstance(out["mbox_sha1sum"], str):
            out["mbox_sha1sum"] = out["mbox_sha1sum"].lower()
        if key in ("object", "statement") and value.get("objectType") == "StatementRef":
            out["id"] = str(value.get("id", "")).lower()
        if key == "context" and "registration" in out:
            out["registration"] = str(out["registration"]).lower()
        if key == "verb":
            out.pop("display", None)
        if key == "timestamp":
            return value
        return out
    if isinstance(value, list):
        return [_normalise(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def comparable(statement: dict) -> dict:
    """The parts of a statement that immutability covers, in a form where allowed differences vanish."""
    out = {k: _normalise(v, k) for k, v in statement.items() if k not in _LRS_SET and k != "attachments"}
    out.pop("timestamp", None)
    if "attachments" in statement:
        out["attachments"] = sorted((a["sha2"], a["usageType"]) for a in statement["attachments"])
    return out


def same_statement(stored: dict, incoming: dict) -> bool:
    """Whether ``incoming`` matches the ``stored`` statement, ignoring what the LRS may set or reserialise."""
    if comparable(stored) != comparable(incoming):
        return False
    if "timestamp" in incoming:
        ours = formats.parse_timestamp(stored.get("timestamp"))
        theirs = formats.parse_timestamp(incoming["timestamp"])
        if ours is None or theirs is None:
            return False
        return abs((ours - theirs).total_seconds()) < 0.001
    return True


def actor_ifis(actor: dict) -> list[str]:
    """Every identifier string an actor carries (itself and, for groups, its members)."""
    found = [v for v in (ifi_value(actor),) if v]
    found.extend(v for v in (ifi_value(m) for m in actor.get("member", ())) if v)
    return found


__all__ = ["IFI_KEYS", "index_keys", "prepare", "same_statement"]
