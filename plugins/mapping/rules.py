"""A mapping: rules tried in order, the first whose ``match`` holds giving the statements of an event.

::

    {"description": "...",                      # optional, for people
     "id": "bitewise/{{ $.id }}",               # optional: the default event identity of the rules
     "rules": [{"name": "question answered",    # optional, shown in errors
                "match": {"$.type": "quiz.question_answered"},
                "id": "{{ $.id }}",             # the event identity (unless the mapping has one)
                "statement": {...}}]}           # or "statements": [{...}, ...]

The statement id is a uuid5 of the event identity (and of the statement's place in the rule's list), so a
redelivered event gives the same statements and stores nothing twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from lrs.plugin_host.base import PluginConfigError, SourcePlugin
from lrs.xapi.validation import member, type_name
from plugins.mapping import values
from plugins.mapping.checks import check_statement, check_template
from plugins.mapping.conditions import Condition, compile_conditions
from plugins.mapping.nodes import Node, Ref, render
from plugins.mapping.paths import Scope
from plugins.mapping.profile import micro_learning
from plugins.mapping.templates import Compiler, compile_object, compile_value

ROOT = "options.mapping"
MAPPING_KEYS = ("description", "id", "rules")
RULE_KEYS = ("name", "description", "match", "id", "statement", "statements")
STATEMENT_KEYS = ("actor", "verb", "object", "result", "context", "timestamp")
SET_BY_THE_LRS = {
    "id": "the statement id is made from the rule's id (the event identity)",
    "stored": "the LRS sets stored", "authority": "the LRS sets the authority (the source)",
    "version": "the LRS sets the version",
    "attachments": "a webhook carries no attachment data, so a mapping cannot make attachments",
}


@dataclass(frozen=True)
class Rule:
    where: str  # options.mapping.rules[i]
    name: str
    conditions: tuple[Condition, ...]
    key: Node  # the event identity
    statements: tuple[Node, ...]

    @property
    def label(self) -> str:
        return f"{self.where} ({self.name})" if self.name else self.where

    def holds(self, scope: Scope) -> bool:
        return all(condition.holds(scope) for condition in self.conditions)

    def translate(self, scope: Scope) -> list[dict]:
        value = render(self.key, scope, ("id",))
        key = values.as_text(value, scope.trace.get("$.id", "id"))
        out = []
        profile = micro_learning()
        for index, template in enumerate(self.statements):
            scope.trace.clear()
            statement_id = SourcePlugin.statement_id("mapping", key, index)
            statement = {"id": statement_id, **render(template, scope, ())}
            profile.claim(statement)
            check_statement(statement, index, dict(scope.trace), self.label)
            out.append(statement)
        return out


@dataclass(frozen=True)
class Mapping:
    rules: tuple[Rule, ...]

    def first_match(self, scope: Scope) -> Rule | None:
        return next((rule for rule in self.rules if rule.holds(scope)), None)


def load(raw: Any) -> dict:
    """The mapping option as an object (JSON text is parsed)."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise PluginConfigError(f"the mapping is not valid JSON: {exc}", ROOT) from exc
    if raw is None:
        raise PluginConfigError("a mapping source needs the mapping option (JSON: {\"rules\": [...]})", ROOT)
    if not isinstance(raw, dict):
        raise PluginConfigError(f"the mapping must be a JSON object with rules, not {type_name(raw)}", ROOT)
    return raw


def compile_mapping(raw: dict, homepage: str | None) -> Mapping:
    _known(raw, MAPPING_KEYS, ROOT, "a mapping")
    rules = raw.get("rules")
    at = member(ROOT, "rules")
    if not isinstance(rules, list) or not rules:
        raise PluginConfigError("a mapping needs rules: a non-empty array", at)
    default_key = raw.get("id")
    if default_key is not None:
        default_key = _key(default_key, member(ROOT, "id"), homepage)
    return Mapping(tuple(_rule(rule, f"{at}[{i}]", default_key, homepage) for i, rule in enumerate(rules)))


def _rule(raw: Any, where: str, default_key: Node | None, homepage: str | None) -> Rule:
    if not isinstance(raw, dict):
        raise PluginConfigError(f"a rule is an object with match, id and statement, not {type_name(raw)}",
                                where)
    _known(raw, RULE_KEYS, where, "a rule")
    name = raw.get("name", "")
    if not isinstance(name, str):
        raise PluginConfigError(f"name must be a string, not {type_name(name)}", member(where, "name"))
    if "match" not in raw:
        raise PluginConfigError('a rule needs a match ({} matches every payload)', member(where, "match"))
    conditions = compile_conditions(raw["match"], member(where, "match"))
    if "id" in raw:
        key = _key(raw["id"], member(where, "id"), homepage)
    elif default_key is not None:
        key = default_key
    else:
        raise PluginConfigError("a rule needs an id: the event's identity in the payload, e.g. "
                                '"{{ $.event_id }}" (or give the mapping an id for all its rules)',
                                member(where, "id"))
    return Rule(where, name, conditions, key, _statements(raw, where, homepage))


def _statements(raw: dict, where: str, homepage: str | None) -> tuple[Node, ...]:
    if ("statement" in raw) == ("statements" in raw):
        raise PluginConfigError("a rule has either a statement or statements (an array of them)",
                                member(where, "statement"))
    if "statement" in raw:
        return (_statement(raw["statement"], member(where, "statement"), homepage),)
    templates, at = raw["statements"], member(where, "statements")
    if not isinstance(templates, list) or not templates:
        raise PluginConfigError("statements must be a non-empty array of statement templates", at)
    return tuple(_statement(t, f"{at}[{i}]", homepage) for i, t in enumerate(templates))


def _statement(raw: Any, where: str, homepage: str | None) -> Node:
    if not isinstance(raw, dict):
        raise PluginConfigError(f"a statement template is an object, not {type_name(raw)}", where)
    for key in raw:
        if key in SET_BY_THE_LRS:
            raise PluginConfigError(f"a template does not give {key}: {SET_BY_THE_LRS[key]}",
                                    member(where, key))
        if key not in STATEMENT_KEYS:
            raise PluginConfigError(f"{key!r} is not a statement property (a template has "
                                    f"{', '.join(STATEMENT_KEYS)})", member(where, key))
    for key in ("actor", "verb", "object"):
        if key not in raw:
            raise PluginConfigError(f"a statement needs {key}", member(where, key))
    template = compile_object(raw, where, Compiler(homepage))
    check_template(template, homepage or "")
    return template


def _key(raw: Any, where: str, homepage: str | None) -> Node:
    if not isinstance(raw, str | dict):
        raise PluginConfigError('an id is text naming the event, e.g. "{{ $.event_id }}", not '
                                f"{type_name(raw)}", where)
    node = compile_value(raw, where, Compiler(homepage))
    if isinstance(node, Ref) and (node.options.get("optional") or "all" in node.options):
        raise PluginConfigError("an id is one value the payload always has: not optional, not all", where)
    if not node.dynamic:
        raise PluginConfigError("an id must read the payload (e.g. \"{{ $.event_id }}\"): a constant would "
                                "give every event the same statement id", where)
    return node


def _known(raw: dict, known: tuple[str, ...], where: str, what: str) -> None:
    for key in raw:
        if key not in known:
            raise PluginConfigError(f"{key!r} is not a key of {what} (its keys: {', '.join(known)})",
                                    member(where, key))
