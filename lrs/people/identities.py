"""Identities: the written forms admins use, and the agent objects and hashes statements are matched by.

Written forms (CSV ``identities`` column, API): ``mailto:ada@example.com``, ``sha1:<40 hex>``,
``openid:<url>``, ``account:<homePage>|<name>``; the ``github`` column takes a login.
"""

from __future__ import annotations

from dataclasses import dataclass

from lrs.xapi import formats
from lrs.xapi.statements import agent_filter_hash, ifi_value

GITHUB = "https://github.com"


class IdentityError(ValueError):
    pass


@dataclass(frozen=True)
class ParsedIdentity:
    agent: dict
    value: str
    agent_hash: int


def from_agent(agent: dict) -> ParsedIdentity:
    value = ifi_value(agent)
    if value is None:
        raise IdentityError("the agent has no inverse functional identifier")
    ifi = {k: agent[k] for k in ("mbox", "mbox_sha1sum", "openid", "account") if k in agent}
    return ParsedIdentity({"objectType": "Agent", **ifi}, value, agent_filter_hash(agent))


def parse(text: str) -> ParsedIdentity:
    """An identity from its written form."""
    text = text.strip()
    if text.startswith("mailto:"):
        local, _, domain = text.partition("@")
        mbox = f"{local}@{domain.lower()}"
        if not formats.is_mailto(mbox):
            raise IdentityError(f"{text!r} is not a mailto address")
        return from_agent({"mbox": mbox})
    kind, sep, rest = text.partition(":")
    if not sep or not rest:
        raise IdentityError(f"{text!r} is not an identity (mailto:, sha1:, openid: or account:home|name)")
    if kind == "sha1":
        if not formats.SHA1_RE.match(rest):
            raise IdentityError(f"{rest!r} is not a 40-digit hex SHA-1")
        return from_agent({"mbox_sha1sum": rest.lower()})
    if kind == "openid":
        if not formats.is_iri(rest):
            raise IdentityError(f"{rest!r} is not a URL")
        return from_agent({"openid": rest})
    if kind == "account":
        home, bar, name = rest.rpartition("|")
        if not bar or not formats.is_iri(home) or not name:
            raise IdentityError(f"{rest!r} is not homePage|name with homePage a URL")
        return from_agent({"account": {"homePage": home, "name": name}})
    raise IdentityError(f"unknown identity kind {kind!r} (use mailto:, sha1:, openid: or account:)")


def github(login: str) -> ParsedIdentity:
    login = login.strip()
    if not login or any(c.isspace() or c == "/" for c in login):
        raise IdentityError(f"{login!r} is not a GitHub login")
    return from_agent({"account": {"homePage": GITHUB, "name": login}})


def written(identity: ParsedIdentity) -> str:
    agent = identity.agent
    if "mbox" in agent:
        return agent["mbox"]
    if "mbox_sha1sum" in agent:
        return f"sha1:{agent['mbox_sha1sum']}"
    if "openid" in agent:
        return f"openid:{agent['openid']}"
    return f"account:{agent['account']['homePage']}|{agent['account']['name']}"
