"""MappingSource: any platform that sends JSON webhooks, translated by a mapping the admin uploads."""

from __future__ import annotations

import threading
from collections.abc import Mapping as MappingType
from typing import Any, ClassVar

import orjson

from lrs.plugin_host.base import Event, EventError, PluginConfigError, SourcePlugin, Translation
from lrs.xapi import formats
from plugins.mapping.auth import AUTH_KEYS, auth_of
from plugins.mapping.paths import Scope
from plugins.mapping.profile import PROFILE_ID
from plugins.mapping.rules import Mapping, compile_mapping, load

OPTION_KEYS = (*AUTH_KEYS, "homepage", "mapping")


CACHE_SIZE = 64
_cache: dict[tuple[bytes, str | None], Mapping] = {}
_lock = threading.Lock()


def compiled(mapping: dict, homepage: str | None) -> Mapping:
    """The mapping compiled (and checked); cached, as every delivery of a source uses the same one."""
    key = (orjson.dumps(mapping, option=orjson.OPT_SORT_KEYS), homepage or None)
    found = _cache.get(key)
    if found is None:
        found = compile_mapping(mapping, homepage or None)
        with _lock:
            while len(_cache) >= CACHE_SIZE:
                _cache.pop(next(iter(_cache)))
            _cache[key] = found
    return found


class MappingSource(SourcePlugin):
    name = "mapping"
    title = "Any JSON webhook, through a declarative mapping"
    profile = PROFILE_ID
    content_types: ClassVar[tuple[str, ...]] = ("application/json",)

    def configure(self, options: dict[str, Any]) -> dict[str, Any]:
        for key in options:
            if key not in OPTION_KEYS:
                raise PluginConfigError(f"{key!r} is not an option of a mapping source (its options: "
                                        f"{', '.join(OPTION_KEYS)})", f"options.{key}")
        out: dict[str, Any] = auth_of(options).options()
        homepage = options.get("homepage")
        if homepage is not None:
            if not formats.is_iri(homepage):
                raise PluginConfigError(f"homepage must be an IRI (the platform's address), not {homepage!r}",
                                        "options.homepage")
            out["homepage"] = homepage
        mapping = load(options.get("mapping"))
        compiled(mapping, homepage)
        out["mapping"] = mapping
        return out

    def verify(self, headers: MappingType[str, str], raw_body: bytes, secret: str,
               options: MappingType[str, Any]) -> None:
        auth_of(options).verify(headers, raw_body, secret)

    def translate(self, event: Event) -> Translation:
        if not isinstance(event.payload, dict | list):
            raise EventError("the payload must be a JSON object or array", "$")
        try:
            mapping = compiled(load(event.options.get("mapping")), event.homepage or None)
        except PluginConfigError as exc:  # the source was added under other rules (a newer profile...)
            raise EventError(f"the source's mapping is no longer accepted: {exc.detail}", exc.path) from exc
        scope = Scope(event.payload, event.homepage)
        rule = mapping.first_match(scope)
        if rule is None:
            return Translation(ignored="no rule of the mapping matches this payload")
        return Translation(statements=rule.translate(scope))
