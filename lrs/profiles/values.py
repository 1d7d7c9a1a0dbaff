"""Small predicates on JSON values used by the structure rules: IRIs, language maps, timestamps, media types.

Also ``json_key``: a hashable form of a JSON value in which ``true`` and ``1`` differ (Python's do not)
and ``1`` and ``1.0`` are equal, used wherever rule values are compared.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

import langcodes

# RFC 3987 absolute IRI, loosely: a scheme, a colon, then no whitespace and none of the characters that
# are never legal in an IRI. Blank node identifiers (``_:b0``) have no scheme and are refused.
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$")
_HIERARCHICAL = re.compile(r"^(?:https?|ftp|wss?):", re.IGNORECASE)
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?$")
# RFC 2046 / RFC 6838 media type with optional parameters.
_MEDIA_TOKEN = r"[A-Za-z0-9!#$&^_.+\-]+"  # noqa: S105 - a regex, not a secret
_MEDIA_TYPE = re.compile(
    rf"^{_MEDIA_TOKEN}/{_MEDIA_TOKEN}(?:\s*;\s*{_MEDIA_TOKEN}=(?:{_MEDIA_TOKEN}|\"[^\"]*\"))*$"
)


def is_iri(value: Any) -> bool:
    """An absolute IRI; ``http(s)``/``ftp``/``ws(s)`` IRIs also need an authority (``//host``)."""
    if not isinstance(value, str) or not _IRI.match(value):
        return False
    if _HIERARCHICAL.match(value):
        rest = value.split(":", 1)[1]
        return rest.startswith("//") and len(rest) > 2 and rest[2] not in "/?#"
    return True


def is_uri(value: Any) -> bool:
    """An absolute IRI made of ASCII characters only."""
    return is_iri(value) and value.isascii()


def is_language_map(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and bool(value)
        and all(isinstance(k, str) and langcodes.tag_is_valid(k) for k in value)
        and all(isinstance(v, str) and v for v in value.values())
    )


def language_map_problem(value: Any) -> str | None:
    """Why ``value`` is not a language map (None when it is one)."""
    if not isinstance(value, dict):
        return "must be a language map (an object of language tag to string)"
    if not value:
        return "language map must not be empty"
    for key, text in value.items():
        if not langcodes.tag_is_valid(key):
            return f"'{key}' is not a valid RFC 5646 language tag"
        if not isinstance(text, str) or not text:
            return f"the '{key}' entry must be a non-empty string"
    return None


def is_timestamp(value: Any) -> bool:
    """An xsd:dateTime / ISO 8601 combined date and time."""
    if not isinstance(value, str) or not _TIMESTAMP.match(value):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def is_media_type(value: Any) -> bool:
    return isinstance(value, str) and bool(_MEDIA_TYPE.match(value))


def json_key(value: Any) -> Any:
    """A hashable key equal for equal JSON values (booleans never equal numbers)."""
    if isinstance(value, bool):
        return ("b", value)
    if isinstance(value, int | float):
        return ("n", float(value))
    if isinstance(value, str):
        return ("s", value)
    if value is None:
        return ("z", None)
    return ("j", json.dumps(value, sort_keys=True, separators=(",", ":")))
