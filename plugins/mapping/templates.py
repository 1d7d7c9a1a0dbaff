"""Statement templates: JSON whose values may read the payload, compiled once into nodes (``nodes``).

A template value is one of:

- a literal (string without ``{{``, number, boolean, array, object), copied as is;
- a string with ``{{ $.json.path }}`` parts: text, each part replaced by the value it selects; a string
  that is exactly one ``{{ ... }}`` gives the value itself, keeping its JSON type;
- an object with one ``$`` key, an operator (see ``OPERATORS``): ``$path`` (a reference with options),
  ``$each``, ``$when``, ``$uuid``, ``$duration``, ``$timestamp``, ``$scaled``, ``$literal``.

Compiling checks everything that does not need a statement around it (JSONPaths, operators and their
options) and raises PluginConfigError naming the path in the source's options.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lrs.plugin_host.base import PluginConfigError
from lrs.xapi.validation import member, type_name
from plugins.mapping import values
from plugins.mapping.conditions import compile_conditions
from plugins.mapping.nodes import (
    Arr,
    Computed,
    Const,
    Each,
    HomePage,
    Node,
    Obj,
    Ref,
    Scaled,
    Text,
    When,
)
from plugins.mapping.paths import Loc, compile_query
from plugins.mapping.samples import placeholder

_PART = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
REF_OPTIONS = ("default", "optional", "map", "type", "case", "prefix", "suffix", "join", "all")


@dataclass(frozen=True)
class Compiler:
    """What compiling needs to know about the place of a value."""

    homepage: str | None  # the source's homepage option
    keys: Loc = ()  # the statement location of the value (without operators)
    relative_ok: bool = False  # inside a $each template: "@" is the current item

    def at(self, key: str | int) -> Compiler:
        return Compiler(self.homepage, self.keys + (key,), self.relative_ok)


def fail(detail: str, where: str) -> PluginConfigError:
    return PluginConfigError(detail, where)


# -- references ---------------------------------------------------------------------------------------


def compile_text(raw: str, where: str, cc: Compiler) -> Node:
    if "{{" not in raw:
        return Const(raw, where)
    parts: list[str | Ref] = []
    position = 0
    for match in _PART.finditer(raw):
        if match.start() > position:
            parts.append(raw[position:match.start()])
        if "{{" in match.group(1):
            raise fail(f"{raw!r} opens {{{{ inside {{{{ ... }}}}", where)
        parts.append(Ref(compile_query(match.group(1), where, relative_ok=cc.relative_ok), where, {}))
        position = match.end()
    rest = raw[position:]
    if "{{" in rest:
        raise fail(f"{raw!r} has a {{{{ without its }}}}", where)
    if rest:
        parts.append(rest)
    if len(parts) == 1 and isinstance(parts[0], Ref):
        return parts[0]
    return Text(tuple(parts), where)


def compile_ref(raw: dict, where: str, cc: Compiler) -> Node:
    query = compile_query(raw["$path"], member(where, "$path"), relative_ok=cc.relative_ok)
    options = {k: v for k, v in raw.items() if k != "$path"}
    _options_known(options, REF_OPTIONS, "$path", where)
    for key, wanted in (("optional", bool), ("all", bool), ("prefix", str), ("suffix", str), ("join", str),
                        ("map", dict)):
        if key in options and not isinstance(options[key], wanted):
            raise fail(f"{key} must be {_kind(wanted)}, not {type_name(options[key])}", member(where, key))
    if "default" in options and options.get("optional"):
        raise fail("a reference is either optional (left out when missing) or has a default, not both",
                   member(where, "optional"))
    if "default" in options and options["default"] is None:
        raise fail("a default must not be null (statements have no nulls)", member(where, "default"))
    if "join" in options and options.get("all"):
        raise fail("join (all values as one text) and all (all values as an array) exclude each other",
                   member(where, "all"))
    _choice(options, "type", values.TYPES, where)
    _choice(options, "case", ("lower", "upper"), where)
    for key, value in options.get("map", {}).items():
        if value is None:
            raise fail("a map must not give null", member(member(where, "map"), key))
    if "map" in options and not options["map"]:
        raise fail("a map needs at least one entry", member(where, "map"))
    return Ref(query, where, options)


# -- operators ----------------------------------------------------------------------------------------


def compile_each(raw: dict, where: str, cc: Compiler) -> Node:
    _options_known(raw, ("$each", "template", "optional"), "$each", where)
    if "template" not in raw:
        raise fail("$each needs a template (rendered for every item, @ being the item)",
                   member(where, "template"))
    query = compile_query(raw["$each"], member(where, "$each"), relative_ok=cc.relative_ok)
    inner = Compiler(cc.homepage, cc.keys + (0,), True)
    template = compile_value(raw["template"], member(where, "template"), inner)
    return Each(query, template, _flag(raw, "optional", where), where)


def compile_when(raw: dict, where: str, cc: Compiler) -> Node:
    _options_known(raw, ("$when", "then", "else"), "$when", where)
    if "then" not in raw:
        raise fail("$when needs a then (the value when the conditions hold)", member(where, "then"))
    test = raw["$when"]
    if isinstance(test, str):  # "$when": "$.score" is short for "the payload has $.score"
        test = {test: {"exists": True}}
    conditions = compile_conditions(test, member(where, "$when"), relative_ok=cc.relative_ok)
    otherwise = compile_value(raw["else"], member(where, "else"), cc) if "else" in raw else None
    return When(conditions, compile_value(raw["then"], member(where, "then"), cc), otherwise, where)


def compile_computed(name: str, raw: dict, where: str, cc: Compiler) -> Node:
    units = {"$duration": values.DURATION_UNITS, "$timestamp": values.TIMESTAMP_UNITS}.get(name)
    _options_known(raw, (name, "unit") if units else (name,), name, where)
    argument = compile_value(raw[name], member(where, name), cc)
    if units is None:
        return Computed(argument, values.registration, placeholder(("context", "registration")), where)
    unit = raw.get("unit", "seconds")
    if unit not in units:
        raise fail(f"unit must be one of {', '.join(units)}, not {unit!r}", member(where, "unit"))
    if name == "$duration":
        return Computed(argument, lambda v, w: values.duration(v, unit, w), "PT1S", where)
    return Computed(argument, lambda v, w: values.timestamp(v, unit, w), "2026-01-01T00:00:00Z", where)


def compile_scaled(raw: dict, where: str, cc: Compiler) -> Node:
    _options_known(raw, ("$scaled",), "$scaled", where)
    spec, at = raw["$scaled"], member(where, "$scaled")
    if not isinstance(spec, dict):
        raise fail("$scaled takes an object: {\"raw\": ..., \"max\": ..., \"min\": 0}", at)
    _options_known(spec, ("raw", "min", "max"), "$scaled", at)
    for key in ("raw", "max"):
        if key not in spec:
            raise fail(f"$scaled needs {key}", member(at, key))
    return Scaled(tuple((k, compile_value(spec[k], member(at, k), cc)) for k in ("raw", "max", "min")
                        if k in spec), where)


def compile_literal(raw: dict, where: str, cc: Compiler) -> Node:
    _options_known(raw, ("$literal",), "$literal", where)
    if raw["$literal"] is None:
        raise fail("$literal must not be null (statements have no nulls)", member(where, "$literal"))
    return Const(raw["$literal"], where)


OPERATORS: dict[str, Callable[[dict, str, Compiler], Node]] = {
    "$path": compile_ref,
    "$each": compile_each,
    "$when": compile_when,
    "$uuid": lambda raw, where, cc: compile_computed("$uuid", raw, where, cc),
    "$duration": lambda raw, where, cc: compile_computed("$duration", raw, where, cc),
    "$timestamp": lambda raw, where, cc: compile_computed("$timestamp", raw, where, cc),
    "$scaled": compile_scaled,
    "$literal": compile_literal,
}


# -- any value ----------------------------------------------------------------------------------------


def compile_value(raw: Any, where: str, cc: Compiler) -> Node:
    if isinstance(raw, str):
        return compile_text(raw, where, cc)
    if isinstance(raw, dict):
        operators = [key for key in raw if key.startswith("$")]
        if len(operators) > 1:
            raise fail(f"an object holds one operator, not {len(operators)} ({', '.join(operators)})", where)
        if operators:
            factory = OPERATORS.get(operators[0])
            if factory is None:
                raise fail(f"unknown operator {operators[0]!r}; the operators are {', '.join(OPERATORS)}",
                           member(where, operators[0]))
            return factory(raw, where, cc)
        return compile_object(raw, where, cc)
    if isinstance(raw, list):
        return Arr(tuple(compile_value(item, f"{where}[{i}]", cc.at(i)) for i, item in enumerate(raw)), where)
    if raw is None:
        raise fail("null is not allowed in a statement", where)
    return Const(raw, where)


def compile_object(raw: dict, where: str, cc: Compiler) -> Node:
    items = [(key, compile_value(value, member(where, key), cc.at(key))) for key, value in raw.items()]
    in_extensions = "extensions" in cc.keys
    if cc.keys and cc.keys[-1] == "account" and not in_extensions and "homePage" not in raw:
        if not cc.homepage:
            raise fail("an account needs a homePage: give one here, or set the source's homepage option",
                       member(where, "homePage"))
        items.insert(0, ("homePage", HomePage(member(where, "homePage"))))
    return Obj(tuple(items), where)


# -- helpers ------------------------------------------------------------------------------------------


def _options_known(raw: dict, known: tuple[str, ...], operator: str, where: str) -> None:
    for key in raw:
        if key not in known and key != operator:
            allowed = ", ".join(k for k in known if k != operator) or "none"
            raise fail(f"{key!r} is not an option of {operator} (its options: {allowed})", member(where, key))


def _choice(options: dict, key: str, allowed: tuple[str, ...], where: str) -> None:
    if key in options and options[key] not in allowed:
        raise fail(f"{key} must be one of {', '.join(allowed)}, not {options[key]!r}", member(where, key))


def _flag(raw: dict, key: str, where: str) -> bool:
    value = raw.get(key, False)
    if not isinstance(value, bool):
        raise fail(f"{key} must be true or false, not {type_name(value)}", member(where, key))
    return value


def _kind(wanted: type) -> str:
    return {bool: "true or false", str: "a string", dict: "an object"}[wanted]
