"""Parsing the parameters of GET /statements (Communication 2.1.3) into a plain query object."""

from __future__ import annotations

import base64
import binascii
from dataclasses import asdict, dataclass, fields, replace
from typing import get_args, get_type_hints

import orjson

from lrs.xapi import formats
from lrs.xapi.errors import BadRequest
from lrs.xapi.statements import agent_filter_hash
from lrs.xapi.validation import StatementValidator, ValidationError

SINGLE_PARAMS = frozenset({"statementId", "voidedStatementId", "attachments", "format"})
QUERY_PARAMS = frozenset(
    {"agent", "verb", "activity", "registration", "related_activities", "related_agents", "since", "until",
     "limit", "format", "attachments", "ascending"}
)
ALL_PARAMS = SINGLE_PARAMS | QUERY_PARAMS | {"more"}
FORMATS = ("exact", "ids", "canonical")


@dataclass(frozen=True)
class StatementQuery:
    agent_hash: int | None = None
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    related_activities: bool = False
    related_agents: bool = False
    since_us: int | None = None
    until_us: int | None = None
    limit: int = 0
    format: str = "exact"
    attachments: bool = False
    ascending: bool = False
    # Paging state, carried by the ``more`` link: the seq of the last statement returned, and the bound
    # (the newest seq when the query first ran) that keeps a paged result stable while new statements
    # arrive (Data 2.5).
    after_seq: int | None = None
    bound_seq: int | None = None
    # What the first page found of a since/until window (lrs.xapi.paging), kept for the pages after it: the
    # window's statements and its bounds do not change between pages, and counting them again would cost
    # every page what the first one paid.
    window: str | None = None  # "small" or "large"
    floor_seq: int | None = None

    def token(self) -> str:
        """The query as a compact token for the ``more`` IRL: only what differs from the defaults."""
        data = {k: v for k, v in asdict(self).items() if v != _DEFAULTS[k]}
        return base64.urlsafe_b64encode(orjson.dumps(data)).decode().rstrip("=")

    @classmethod
    def from_token(cls, token: str) -> StatementQuery:
        try:
            data = orjson.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            query = cls(**data)
        except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError) as exc:
            raise BadRequest("the 'more' token is not one this LRS issued", path="more") from exc
        if not query._well_typed():
            raise BadRequest("the 'more' token is not one this LRS issued", path="more")
        return query

    def _well_typed(self) -> bool:
        for name, kind in _TYPES.items():
            value = getattr(self, name)
            if type(value) is not kind and not (value is None and _DEFAULTS[name] is None):
                return False
        return self.format in FORMATS and self.limit >= 0 and self.window in (None, "small", "large")

    def next_page(self, last_seq: int, bound_seq: int, window: str | None = None,
                  floor_seq: int | None = None) -> StatementQuery:
        return replace(self, after_seq=last_seq, bound_seq=bound_seq, window=window, floor_seq=floor_seq)


_DEFAULTS = {item.name: item.default for item in fields(StatementQuery)}
# The one non-None type each field takes (``int | None`` → int).
_TYPES = {name: next(t for t in get_args(hint) or (hint,) if t is not type(None))
          for name, hint in get_type_hints(StatementQuery).items()}


def parse_bool(params: dict[str, str], name: str) -> bool:
    value = params.get(name)
    if value is None:
        return False
    if value not in ("true", "false"):
        raise BadRequest(f"{name} must be true or false, not {value!r}", path=name)
    return value == "true"


def parse_format(params: dict[str, str]) -> str:
    value = params.get("format", "exact")
    if value not in FORMATS:
        raise BadRequest(f"format must be one of {', '.join(FORMATS)}, not {value!r}", path="format")
    return value


def check_param_names(params: dict[str, str], allowed: frozenset[str]) -> None:
    for name in params:
        if name not in allowed:
            raise BadRequest(f"unknown parameter {name!r}", path=name)


def parse_agent(text: str, version: str, name: str = "agent") -> dict:
    try:
        agent = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"{name} must be an Agent or Group as JSON: {exc}", path=name) from exc
    try:
        StatementValidator(version).actor(agent, name)
    except ValidationError as exc:
        raise BadRequest(exc.detail, path=exc.path) from exc
    return agent


def parse_query(params: dict[str, str], version: str, page_max: int) -> StatementQuery:
    """Turn the query string of GET /statements into a StatementQuery, validating every value."""
    check_param_names(params, QUERY_PARAMS)
    values: dict = {
        "format": parse_format(params),
        "attachments": parse_bool(params, "attachments"),
        "ascending": parse_bool(params, "ascending"),
        "related_activities": parse_bool(params, "related_activities"),
        "related_agents": parse_bool(params, "related_agents"),
    }
    if "agent" in params:
        agent = parse_agent(params["agent"], version)
        try:
            values["agent_hash"] = agent_filter_hash(agent)
        except ValueError as exc:
            raise BadRequest("agent must have an inverse functional identifier", path="agent") from exc
    for name in ("verb", "activity"):
        if name in params:
            if not formats.is_iri(params[name]):
                raise BadRequest(f"{name} must be an IRI, not {params[name]!r}", path=name)
            values[name] = params[name]
    if "registration" in params:
        if not formats.is_uuid(params["registration"]):
            raise BadRequest(f"registration must be a UUID, not {params['registration']!r}",
                             path="registration")
        values["registration"] = params["registration"].lower()
    for name in ("since", "until"):
        if name in params:
            moment = formats.parse_timestamp(params[name])
            if moment is None:
                raise BadRequest(f"{name} must be an ISO 8601 timestamp, not {params[name]!r}", path=name)
            values[f"{name}_us"] = formats.to_micros(moment)
    if "limit" in params:
        raw = params["limit"]
        if not (raw.isascii() and raw.isdigit()):
            raise BadRequest(f"limit must be a non-negative integer, not {raw!r}", path="limit")
        # 0 asks for the most the server allows; without a limit the server's own page size applies.
        values["limit"] = min(int(raw), page_max) or page_max
    return StatementQuery(**values)
