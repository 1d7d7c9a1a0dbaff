"""How values read on the pages: dates, percentages, agents, verbs and activities of statements."""

from __future__ import annotations

from datetime import date, datetime

import orjson
from flask import Flask
from markupsafe import Markup

from lrs.people.identities import IdentityError, from_agent, written
from lrs.xapi import formats

STATUS_LABELS = {"not_started": "Not started", "in_progress": "In progress", "achieved": "Achieved",
                 "overdue": "Overdue", "not_earned": "Not earned", "active": "Active", "expiring": "Expiring",
                 "expired": "Expired", "revoked": "Revoked", "idle": "Idle", "catching up": "Catching up",
                 "failing": "Failing"}


def when(value: str | datetime | date | None) -> str:
    """A timestamp as ``2025-03-01 14:05 UTC``, a date as ``2025-03-01``; empty for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        parsed = formats.parse_timestamp(value)
        if parsed is None:
            return value
        value = parsed
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def day(value: str | datetime | date | None) -> str:
    text = when(value)
    return text[:10]


def percent(fraction: float | None) -> str:
    return f"{round(max(0.0, min(1.0, fraction or 0.0)) * 100)}%"


def language_map(value: dict | None, fallback: str = "") -> str:
    if not value:
        return fallback
    for tag in ("en", "en-US", "en-GB"):
        if tag in value:
            return value[tag]
    return next(iter(value.values()), fallback)


def last_segment(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1] or iri


def agent_label(agent: dict | None) -> str:
    """An agent's name and identifier, e.g. ``Ada (mailto:ada@example.com)``."""
    if not agent:
        return ""
    try:
        identifier = written(from_agent(agent))
    except (IdentityError, KeyError, TypeError):
        identifier = "anonymous group" if agent.get("objectType") == "Group" else ""
    name = agent.get("name")
    return f"{name} ({identifier})" if name and identifier else name or identifier


def verb_label(statement: dict) -> str:
    verb = statement.get("verb", {})
    return language_map(verb.get("display"), last_segment(verb.get("id", "")))


def object_label(statement: dict) -> str:
    target = statement.get("object", {})
    kind = target.get("objectType", "Activity")
    if kind == "Activity":
        return language_map(target.get("definition", {}).get("name"), target.get("id", ""))
    if kind in ("Agent", "Group"):
        return agent_label(target)
    if kind == "StatementRef":
        return f"statement {target.get('id', '')}"
    return "a sub-statement"


def pretty_json(value) -> str:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()


def status_badge(status: str) -> Markup:
    label = STATUS_LABELS.get(status, status.replace("_", " ").capitalize())
    css = status.replace(" ", "-").replace("_", "-")
    return Markup('<span class="status status-{}">{}</span>').format(css, label)


def init_filters(app: Flask) -> None:
    app.add_template_filter(when)
    app.add_template_filter(day)
    app.add_template_filter(percent)
    app.add_template_filter(agent_label)
    app.add_template_filter(verb_label)
    app.add_template_filter(object_label)
    app.add_template_filter(pretty_json)
    app.add_template_filter(status_badge)
    app.add_template_filter(language_map)
