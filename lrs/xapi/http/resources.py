"""The Activities and Agents resources (Communication 2.4, 2.5)."""

from __future__ import annotations

from flask import Response

from lrs.extensions import db
from lrs.xapi import formats
from lrs.xapi.agents import person_object
from lrs.xapi.errors import BadRequest
from lrs.xapi.http import bp, finish, json_response
from lrs.xapi.http.context import current, require_scope
from lrs.xapi.query import check_param_names, parse_agent
from lrs.xapi.store import StatementStore

READ_SCOPES = ("all", "all/read", "statements/read", "profile", "define", "state")


def identities_for(tenant_id: int, agent: dict) -> list[dict]:
    """Every identity of the person behind ``agent``; the requested agent alone when nothing more is known."""
    return [agent]


@bp.route("/activities", methods=["GET"])
def activities() -> Response:
    """The canonical definition the LRS holds, or a bare Activity object when it holds none (2.0 s43)."""
    xreq = current()
    credential = require_scope(*READ_SCOPES)
    check_param_names(xreq.params, frozenset({"activityId"}))
    activity_id = xreq.params.get("activityId")
    if activity_id is None:
        raise BadRequest("the activityId parameter is required", path="activityId")
    if not formats.is_iri(activity_id):
        raise BadRequest(f"activityId must be an IRI, not {activity_id!r}", path="activityId")
    definition = StatementStore(db.session, credential.tenant_id).activity_definitions([activity_id])
    activity: dict = {"objectType": "Activity", "id": activity_id}
    if definition.get(activity_id):
        activity["definition"] = definition[activity_id]
    return finish(xreq, json_response(activity))


@bp.route("/agents", methods=["GET"])
def agents() -> Response:
    """A Person object for the agent: every identity the LRS knows for that person (Communication 2.4)."""
    xreq = current()
    credential = require_scope(*READ_SCOPES)
    check_param_names(xreq.params, frozenset({"agent"}))
    if "agent" not in xreq.params:
        raise BadRequest("the agent parameter is required", path="agent")
    agent = parse_agent(xreq.params["agent"], xreq.version)
    if agent.get("objectType", "Agent") != "Agent":
        raise BadRequest("agent must be an Agent, not a Group", path="agent.objectType")
    return finish(xreq, json_response(person_object(identities_for(credential.tenant_id, agent))))
