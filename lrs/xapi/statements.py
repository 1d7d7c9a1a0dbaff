"""What the LRS does to a valid statement before storing it, and how statements are compared and indexed.

Plain functions over parsed JSON (Data 2.3 lifecycle, 2.4.1 id, 2.4.7 timestamp, 2.4.8 stored,
2.4.9 authority, 2.4.10 version; Communication 2.1.3 for what queries find a statement by).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson

from lrs.xapi import formats
from lrs.xapi.validation import IFI_KEYS, VOIDED_VERB
from lrs.xapi.versions import V2

# Kinds of index rows: what a filter of GET /statements looks a statement up by.
VERB, REGISTRATION, AGENT, RELATED_AGENT, ACTIVITY, RELATED_ACTIVITY = 1, 2, 3, 4, 5, 6


def key_hash(family: str, value: str) -> int:
    """A signed 64-bit hash of a filter value; the family keeps verbs, agents and activities apart.

    Cached for short values, in a dict per family (a write looks up a dozen per statement): the same verbs,
    activities and agents come back in statement after statement.
    """
    cache = _HASHES.get(family)
    if cache is None:
        cache = _HASHES.setdefault(family, {})
    found = cache.get(value)
    if found is None:
        found = _hash(family, value)
        if len(value) <= CACHED_LENGTH:
            if len(cache) >= CACHED_VALUES:  # start again rather than grow without bound
                cache.clear()
            cache[value] = found
    return found


def _hash(family: str, value: str) -> int:
    digest = hashlib.blake2b(f"{family}\x1f{value}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


_HASHES: dict[str, dict[str, int]] = {}
CACHED_VALUES = 32_768  # per family
CACHED_LENGTH = 512  # longer values are hashed each time, so the cache stays small


def normal_mbox(mbox: str) -> str:
    """An mbox IRI with its domain in lower case: the domain of an e-mail address is case-insensitive."""
    local, at, domain = mbox.rpartition("@")
    return f"{local}{at}{domain.lower()}" if at else mbox


def ifi_value(actor: dict) -> str | None:
    """The inverse functional identifier of an Agent or Group as one comparable string (Data 2.4.2.3)."""
    if "mbox" in actor:
        return f"mbox:{normal_mbox(actor['mbox'])}"
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
    for ifi in actor_ifis(actor):
        yield key_hash("agent", ifi)


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
    """Instructor, team and (xAPI 2.0) contextAgents and contextGroups: what related_agents looks at."""
    for key in ("instructor", "team"):
        if key in context:
            yield context[key]
    for entry in context.get("contextAgents", ()):
        yield entry["agent"]
    for entry in context.get("contextGroups", ()):
        yield entry["group"]


def index_keys(statement: dict) -> set[tuple[int, int]]:
    """The (kind, hash) pairs GET /statements finds this statement by, not counting StatementRef targets.

    Communication 2.1.3: ``agent`` matches the actor or object (a Group also by its members);
    ``related_agents`` adds authority, instructor, team, contextAgents, contextGroups and the same
    properties of a SubStatement; ``activity`` matches the object; ``related_activities`` adds the
    context activities and the SubStatement's object and context activities.
    """
    keys: set[tuple[int, int]] = {(VERB, verb_hash(statement["verb"]["id"]))}
    context = statement.get("context", {})
    if "registration" in context:
        keys.add((REGISTRATION, registration_hash(context["registration"])))
    keys.update((AGENT, hashed) for hashed in agent_hashes(statement["actor"]))
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
    """The id a statement targets through a StatementRef object (not context.statement), lower case."""
    target = statement["object"]
    if target.get("objectType") == "StatementRef":
        return str(target["id"]).lower()
    return None


def is_voiding(statement: dict) -> bool:
    return statement["verb"]["id"] == VOIDED_VERB


def now() -> datetime:
    return datetime.now(UTC)


def prepare(statement: dict, *, stored: datetime, authority: dict, version: str) -> dict:
    """Set what the LRS sets: id, stored, authority, version and (when absent) timestamp.

    Data 2.4.1 (id), 2.4.7 (timestamp set to stored when absent), 2.4.8 (stored overwritten),
    2.4.9 (authority set from the credential), 2.4.10 / 2.0 §4.2.4.3 (version defaulted),
    2.0 §4.2.7 (a timestamp in another zone is converted to UTC).
    """
    prepared = _context_activities_as_arrays(statement)
    prepared["id"] = str(statement["id"]).lower() if "id" in statement else str(uuid.uuid4())
    stored_text = _stored_text(stored)
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


# The statements of a batch share their stored moment: it is formatted once.
_stored_text = lru_cache(maxsize=64)(formats.format_timestamp)


def _context_activities_as_arrays(statement: dict) -> dict:
    """A copy in which every contextActivities value is an array (Data 2.4.6.2), also in a SubStatement."""
    out = dict(statement)
    if isinstance(out.get("context"), dict) and isinstance(out["context"].get("contextActivities"), dict):
        activities = out["context"]["contextActivities"]
        out["context"] = {**out["context"],
                          "contextActivities": {k: _as_list(v) for k, v in activities.items()}}
    if isinstance(out.get("object"), dict) and out["object"].get("objectType") == "SubStatement":
        out["object"] = _context_activities_as_arrays(out["object"])
    return out


def lrs_set_timestamp(statement: dict) -> bool:
    """Whether the timestamp is the one ``prepare`` filled in (it then equals ``stored`` exactly)."""
    return "timestamp" in statement and statement["timestamp"] == statement.get("stored")


# -- comparison (Data 2.3.1, "Statement Comparison Requirements") --------------------------------------------

# Set by the LRS (Data 2.3.1, first exception); the timestamp is compared as an instant, on its own.
_LRS_SET = ("id", "authority", "stored", "version", "timestamp")
# Properties whose value is a language map when it is an object; language tags are case-insensitive.
_LANGUAGE_MAPS = ("display", "name", "description")


def _canonical_json(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def _instant(value: Any) -> Any:
    moment = formats.parse_timestamp(value)
    return formats.to_micros(moment) // 1000 if moment is not None else value


def _normalise(value: Any, key: str | None = None) -> Any:
    """A form of a statement part in which the differences Data 2.3.1 lists as exceptions vanish."""
    if key == "extensions":
        return value  # compared as sent: the LRS cannot know what is case-insensitive inside
    if isinstance(value, list):
        items = [_normalise(item, key) for item in value]
        if key == "member":  # a Group's members are an unordered list
            items.sort(key=_canonical_json)
        return items
    if not isinstance(value, dict):
        if key == "timestamp":  # a SubStatement's timestamp: the same instant in any zone is the same
            return _instant(value)
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value
    # Activity definitions and a verb's display are not part of the statement (Data 2.3.1).
    out = {k: _normalise(v, k) for k, v in value.items() if k != "definition"}
    if key == "verb":
        out.pop("display", None)
    if isinstance(out.get("mbox"), str):
        out["mbox"] = normal_mbox(out["mbox"])
    if isinstance(out.get("mbox_sha1sum"), str):
        out["mbox_sha1sum"] = out["mbox_sha1sum"].lower()
    if isinstance(out.get("sha2"), str):
        out["sha2"] = out["sha2"].lower()
    if value.get("objectType") == "StatementRef" and isinstance(out.get("id"), str):
        out["id"] = out["id"].lower()
    if key == "context" and isinstance(out.get("registration"), str):
        out["registration"] = out["registration"].lower()
    if key == "contextActivities":
        out = {k: v if isinstance(v, list) else [v] for k, v in out.items()}
    if key in _LANGUAGE_MAPS and all(isinstance(v, str) for v in value.values()):
        out = {tag.lower(): text for tag, text in out.items()}
    return out


def comparable(statement: dict) -> dict:
    """The parts of a statement that immutability covers, in a form where allowed differences vanish."""
    return {k: _normalise(v, k) for k, v in statement.items() if k not in _LRS_SET}


def same_statement(stored: dict, incoming: dict) -> bool:
    """Whether ``incoming`` matches the ``stored`` statement, ignoring what the LRS may set or reserialise.

    A timestamp the LRS filled in for ``incoming`` (see ``prepare``) is no difference: the sender left it
    out, and the stored statement's timestamp could have been set the same way.
    """
    if comparable(stored) != comparable(incoming):
        return False
    if "timestamp" not in incoming or lrs_set_timestamp(incoming):
        return True
    ours = formats.parse_timestamp(stored.get("timestamp"))
    theirs = formats.parse_timestamp(incoming["timestamp"])
    if ours is None or theirs is None:
        return False
    # The LRS keeps milliseconds (Data 4.5: precision may be reduced), so compare to the millisecond.
    return formats.to_micros(ours) // 1000 == formats.to_micros(theirs) // 1000


def actor_ifis(actor: dict) -> list[str]:
    """Every identifier string an actor carries (itself and, for groups, its members)."""
    found = [v for v in (ifi_value(actor),) if v]
    found.extend(v for v in (ifi_value(m) for m in actor.get("member", ())) if v)
    return found


__all__ = ["IFI_KEYS", "index_keys", "prepare", "same_statement"]
