"""The ``format`` parameter of GET /statements: exact, ids and canonical (Communication 2.1.3)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lrs.xapi.activities import LANGUAGE_MAPS
from lrs.xapi.validation import COMPONENT_LISTS, IFI_KEYS

ActivityLookup = Callable[[str], dict | None]


def parse_accept_language(header: str | None) -> list[str]:
    """Language ranges from an Accept-Language header, most preferred first (RFC 7231 5.3.5)."""
    if not header:
        return []
    ranges: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip()
        if not tag:
            continue
        quality = 1.0
        for param in pieces[1:]:
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranges.append((-quality, position, tag.lower()))
    return [tag for _, _, tag in sorted(ranges)]


def _matching_tag(wanted: str, lowered: dict[str, str]) -> str | None:
    """The tag a language range picks: equal to it, or one it is a prefix of (RFC 2616 14.4), or one that
    is a prefix of it (RFC 4647 3.4 lookup: "en-GB" falls back to "en")."""
    if wanted in lowered:
        return lowered[wanted]
    for low, tag in lowered.items():
        if low.startswith(wanted + "-"):
            return tag
    for low, tag in lowered.items():
        if wanted.startswith(low + "-"):
            return tag
    return None


def pick_language(language_map: dict[str, str], preferred: list[str]) -> dict[str, str]:
    """One entry of a language map, chosen for this map alone (Communication 2.1.3, canonical format).

    The first preferred range that matches a tag wins; failing that, a tag with the primary language of a
    preferred range; failing that (or after "*"), the map's first entry.
    """
    if len(language_map) <= 1:
        return dict(language_map)
    lowered = {tag.lower(): tag for tag in language_map}
    ranges = preferred[:preferred.index("*")] if "*" in preferred else preferred
    for wanted in ranges:
        tag = _matching_tag(wanted, lowered)
        if tag is not None:
            return {tag: language_map[tag]}
    for wanted in ranges:
        primary = wanted.split("-")[0]
        for low, tag in lowered.items():
            if low.split("-")[0] == primary:
                return {tag: language_map[tag]}
    tag = next(iter(language_map))
    return {tag: language_map[tag]}


def _agent_ids(agent: dict) -> dict:
    out: dict[str, Any] = {key: agent[key] for key in IFI_KEYS if key in agent}
    if "objectType" in agent:
        out["objectType"] = agent["objectType"]
    if agent.get("objectType") == "Group" and not any(k in agent for k in IFI_KEYS):
        out["member"] = [_agent_ids(member) for member in agent.get("member", [])]
    return out


def _transform(statement: dict, agent_fn: Callable[[dict], dict], activity_fn: Callable[[dict], dict],
               verb_fn: Callable[[dict], dict]) -> dict:
    out = dict(statement)
    out["actor"] = agent_fn(statement["actor"])
    out["verb"] = verb_fn(statement["verb"])
    if "authority" in statement:
        out["authority"] = agent_fn(statement["authority"])
    target = statement["object"]
    kind = target.get("objectType", "Activity")
    if kind == "Activity":
        out["object"] = activity_fn(target)
    elif kind in ("Agent", "Group"):
        out["object"] = agent_fn(target)
    elif kind == "SubStatement":
        out["object"] = _transform(target, agent_fn, activity_fn, verb_fn)
    if "context" in statement:
        out["context"] = _context(statement["context"], agent_fn, activity_fn)
    return out


def _context(context: dict, agent_fn, activity_fn) -> dict:
    out = dict(context)
    for key in ("instructor", "team"):
        if key in context:
            out[key] = agent_fn(context[key])
    if "contextActivities" in context:
        out["contextActivities"] = {
            key: [activity_fn(a) for a in value] if isinstance(value, list) else activity_fn(value)
            for key, value in context["contextActivities"].items()
        }
    if "contextAgents" in context:
        out["contextAgents"] = [{**e, "agent": agent_fn(e["agent"])} for e in context["contextAgents"]]
    if "contextGroups" in context:
        out["contextGroups"] = [{**e, "group": agent_fn(e["group"])} for e in context["contextGroups"]]
    return out


def ids_format(statement: dict) -> dict:
    """Only what identifies agents, groups, activities and verbs."""
    def activity(a: dict) -> dict:
        return {"objectType": "Activity", "id": a["id"]} if "objectType" in a else {"id": a["id"]}

    return _transform(statement, _agent_ids, activity, lambda v: {"id": v["id"]})


def _filter_definition(definition: dict, preferred: list[str]) -> dict:
    out = dict(definition)
    for key in LANGUAGE_MAPS:
        if isinstance(out.get(key), dict):
            out[key] = pick_language(out[key], preferred)
    for key in COMPONENT_LISTS:
        if isinstance(out.get(key), list):
            out[key] = [
                {**c, "description": pick_language(c["description"], preferred)} if "description" in c else c
                for c in out[key]
            ]
    return out


def _filter_attachments(statement: dict, preferred: list[str]) -> dict:
    if "attachments" not in statement:
        return statement
    attachments = [
        {**a, **{k: pick_language(a[k], preferred) for k in ("display", "description")
                 if isinstance(a.get(k), dict)}}
        for a in statement["attachments"]
    ]
    return {**statement, "attachments": attachments}


def canonical_format(statement: dict, lookup: ActivityLookup, preferred: list[str]) -> dict:
    """Activities with the LRS's canonical definitions, one language per language map, agents as sent.

    Communication 2.1.3: each language map (activity name, description and interaction components, verb
    display, attachment display and description) keeps one language, chosen per map from Accept-Language.
    """

    def activity(a: dict) -> dict:
        definition = lookup(a["id"]) or a.get("definition")
        out = {k: v for k, v in a.items() if k != "definition"}
        if definition:
            out["definition"] = _filter_definition(definition, preferred)
        return out

    def verb(v: dict) -> dict:
        if "display" in v:
            return {**v, "display": pick_language(v["display"], preferred)}
        return v

    out = _filter_attachments(_transform(statement, lambda agent: agent, activity, verb), preferred)
    if out["object"].get("objectType") == "SubStatement":
        out["object"] = _filter_attachments(out["object"], preferred)
    return out


def activity_ids(statement: dict) -> set[str]:
    found: set[str] = set()

    def collect(a: dict) -> dict:
        found.add(a["id"])
        return a

    _transform(statement, lambda agent: agent, collect, lambda v: v)
    return found
