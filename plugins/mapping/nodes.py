"""Compiled statement templates: a tree of nodes that render a statement from a payload.

Each node can ``evaluate`` against a payload (``Scope``) and ``fake`` a sample value (``SampleContext``,
for the checks made when a source is added). ``render`` and ``sample`` wrap them, recording where each
value came from (the payload path, for errors) and which values depend on the payload. The templates
are compiled into nodes by ``plugins.mapping.templates``.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lrs.plugin_host.base import EventError
from lrs.xapi.validation import member
from plugins.mapping import values
from plugins.mapping.conditions import Condition
from plugins.mapping.paths import Loc, Query, Scope, short, text
from plugins.mapping.samples import OMIT, SampleContext, placeholder

Origin = str | None  # the payload location (text) a value came from


class Node(ABC):
    where: str  # the path of this value in the source's options
    dynamic = False  # does its value depend on the payload?

    @abstractmethod
    def evaluate(self, scope: Scope, loc: Loc) -> tuple[Any, Origin]:
        """The value at ``loc`` for this payload, and the payload location it came from."""

    @abstractmethod
    def fake(self, cx: SampleContext, loc: Loc) -> Any:
        """A placeholder value, to check a template's shape when the source is added."""


def render(node: Node, scope: Scope, loc: Loc) -> Any:
    value, origin = node.evaluate(scope, loc)
    if origin is not None and value is not OMIT:
        scope.trace[text(loc)] = origin
    return value


def sample(node: Node, cx: SampleContext, loc: Loc) -> Any:
    cx.where[text(loc)] = node.where
    value = node.fake(cx, loc)
    if node.dynamic and value is not OMIT:
        cx.dynamic.add(text(loc))
    return value


# -- literals and containers ---------------------------------------------------------------------------


@dataclass
class Const(Node):
    value: Any
    where: str

    def evaluate(self, scope: Scope, loc: Loc) -> tuple[Any, Origin]:
        return copy.deepcopy(self.value), None

    def fake(self, cx: SampleContext, loc: Loc) -> Any:
        return copy.deepcopy(self.value)


@dataclass
class Obj(Node):
    items: tuple[tuple[str, Node], ...]
    where: str

    def evaluate(self, scope: Scope, loc: Loc) -> tuple[Any, Origin]:
        out = {}
        for key, node in self.items:
            value = render(node, scope, loc + (key,))
            if value is not OMIT:
                out[key] = value
        return out, None

    def fake(self, cx: SampleContext, loc: Loc) -> Any:
        out = {}
        for key, node in self.items:
            value = sample(node, cx, loc + (key,))
            if value is not OMIT:
                out[key] = value
        return out


@dataclass
class Arr(Node):
    items: tuple[Node, ...]
    where: str

    def evaluate(self, scope: Scope, loc: Loc) -> tuple[Any, Origin]:
        out: list = []
        for node in self.items:
            value = render(node, scope, loc + (len(out),))
            if value is not OMIT:
                out.append(value)
        return out, None

    def fake(self, cx: SampleContext, loc: Loc) -> Any:
        out: list = []
        for node in self.items:
            value = sample(node, cx, loc + (len(out),))
            if value is not OMIT:
                out.append(value)
        return out


@dataclass
class HomePage(Node):
    """The homePage of an account the template leaves out: the source's ``homepage`` option."""

    where: str

    def evaluate(self, scope: Scope, loc: Loc) -> tuple[Any, Origin]:
        return scope.homepage, None

    def fake(self, cx: SampleContext, loc: Loc) -> Any:
        return cx.homepage


# -- references ---------------------------------------------------------------------------------------


@dataclass
class Ref(Node):
    """``{{ $.a.b }}`` or ``{"$path": "$.a.b", ...options}``: the (first) value a JSONPath selects."""

    query: Query
    where: str
    options: dict
    dynamic = True

    def found(self, scope: Scope) -> list[tuple[Any, str]]:
        return [(value, text(loc)) for value, loc in self.query.find(scope) if value is not None]

    def evaluate(self, scope: Scope, loc: Loc) -> tuple[Any, Origin]:
        found = self.found(scope)
        opts = self.options
        if not found:
            if "default" in opts:
                return copy.deepcopy(opts["default"]), None
            if opts.get("optional"):
                return OMIT, None
            missing = self.query.where_missing(scope)
            raise EventError(f"{missing} is missing from the payload (it is needed for {short(self.where)})",
                             missing)
        value, origin = found[0]
        if "join" in opts:
            value = opts["join"].join(values.as_text(v, w) for v, w in found)
        elif opts.get("all"):
            value = [v for v, _ in found]
        return self.transform(value, origin), origin

    def transform(self, value: Any, origin: str) -> Any:
        opts = self.options
        if "map" in opts:
            key = value if isinstance(value, str) else values.as_text(value, origin)
            if key not in opts["map"]:
                known = ", ".join(repr(k) for k in opts["map"])
                raise EventError(f"{origin} is {key!r}, which the map of {short(self.where)} does not list "
                                 f"(it lists {known})", origin)
            value = copy.deepcopy(opts["map"][key])
        if "type" in opts:
            value = values.convert(value, opts["type"], origin)
        if "case" in opts:
            value = values.as_text(value, origin)
            value = value.lower() if opts["case"] == "lower" else value.upper()
        if "prefix" in opts or "suffix" in opts:
            value = opts.get("prefix", "") + values.as_text(value, origin) + opts.get("suffix", "")
        return value

    def fake(self, cx: SampleContext, loc: Loc) -> Any:
        opts = self.options
        if not cx.present and (opts.get("optional") or "default" in opts):
            return copy.deepcopy(opts["default"]) if "default" in opts else OMIT
        if opts.get("all"):
            return [placeholder(loc + (0,))]
        if "map" in opts and "prefix" not in opts and "suffix" not in opts:
            return copy.deepcopy(next(iter(opts["map"].values())))
        if opts.get("type") == "boolean":
            return True
        if opts.get("type") in ("number", "integer") and not isinstance(placeholder(loc), int | float):
            return 1
        return placeholder(loc, opts.get("prefix", ""))


