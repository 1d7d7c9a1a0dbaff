"""Parsing the parameters of GET /statements (Communication 2.1.3) into a plain query object."""

from __future__ import annotations

import base64
import binascii
from dataclasses import asdict, dataclass, replace

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
    # Paging state, carried by the ``more`` link: the last sequence number returned, and the bound that
    # keeps a paged result stable while new statements arrive.
    after_seq: int | None = None
    bound_seq: int | None = None

    def token(self) -> str:
        return base64.urlsafe_b64encode(orjson.dumps(asdict(self))).decode().rstrip("=")

    @classmethod
    def from_token(cls, token: str) -> StatementQuery:
        try:
            data = orjson.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            return cls(**data)
        except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError) as exc:
            raise BadRequest("the 'more' token is not one this LRS issued", path="more") from exc

    def next_page(self, last_seq: int, bound_seq: int) -> StatementQuery:
        return replace(self, after_seq=last_seq, bound_seq=bound_seq)


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
    fields: dict = {
        "format": parse_format(params),
        "attachments": parse_bool(params, "attachments"),
        "ascending": parse_bool(params, "ascending"),
        "related_activities": parse_bool(params, "related_activities"),
        "related_agents": parse_bool(params, "related_agents"),
    }
    if "agent" in params:
        agent = parse_agent(params["agent"], version)
        try:
            fields["agent_hash"] = agent_filter_hash(agent)
        except ValueError as exc:
            raise BadRequest("agent must have an inverse functional identifier", path="agent") from exc
    for name in ("verb", "activity"):
        if name in params:
            if not formats.is_iri(params[name]):
                raise BadRequest(f"{name} must be an IRI, not {params[name]!r}", path=name)
            fields[name] = params[name]
    if "registration" in params:
        if not formats.is_uuid(params["registration"]):
            raise BadRequest(f"registration must be a UUID, not {params['registration']!r}", path="registration")
        fields["registration"] = params["registration"].lower()
    for name in ("since", "until"):
        if name in params:
            moment = formats.parse_timestamp(params[name])
            if moment is None:
                raise BadRequest(f"{name} must be an ISO 8601 timestamp, not {params[name]!r}", path=name)
            fields[f"{name}_us"] = formats.to_micros(moment)
    if "limit" in params:
        raw = params["limit"]
        if not raw.isdigit():
            raise BadRequest(f"limit must be a non-negative integer, not {raw!r}", path="limit")
        fields["limit"] = min(int(raw), page_max)
    return StatementQuery(**fields)
