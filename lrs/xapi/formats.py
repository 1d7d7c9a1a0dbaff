"""Checks of the value formats the xAPI data model uses (Data 2.2, 4.5, 4.6; RFC 5646, RFC 3987, RFC 4122)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache

import langcodes

# Every pattern is applied with fullmatch: "$" alone would let a trailing newline through.
UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# An IRI (RFC 3987, best effort): a scheme, then characters allowed somewhere in an IRI, "%" only as the
# start of a percent-encoded octet; no whitespace, no controls, none of the characters RFC 3987 excludes.
_IRI_CHAR = r"[^\x00-\x20\x7f-\x9f<>\"{}|\\^`%\s]"
IRI_RE = re.compile(rf"[A-Za-z][A-Za-z0-9+.\-]*:(?=.){_IRI_CHAR}*(?:%[0-9A-Fa-f]{{2}}{_IRI_CHAR}*)*", re.DOTALL)
MAILTO_RE = re.compile(r"^mailto:[^@\s/?#]+@[^@\s/?#]+\.[^@\s/?#]+$|^mailto:[^@\s/?#]+@[^@\s/?#.]+$")
SHA1_RE = re.compile(r"^[0-9a-fA-F]{40}$")
SHA2_RE = re.compile(r"^[0-9a-fA-F]{56}$|^[0-9a-fA-F]{64}$|^[0-9a-fA-F]{96}$|^[0-9a-fA-F]{128}$")
MEDIA_TYPE_RE = re.compile(r"^[A-Za-z0-9!#$&^_.+\-]+/[A-Za-z0-9!#$&^_.+\-]+(\s*;.*)?$")
DURATION_RE = re.compile(
    r"^P(?!$)(?:(?:\d+(?:[.,]\d+)?Y)?(?:\d+(?:[.,]\d+)?M)?(?:\d+(?:[.,]\d+)?D)?"
    r"(?:T(?=\d)(?:\d+(?:[.,]\d+)?H)?(?:\d+(?:[.,]\d+)?M)?(?:\d+(?:[.,]\d+)?S)?)?|\d+(?:[.,]\d+)?W)$",
    re.ASCII,
)
# ISO 8601 lets only the lowest-order component carry a decimal fraction ("PT1.5S", not "P1.5DT2H").
_EARLY_FRACTION_RE = re.compile(r"[.,]\d+[YMWDHS].", re.ASCII)
TIMESTAMP_RE = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<time>\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)"
    r"(?P<tz>Z|z|[+-]\d{2}(?::?\d{2})?)?$",
    re.ASCII,
)
_FORBIDDEN_OFFSETS = {"-00", "-0000", "-00:00"}
# RFC 5646 section 2.1 (well-formed tags), case-insensitive; validity against the registry is checked after.
LANGUAGE_TAG_RE = re.compile(
    r"""^(?:
      (?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})   # language, with up to three extlangs
      (?:-[a-z]{4})?                                        # script
      (?:-(?:[a-z]{2}|[0-9]{3}))?                           # region
      (?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*              # variants
      (?:-[a-wyz0-9](?:-[a-z0-9]{2,8})+)*                   # extensions
      (?:-x(?:-[a-z0-9]{1,8})+)?                            # private use
    | x(?:-[a-z0-9]{1,8})+                                  # a private-use tag
    | en-GB-oed | i-(?:ami|bnn|default|enochian|hak|klingon|lux|mingo|navajo|pwn|tao|tay|tsu)
    | sgn-(?:BE-FR|BE-NL|CH-DE) | art-lojban | cel-gaulish | no-(?:bok|nyn)
    | zh-(?:guoyu|hakka|min|min-nan|xiang)                  # grandfathered tags
    )$""",
    re.IGNORECASE | re.ASCII | re.VERBOSE,
)


def is_uuid(value: object) -> bool:
    return isinstance(value, str) and UUID_RE.fullmatch(value) is not None


def is_iri(value: object) -> bool:
    return isinstance(value, str) and IRI_RE.fullmatch(value) is not None


def is_mailto(value: object) -> bool:
    return isinstance(value, str) and MAILTO_RE.fullmatch(value) is not None


def is_sha1(value: object) -> bool:
    return isinstance(value, str) and SHA1_RE.fullmatch(value) is not None


def is_sha2(value: object) -> bool:
    return isinstance(value, str) and SHA2_RE.fullmatch(value) is not None


def is_media_type(value: object) -> bool:
    return isinstance(value, str) and MEDIA_TYPE_RE.fullmatch(value) is not None


@lru_cache(maxsize=4096)
def is_language_tag(value: str) -> bool:
    """RFC 5646: well-formed (the grammar, e.g. no "_"), then valid (its subtags are in the registry)."""
    if not isinstance(value, str) or LANGUAGE_TAG_RE.fullmatch(value) is None:
        return False
    try:
        return bool(langcodes.tag_is_valid(value))
    except (ValueError, LookupError):
        return False


def is_duration(value: object) -> bool:
    """ISO 8601:2004 4.4.3.2 (the format with designators; not the alternative format of 4.4.3.3)."""
    return (isinstance(value, str) and DURATION_RE.fullmatch(value) is not None
            and _EARLY_FRACTION_RE.search(value) is None)


def parse_timestamp(value: object, *, allow_space: bool = True) -> datetime | None:
    """Parse an ISO 8601 combined date and time; None when it is not one (or uses a forbidden offset).

    RFC 3339 (5.6, note) lets a space stand for the "T"; ISO 8601 does not: ``allow_space=False`` is strict.
    """
    if not isinstance(value, str):
        return None
    match = TIMESTAMP_RE.fullmatch(value)
    if not match or (not allow_space and value[10] != "T"):
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
