"""Applications and resources: sessions, tool use and LTI launches, resource management, generic events."""

from __future__ import annotations

from .. import vocabulary as v
from ..converter import Converter, Envelope, generated_id
from ..entities import duration, ident, prop


class SessionConverter(Converter):
    """LoggedIn/LoggedOut: the person and the application. TimedOut: Caliper's actor is the application and
    its object the Session; the statement is about the session's user, who abandoned the application."""

    type = "SessionEvent"
    verbs = {"LoggedIn": v.LOGGED_IN, "LoggedOut": v.LOGGED_OUT, "TimedOut": v.ABANDONED}
    object_type = v.APPLICATION

    @staticmethod
    def _session(event: dict):
        return event.get("object") if event.get("action") == "TimedOut" else event.get("session")

    def actor(self, event: dict, env: Envelope) -> dict:
        if event.get("action") != "TimedOut":
            return super().actor(event, env)
        return env.agent(prop(event.get("object"), "user"), "the timed-out session's user")

    def object(self, event: dict, env: Envelope) -> dict:
        if event.get("action") != "TimedOut":
            return super().object(event, env)
        return env.activity(event.get("actor"), self.object_type, "the actor (the application)")

    def result(self, event: dict, env: Envelope) -> dict:
        if event.get("action") == "LoggedIn":
            return {}
        spent = duration(prop(self._session(event), "duration"))
        return {"duration": spent} if spent is not None else {}

    def extensions(self, event: dict, env: Envelope) -> dict:
        session = ident(self._session(event))
        return {v.SESSION: session} if session is not None else {}

    def actor_is_caliper_actor(self, event: dict) -> bool:
        return event.get("action") != "TimedOut"


class ToolUseConverter(Converter):
    type = "ToolUseEvent"
    verbs = {"Used": v.USED}
    object_type = v.APPLICATION


class ToolLaunchConverter(Converter):
    """Launched: the tool, with the launched link as target. Returned: the person left the tool."""

    type = "ToolLaunchEvent"
    verbs = {"Launched": v.LAUNCHED, "Returned": v.EXITED}
    object_type = v.APPLICATION


class ResourceManagementConverter(Converter):
    type = "ResourceManagementEvent"
    verbs = {"Created": v.CREATED, "Modified": v.UPDATED, "Deleted": v.DELETED, "Copied": v.COPIED,
             "Downloaded": v.DOWNLOADED}
    object_type = v.DIGITAL_RESOURCE

    def result(self, event: dict, env: Envelope) -> dict:
        made = generated_id(event)  # Copied: the copy
        return {"extensions": made} if made else {}


class GeneralConverter(ResourceManagementConverter):
    """The generic ``Event`` of the Basic (1.1) and General (1.2) profiles: any entity as object."""

    type = "Event"
    verbs = {"Created": v.CREATED, "Modified": v.UPDATED, "Deleted": v.DELETED, "Submitted": v.SUBMITTED,
             "Viewed": v.VIEWED}
    object_type = v.ENTITY
