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


@dataclass(frozen=True)
class EntityTag:
    value: str
    weak: bool = False


def etag_of(content: bytes) -> str:
    """The SHA-1 of the contents, lowercase hex (Communication 3.1)."""
    return hashlib.sha1(content, usedforsecurity=False).hexdigest()


def quoted(etag: str) -> str:
    return f'"{etag}"'


def _tags(header: str) -> list[EntityTag]:
    """The entity tags of an If-Match / If-None-Match header; ``*`` is kept as a tag of its own.

    RFC 7232 wants them quoted; an unquoted tag is taken as it stands, since some clients send them so.
    """
    tags = []
    for part in header.split(","):
        tag = part.strip()
        weak = tag.startswith("W/")
        if weak:
            tag = tag[2:].strip()
        tag = tag.strip('"')
        if tag:
            tags.append(EntityTag(tag, weak))
    return tags


def _is_any(tags: list[EntityTag]) -> bool:
    return any(t.value == "*" and not t.weak for t in tags)


def check_preconditions(method: str, current: Current, if_match: str | None, if_none_match: str | None,
                        *, put_needs_precondition: bool) -> None:
    """Apply If-Match / If-None-Match (RFC 7232 as Communication 3.1 and 2.0 §4.1.4 ask).

    If-Match compares strongly (a weak tag never matches), If-None-Match weakly. A failed precondition is
    412 and changes nothing. If-Match together with ``If-None-Match: *`` can never both hold (RFC 2616 leaves
    the pair undefined): 400. A PUT with neither header onto an existing document is 409 where
    ``put_needs_precondition`` (the profile resources; State under 2.0 by default).
    """
    if if_match is not None and if_none_match is not None and _is_any(_tags(if_none_match)):
        raise BadRequest("If-Match and If-None-Match: * contradict each other (the document cannot both "
                         "exist and not exist); send one of them", path="If-None-Match")
    if if_match is not None:
        tags = _tags(if_match)
        matches = current.etag is not None and (
            _is_any(tags) or any(not t.weak and t.value == current.etag for t in tags))
        if not matches:
            detail = "If-Match does not match the document's current ETag"
            if current.etag is None:
                detail += ": there is no such document"
            raise PreconditionFailed(detail, path="If-Match")
    if if_none_match is not None:
        tags = _tags(if_none_match)
        if current.etag is not None and (_is_any(tags) or any(t.value == current.etag for t in tags)):
            raise PreconditionFailed("If-None-Match: the document exists already", path="If-None-Match")
    if (method == "PUT" and if_match is None and if_none_match is None and current.etag is not None
            and put_needs_precondition):
        raise Conflict("the document exists already: GET it to check its current state, then PUT again "
                       "with If-Match set to its current ETag (or If-None-Match: * to create only)",
                       path="If-Match")


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