@dataclass
class Text(Node):
    """A string with ``{{ }}`` parts among literal text: every part must give text."""

    parts: tuple[str | Ref, ...]
    where: str
    dynamic = True

    def evaluate(self, scope: Scope, loc: Loc) -> tuple[Any, Origin]:
        out, origin = [], None
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            value, found = part.evaluate(scope, loc)
            origin = origin or found
            out.append(values.as_text(value, found or part.query.source))
        return "".join(out), origin

    def fake(self, cx: SampleContext, loc: Loc) -> Any:
        lead = self.parts[0] if isinstance(self.parts[0], str) else ""
        return placeholder(loc, lead)


# -- operators over other values ----------------------------------------------------------------------


@dataclass
class Each(Node):
    """``{"$each": "$.items[*]", "template": ...}``: an array, the template rendered for every item."""

    query: Query
    template: Node
    optional: bool
    where: str

    def evaluate(self, scope: Scope, loc: Loc) -> tuple[Any, Origin]:
        found = [(value, at) for value, at in self.query.find(scope) if value is not None]
        if not found:
            if self.optional:
                return OMIT, None
            missing = self.query.where_missing(scope)
            raise EventError(f"{missing} selects nothing in the payload (it is needed for "
                             f"{short(self.where)})", missing)
        out: list = []
        for value, at in found:
            item = render(self.template, scope.within(value, at), loc + (len(out),))
            if item is not OMIT:
                out.append(item)
        return out, None

    def fake(self, cx: SampleContext, loc: Loc) -> Any:
        if self.optional and not cx.present:
            return OMIT
        item = sample(self.template, cx, loc + (0,))
        return [] if item is OMIT else [item]


@dataclass
class When(Node):
    """``{"$when": conditions, "then": ..., "else": ...}``: a value only when the payload has something."""

    conditions: tuple[Condition, ...]
    then: Node
    otherwise: Node | None
    where: str

    def evaluate(self, scope: Scope, loc: Loc) -> tuple[Any, Origin]:
        chosen = self.then if all(c.holds(scope) for c in self.conditions) else self.otherwise
        return (OMIT, None) if chosen is None else (render(chosen, scope, loc), None)

    def fake(self, cx: SampleContext, loc: Loc) -> Any:
        chosen = self.then if cx.present else self.otherwise
        return OMIT if chosen is None else sample(chosen, cx, loc)


@dataclass
class Computed(Node):
    """``$uuid``, ``$duration``, ``$timestamp``: one value turned into another."""

    argument: Node
    convert: Callable[[Any, str], Any]
    fallback: Any
    where: str
    dynamic = True

    def evaluate(self, scope: Scope, loc: Loc) -> tuple[Any, Origin]:
        value, origin = self.argument.evaluate(scope, loc)
        if value is OMIT:
            return OMIT, None
        return self.convert(value, origin or short(self.where)), origin

    def fake(self, cx: SampleContext, loc: Loc) -> Any:
        value = self.argument.fake(cx, loc)
        return OMIT if value is OMIT else self.fallback


@dataclass
class Scaled(Node):
    """``{"$scaled": {"raw": ..., "max": ..., "min": 0}}``: (raw - min) / (max - min)."""

    parts: tuple[tuple[str, Node], ...]
    where: str
    dynamic = True

    def evaluate(self, scope: Scope, loc: Loc) -> tuple[Any, Origin]:
        numbers, origins = {}, {}
        for key, node in self.parts:
            value, found = node.evaluate(scope, loc)
            if value is OMIT:
                return OMIT, None
            origins[key] = found or member(short(self.where), key)
            numbers[key] = values.as_number(value, origins[key])
        raw, low, high = numbers["raw"], numbers.get("min", 0), numbers["max"]
        return values.scaled(raw, low, high, origins["max"]), origins["raw"]

    def fake(self, cx: SampleContext, loc: Loc) -> Any:
        return 0.5
