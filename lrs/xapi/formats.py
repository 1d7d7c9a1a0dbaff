"""Checks of the value formats the xAPI data model uses (Data 2.2, 4.5, 4.6; RFC 5646, RFC 3987, RFC 4122)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache

import langcodes

UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# An IRI: a scheme, then no whitespace or characters RFC 3987 excludes everywhere.
IRI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]+$")
MAILTO_RE = re.compile(r"^mailto:[^@\s/?#]+@[^@\s/?#]+\.[^@\s/?#]+$|^mailto:[^@\s/?#]+@[^@\s/?#.]+$")
SHA1_RE = re.compile(r"^[0-9a-fA-F]{40}$")
SHA2_RE = re.compile(r"^[0-9a-fA-F]{56}$|^[0-9a-fA-F]{64}$|^[0-9a-fA-F]{96}$|^[0-9a-fA-F]{128}$")
MEDIA_TYPE_RE = re.compile(r"^[A-Za-z0-9!#$&^_.+\-]+/[A-Za-z0-9!#$&^_.+\-]+(\s*;.*)?$")
DURATION_RE = re.compile(
    r"^P(?!$)(?:(?:\d+(?:[.,]\d+)?Y)?(?:\d+(?:[.,]\d+)?M)?(?:\d+(?:[.,]\d+)?D)?"
    r"(?:T(?=\d)(?:\d+(?:[.,]\d+)?H)?(?:\d+(?:[.,]\d+)?M)?(?:\d+(?:[.,]\d+)?S)?)?|\d+(?:[.,]\d+)?W)$"
)
TIMESTAMP_RE = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<time>\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)"
    r"(?P<tz>Z|z|[+-]\d{2}(?::?\d{2})?)?$"
)
_FORBIDDEN_OFFSETS = {"-00", "-0000", "-00:00"}


def is_uuid(value: object) -> bool:
    return isinstance(value, str) and UUID_RE.match(value) is not None


def is_iri(value: object) -> bool:
    return isinstance(value, str) and IRI_RE.match(value) is not None


def is_mailto(value: object) -> bool:
    return isinstance(value, str) and MAILTO_RE.match(value) is not None


@lru_cache(maxsize=4096)
def is_language_tag(value: str) -> bool:
    """RFC 5646 well-formedness, with the registry of subtags behind it."""
    if not value or value != value.strip():
        return False
    try:
        return bool(langcodes.tag_is_valid(value))
    except (ValueError, LookupError):
        return False


def is_duration(value: object) -> bool:
    return isinstance(value, str) and DURATION_RE.match(value) is not None


def parse_timestamp(value: object) -> datetime | None:
    """Parse an ISO 8601 combined date and time; None when it is not one (or uses a forbidden offset)."""
    if not isinstance(value, str):
        return None
    match = TIMESTAMP_RE.match(value)
    if not match:
        return None
    tz = match.group("tz")
    if tz in _FORBIDDEN_OFFSETS:
        return None
    time = match.group("time").replace(",", ".")
    if "." in time:
        whole, frac = time.split(".")
        time = f"{whole}.{(frac + '000000')[:6]}"
    text = f"{match.group('date')}T{time}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if tz is None:
        return parsed.replace(tzinfo=UTC)
    if tz in ("Z", "z"):
        return parsed.replace(tzinfo=UTC)
    sign = -1 if tz[0] == "-" else 1
    digits = tz[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 23 or minutes > 59:
        return None
    offset = timedelta(hours=hours, minutes=minutes) * sign
    return parsed.replace(tzinfo=timezone(offset))


def format_timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with millisecond precision, the form the LRS writes."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def to_micros(moment: datetime) -> int:
    delta = moment.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(micros: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)
