"""A Caliper envelope (``sensor``, ``sendTime``, ``dataVersion``, ``data``) in, a Translation out.

An envelope that is not one is refused whole (``EventError`` naming the JSON path, answered with 400 as
Caliper endpoints must). Inside a good envelope each item stands alone: an event becomes a statement;
an entity describe, an event of an unmapped type or action, or an event whose statement would not be
valid xAPI becomes a reject with its reason, and the other items are still recorded.
"""

from __future__ import annotations

from typing import Any

from lrs.plugin_host.base import EventError, Translation
from lrs.xapi.errors import ValidationError
from lrs.xapi.validation import validate_statements

from .converter import Envelope
from .converters import CONVERTERS
from .entities import Unmapped
from .vocabulary import DATA_VERSIONS

XAPI_VERSION = "1.0.3"


def read_envelope(payload: Any, homepage: str | None, language: str) -> tuple[Envelope, list]:
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
        raise EventError("the body is not a Caliper envelope: a JSON object with a data array of events "
                         "(and sensor, sendTime, dataVersion) is expected", "$.data")
    for key in ("sensor", "sendTime", "dataVersion"):
        if not isinstance(payload.get(key), str) or not payload[key].strip():
            raise EventError(f"the envelope has no {key} (a non-empty string)", f"$.{key}")
    if payload["dataVersion"] not in DATA_VERSIONS:
        raise EventError(f"dataVersion {payload['dataVersion']!r} is not supported; send one of "
                         f"{', '.join(DATA_VERSIONS)}", "$.dataVersion")
    if not payload["data"]:
        raise EventError("the envelope's data array is empty", "$.data")
    return Envelope(payload["sensor"], payload["dataVersion"], homepage, language), payload["data"]


def is_event(item: dict) -> bool:
    kind = item.get("type")
    return "action" in item or (isinstance(kind, str) and kind.endswith("Event"))


def translate_envelope(payload: Any, homepage: str | None, language: str) -> Translation:
    env, data = read_envelope(payload, homepage, language)
    statements: list[dict] = []
    rejected: list[str] = []
    first: dict[str, int] = {}  # statement id -> index of the item it came from
    for index, item in enumerate(data):
        outcome = _statement(item, env)
        where = f"$.data[{index}]"
        if isinstance(outcome, str):
            rejected.append(f"{where}{_label(item)}: {outcome}")
        elif outcome["id"] in first:
            rejected.append(f"{where}{_label(item)}: repeats the event id of $.data[{first[outcome['id']]}], "
                            "recorded once")
        else:
            first[outcome["id"]] = index
            statements.append(outcome)
    return Translation(statements=statements, rejected=rejected)


def _statement(item: Any, env: Envelope) -> dict | str:
    """The statement an item becomes, or why it becomes none."""
    if not isinstance(item, dict):
        return "not a JSON object"
    if not is_event(item):
        return "an entity describe, not an event: entities alone are not recorded"
    kind = item.get("type")
    converter = CONVERTERS.get(kind) if isinstance(kind, str) else None
    if converter is None:
        return f"event type {kind!r} is not mapped"
    try:
        statement = converter.convert(item, env)
        validate_statements([statement], XAPI_VERSION)
    except Unmapped as exc:
        return str(exc)
    except ValidationError as exc:
        path = (exc.path or "$[0]").replace("$[0]", "$", 1)
        return f"its statement would not be valid xAPI {XAPI_VERSION}: {exc.detail} ({path})"
    return statement


def _label(item: Any) -> str:
    if not isinstance(item, dict):
        return ""
    parts = [str(item[k]) for k in ("type", "id") if isinstance(item.get(k), str)]
    return f" ({' '.join(parts)})" if parts else ""
