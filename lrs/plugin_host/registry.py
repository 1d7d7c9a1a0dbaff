"""Finding plugins: entry points of the group ``lrs.plugins``, the built-in ones included."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from importlib.metadata import entry_points

from flask import Flask, current_app

from lrs.plugin_host.base import SourcePlugin

log = logging.getLogger(__name__)
GROUP = "lrs.plugins"


@dataclass
class PluginRegistry:
    plugins: dict[str, SourcePlugin] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)

    def init_app(self, app: Flask) -> None:
        if "lrs.plugins" in app.extensions:
            raise RuntimeError("the plugin registry is already registered on this app")
        self.load(app.config.get("LRS_PLUGINS"))
        app.extensions["lrs.plugins"] = self

    def load(self, enabled: str | None = None) -> None:
        """Load the plugins; LRS_PLUGINS (comma-separated names) limits which are enabled."""
        wanted = {n.strip() for n in enabled.split(",")} if enabled else None
        for point in entry_points(group=GROUP):
            if wanted is not None and point.name not in wanted:
                continue
            try:
                cls = point.load()
                if not (isinstance(cls, type) and issubclass(cls, SourcePlugin)):
                    raise TypeError(f"{point.value} is not a SourcePlugin subclass")
                plugin = cls()
                if plugin.name != point.name:
                    raise TypeError(f"{point.value} calls itself {plugin.name!r}, not {point.name!r}")
            except Exception as exc:  # a broken plugin is reported, never fatal
                log.error("plugin %s failed to load: %s", point.name, exc)
                self.failures[point.name] = f"{type(exc).__name__}: {exc}"
                continue
            self.plugins[point.name] = plugin

    def get(self, name: str) -> SourcePlugin | None:
        return self.plugins.get(name)


def registry() -> PluginRegistry:
    return current_app.extensions["lrs.plugins"]
