"""The contract of a source plugin: pure functions, data in and data out.

A plugin names itself (``name``), the profile its statements follow (``profile``), checks a delivery's
authenticity (``verify``) and turns one event into statements (``translate``). It never touches the
database, the request or the clock; the host stores what it returns through the same path as
POST /xapi/statements.
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

# Statement ids of plugins are uuid5 under this namespace, keyed by the sender's own event identity.
NAMESPACE = uuid.UUID("5b0c2f0e-6f6f-4c7a-9d9b-6c1f1d5c7a11")


class VerificationError(Exception):
    """The delivery is not authentic (signature or token missing or wrong): answered with 401."""


class PluginConfigError(ValueError):
    """A source's options are not usable by the plugin: answered with 400, naming the option."""

    def __init__(self, detail: str, path: str = "options"):
        super().__init__(detail)
        self.detail = detail
        self.path = path


class EventError(ValueError):
    """The payload is not an event the plugin can read (a required field missing): answered with 400."""

    def __init__(self, detail: str, path: str = "$"):
        super().__init__(detail)
        self.detail = detail
        self.path = path


@dataclass(frozen=True)
class Event:
    headers: Mapping[str, str]  # lower-cased names
    payload: Any
    options: Mapping[str, Any]
    homepage: str  # where the sending tool lives, for actor accounts (from the source's options)


@dataclass
class Translation:
    statements: list[dict] = field(default_factory=list)
    # Why the event produced nothing, when it is an event kind or action the plugin does not record.
    ignored: str | None = None
    # Events (e.g. inside a Caliper envelope) that could not be mapped, with the reason: counted rejects.
    rejected: list[str] = field(default_factory=list)


class SourcePlugin(ABC):
    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    profile: ClassVar[str | None] = None
    # Content types accepted for deliveries.
    content_types: ClassVar[tuple[str, ...]] = ("application/json",)

    def configure(self, options: dict[str, Any]) -> dict[str, Any]:
        """Check and normalise a source's options when it is added; raise PluginConfigError."""
        return options

    @abstractmethod
    def verify(self, headers: Mapping[str, str], raw_body: bytes, secret: str,
               options: Mapping[str, Any]) -> None:
        """Raise VerificationError unless the delivery is authentic. Compare in constant time."""

    @abstractmethod
    def translate(self, event: Event) -> Translation:
        """The statements one event becomes (or why it is ignored); raise EventError for a broken event."""

    @staticmethod
    def statement_id(*key: object) -> str:
        """A stable statement id from the sender's event identity, so redeliveries store nothing twice."""
        return str(uuid.uuid5(NAMESPACE, "\x1f".join(str(part) for part in key)))

    @staticmethod
    def account(homepage: str, name: str, display: str | None = None) -> dict:
        agent: dict = {"objectType": "Agent", "account": {"homePage": homepage, "name": name}}
        if display:
            agent["name"] = display
        return agent
