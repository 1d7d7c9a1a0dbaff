"""Reading Caliper entities, which arrive either as objects (``id``, ``type``, properties) or "thinned"
to the bare IRI string of their ``id``; and turning them into xAPI agents and activities."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from lrs.plugin_host.base import SourcePlugin
from lrs.xapi import formats

from .vocabulary import ACTIVITY_TYPES

AGENT_TYPES = (None, "Person", "SoftwareApplication")
_DURATION = re.compile(
    r"^P(?:(?P<d>\d+(?:\.\d+)?)D)?(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)


class Unmapped(Exception):
    """The event cannot become a statement; the message says why (it becomes a counted reject)."""


def ident(entity: Any) -> str | None:
    """The IRI of an entity, whether it is an object or thinned to its IRI."""
    if isinstance(entity, str):
        return entity
    if isinstance(entity, dict) and isinstance(entity.get("id"), str):
        return entity["id"]
    return None


def prop(entity: Any, key: str) -> Any:
    """A property of an entity object (None when absent or when the entity is thinned)."""
    return entity.get(key) if isinstance(entity, dict) else None


def text(entity: Any, key: str) -> str | None:
    value = prop(entity, key)
    return value if isinstance(value, str) and value.strip() else None


def kind(entity: Any) -> str | None:
    return text(entity, "type")


def authority(iri: str) -> str | None:
    """``scheme://host`` of an http(s) IRI: the account homePage of the system that issued the id."""
    parts = urlsplit(iri)
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None


def seconds(duration: Any) -> int | float | None:
    """An ISO 8601 duration of days, hours, minutes and seconds in seconds (None if it is not one)."""
    match = _DURATION.match(duration) if isinstance(duration, str) and duration != "P" else None
    if match is None or duration.endswith("T"):
        return None
    factors = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    total = sum((float(match[k]) * f for k, f in factors.items() if match[k] is not None), 0.0)
    return int(total) if total.is_integer() else total


def duration(value: Any) -> str | None:
    """A Caliper duration usable as xAPI ``result.duration`` (None when absent or malformed)."""
    return value if isinstance(value, str) and formats.is_duration(value) else None


def agent(entity: Any, homepage: str | None, where: str) -> dict:
    """An xAPI Agent with an account: homePage is the configured homepage or the authority of the
    entity's IRI; name is the Caliper IRI itself, so that every Caliper identity stays distinct."""
    iri = ident(entity)
    if iri is None:
        raise Unmapped(f"{where} has no id")
    if kind(entity) not in AGENT_TYPES:
        raise Unmapped(f"{where} is a {kind(entity)}, which is not mapped to an xAPI agent")
    home = homepage or authority(iri)
    if home is None:
        raise Unmapped(f"{where} id {iri} is not an http(s) IRI, so it gives no account homePage; "
                       "set the source's homepage option")
    return SourcePlugin.account(home, iri, text(entity, "name"))


def activity(entity: Any, default_type: str, language: str, where: str) -> dict:
    """An xAPI Activity: id = the Caliper IRI; type from the Caliper type (``ACTIVITY_TYPES``), else
    ``default_type``, the type the Caliper property guarantees; name and description when given."""
    iri = ident(entity)
    if iri is None:
        raise Unmapped(f"{where} has no id")
    if not formats.is_iri(iri):
        raise Unmapped(f"{where} id {iri!r} is not an IRI (a blank node cannot be an xAPI activity id)")
    definition: dict = {"type": ACTIVITY_TYPES.get(kind(entity) or "", default_type)}
    for key in ("name", "description"):
        value = text(entity, key)
        if value is not None:
            definition[key] = {language: value}
    return {"objectType": "Activity", "id": iri, "definition": definition}


def chain(entity: Any, key: str, limit: int = 8) -> list:
    """The entities reached by following ``key`` (``isPartOf``, ``subOrganizationOf``) upwards."""
    found: list = []
    current = prop(entity, key)
    while ident(current) is not None and len(found) < limit:
        found.append(current)
        current = prop(current, key)
    return found


def joined(values: Any) -> str | None:
    """A list of strings as one xAPI response (``[,]`` separates items, as in response patterns)."""
    if isinstance(values, str):
        return values
    if isinstance(values, list) and values and all(isinstance(v, str) for v in values):
        return "[,]".join(values)
    return None
