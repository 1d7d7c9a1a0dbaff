"""Rules of the document resources: ETags, preconditions and the JSON merge (Communication 2.2, 3.1).

Plain functions: no Flask, no database.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import orjson

from lrs.xapi.errors import BadRequest, Conflict, PreconditionFailed

STATE, ACTIVITY_PROFILE, AGENT_PROFILE = 1, 2, 3
JSON = "application/json"


@dataclass(frozen=True)
class Current:
    """What the preconditions are checked against: the stored document's ETag, or None when absent."""

    etag: str | None


def etag_of(content: bytes) -> str:
    """The SHA-1 of the contents, lowercase hex (Communication 3.1)."""
    return hashlib.sha1(content, usedforsecurity=False).hexdigest()


def quoted(etag: str) -> str:
    return f'"{etag}"'


def _tags(header: str) -> list[str]:
    tags = []
    for part in header.split(","):
        tag = part.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        tags.append(tag.strip('"'))
    return [t for t in tags if t]


def check_preconditions(method: str, current: Current, if_match: str | None, if_none_match: str | None,
                        *, put_needs_precondition: bool) -> None:
    """Apply If-Match / If-None-Match (RFC 7232 as Communication 3.1 and 2.0 §4.1.4 ask).

    A failed precondition is 412 and changes nothing. A PUT with neither header onto an existing document
    is 409 where ``put_needs_precondition`` (the profile resources; State under 2.0 by default).
    """
    if if_match is not None:
        tags = _tags(if_match)
        if current.etag is None or ("*" not in tags and current.etag not in tags):
            raise PreconditionFailed("If-Match does not match the document's current ETag", path="If-Match")
    if if_none_match is not None:
        tags = _tags(if_none_match)
        if current.etag is not None and ("*" in tags or current.etag in tags):
            raise PreconditionFailed("If-None-Match: the document exists already", path="If-None-Match")
    if (method == "PUT" and if_match is None and if_none_match is None and current.etag is not None
            and put_needs_precondition):
        raise Conflict("the document exists already: GET it, then PUT with If-Match set to its current ETag "
                       "(or If-None-Match: * to create only)", path="If-Match")


def media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def json_object(content: bytes, path: str) -> dict:
    try:
        value = orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"the document is not valid JSON: {exc}", path=path) from exc
    if not isinstance(value, dict):
        raise BadRequest("the document must be a JSON object to be merged", path=path)
    return value


def merge(existing: bytes, existing_type: str, posted: bytes, posted_type: str) -> bytes:
    """Shallow merge of two JSON objects: the posted top-level properties replace the existing ones."""
    if media_type(posted_type) != JSON:
        raise BadRequest("POST to an existing document merges JSON: send Content-Type application/json",
                         path="Content-Type")
    if media_type(existing_type) != JSON:
        raise BadRequest("the stored document is not application/json, so it cannot be merged; use PUT",
                         path="Content-Type")
    merged = json_object(existing, "stored document")
    merged.update(json_object(posted, "body"))
    return orjson.dumps(merged)
