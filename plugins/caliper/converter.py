"""The base converter: one Caliper event in, one xAPI 1.0.3 statement out (or ``Unmapped``).

A converter per event family (``converters/``) declares its mapping as class attributes: the event
``type`` it reads, the ``verbs`` its actions become and the ``object_type`` of a thinned object; it
overrides a hook (``result``, ``extensions``, ...) only where the family carries more. What every
family shares is done here:

* ``id``: uuid5 of the Caliper event id, so a redelivered event stores nothing twice;
* ``actor``: an Agent with an account (``entities.agent``); ``object``: an Activity (``entities.activity``);
* ``timestamp``: ``eventTime``;
* ``context.contextActivities``: ``parent`` is the object's ``isPartOf``, ``grouping`` the containers
  above it and the ``group`` (course section) with its ``subOrganizationOf`` (course offering);
  ``category`` the lms-events profile version and the ``edApp``; ``other`` the event's ``target``;
* ``context.platform``: the edApp's name (or IRI);
* ``context.extensions``: the Caliper event's identity, ``session``, ``federatedSession``, membership
  ``roles``, ``referrer`` and the event's own ``extensions``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from lrs.plugin_host.base import SourcePlugin

from . import vocabulary as v
from .entities import Unmapped, activity, agent, chain, ident, prop, text
from .vocabulary import Verb


@dataclass(frozen=True)
class Envelope:
    """What converters need besides the event: the envelope's sensor and version, the source's options."""

    sensor: str
    data_version: str
    homepage: str | None
    language: str

    def agent(self, entity: Any, where: str) -> dict:
        return agent(entity, self.homepage, where)

    def activity(self, entity: Any, default_type: str, where: str) -> dict:
        return activity(entity, default_type, self.language, where)


class Converter:
    type: ClassVar[str]
    verbs: ClassVar[Mapping[str, Verb]]
    object_type: ClassVar[str] = v.ENTITY  # xAPI type of an object that is thinned or of an unlisted type
    target_in_context: ClassVar[bool] = True  # the event's target becomes a contextActivities.other

    def convert(self, event: dict, env: Envelope) -> dict:
        event_id, time = text(event, "id"), text(event, "eventTime")
        if event_id is None:
            raise Unmapped("the event has no id")
        if time is None:
            raise Unmapped("the event has no eventTime")
        obj = self.object(event, env)
        statement = {
            "id": SourcePlugin.statement_id("caliper", event_id),
            "timestamp": time,
            "actor": self.actor(event, env),
            "verb": self.verb(event).as_json(),
            "object": obj,
        }
        result = self.result(event, env)
        if result:
            statement["result"] = result
        statement["context"] = self.context(event, env, obj)
        return statement

    # -- hooks a family overrides ---------------------------------------------------------------------------

    def verb(self, event: dict) -> Verb:
        action = event.get("action")
        verb = self.verbs.get(action) if isinstance(action, str) else None
        if verb is None:
            known = ", ".join(self.verbs)
            raise Unmapped(f"{self.type} action {action!r} is not mapped (mapped: {known})")
        return verb

    def actor(self, event: dict, env: Envelope) -> dict:
        return env.agent(event.get("actor"), "the actor")

    def object(self, event: dict, env: Envelope) -> dict:
        return env.activity(event.get("object"), self.object_type, "the object")

    def result(self, event: dict, env: Envelope) -> dict:
        return {}

    def extensions(self, event: dict, env: Envelope) -> dict:
        """Context extensions of the family, added to the shared ones."""
        return {}

    def registration(self, event: dict) -> str | None:
        """The IRI that scopes a pattern run (an attempt); its uuid5 becomes ``context.registration``."""
        return None

    def instructor(self, event: dict, env: Envelope) -> dict | None:
        return None

    def actor_is_caliper_actor(self, event: dict) -> bool:
        """Whether the statement's actor is the event's: the membership (roles) describes the latter."""
        return True

    # -- shared mapping -------------------------------------------------------------------------------------

    def context(self, event: dict, env: Envelope, obj: dict) -> dict:
        context: dict = {}
        scope = self.registration(event)
        if scope is not None:
            context["registration"] = SourcePlugin.statement_id("caliper-attempt", scope)
        instructor = self.instructor(event, env)
        if instructor is not None:
            context["instructor"] = instructor
        context["contextActivities"] = self.context_activities(event, env, obj)
        edapp = event.get("edApp")
        if ident(edapp) is not None:
            context["platform"] = text(edapp, "name") or ident(edapp)
        context["extensions"] = {**self.shared_extensions(event, env), **self.extensions(event, env)}
        return context

    def context_activities(self, event: dict, env: Envelope, obj: dict) -> dict:
        seen = {obj["id"]}

        def fresh(entity: Any, default_type: str, where: str) -> list[dict]:
            iri = ident(entity)
            if iri is None or iri in seen:
                return []
            seen.add(iri)
            return [env.activity(entity, default_type, where)]

        containers = self.containers(event)
        parent = fresh(containers[0], v.ENTITY, "isPartOf") if containers else []
        grouping = [a for c in containers[1:] for a in fresh(c, v.ENTITY, "isPartOf")]
        group = event.get("group")
        if ident(group) is None:  # without a group, the membership still names the organization
            group = prop(event.get("membership"), "organization")
        for organization in [group, *chain(group, "subOrganizationOf")]:
            grouping += fresh(organization, v.ORGANIZATION, "the group")
        category = [v.PROFILE_ACTIVITY, *fresh(event.get("edApp"), v.APPLICATION, "the edApp")]
        other = fresh(event.get("target"), v.ENTITY, "the target") if self.target_in_context else []
        activities = {"parent": parent, "grouping": grouping, "category": category, "other": other}
        return {key: value for key, value in activities.items() if value}

    def containers(self, event: dict) -> list:
        """What the object is part of, nearest first (parent, then grouping)."""
        return chain(event.get("object"), "isPartOf")

    def shared_extensions(self, event: dict, env: Envelope) -> dict:
        origin = {"id": event["id"], "type": event.get("type"), "action": event.get("action")}
        if isinstance(event.get("profile"), str):
            origin["profile"] = event["profile"]
        origin |= {"sensor": env.sensor, "dataVersion": env.data_version}
        extensions: dict = {v.CALIPER_EVENT: origin}
        for key, iri in (("session", v.SESSION), ("federatedSession", v.FEDERATED_SESSION),
                         ("referrer", v.REFERRER)):
            if ident(event.get(key)) is not None:
                extensions[iri] = ident(event[key])
        roles = self.roles(event)
        if roles:
            extensions[v.ROLES] = roles
        if isinstance(event.get("extensions"), dict) and event["extensions"]:
            extensions[v.EVENT_EXTENSIONS] = event["extensions"]
        return extensions


    def roles(self, event: dict) -> list[str]:
        """The membership roles, when they are the statement actor's (Caliper's actor is the member)."""
        membership = event.get("membership")
        roles, member = prop(membership, "roles"), ident(prop(membership, "member"))
        if not self.actor_is_caliper_actor(event) or member not in (None, ident(event.get("actor"))):
            return []
        return roles if isinstance(roles, list) and all(isinstance(r, str) for r in roles) else []


def generated_id(event: dict) -> dict:
    """``result.extensions`` naming the entity the event generated (annotation, comment, response...)."""
    iri = ident(event.get("generated"))
    return {v.GENERATED: iri} if iri is not None else {}
