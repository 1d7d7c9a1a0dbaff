"""The Activities and Agents resources (Communication 2.4, 2.5)."""

from __future__ import annotations

from flask import Response
from werkzeug.exceptions import MethodNotAllowed

from lrs.extensions import db
from lrs.models import Credential
from lrs.people.directory import identities_of, person_for_agent
from lrs.xapi import formats
from lrs.xapi.agents import person_object
from lrs.xapi.errors import BadRequest
from lrs.xapi.http import bp, finish, json_response
from lrs.xapi.http.context import current, require_scope
from lrs.xapi.query import check_param_names, parse_agent
from lrs.xapi.store import StatementStore

READ_SCOPES = ("all", "all/read", "statements/read", "profile", "define", "state")
# Communication 2.4: the other identities of a person only for credentials with explicit, broad permission.
PERSON_SCOPES = frozenset({"all", "all/read"})


def _read_only(xreq) -> None:
    """GET and HEAD only; POST reaches the handler for the alternate request syntax (Communication 1.3)."""
    if xreq.method not in ("GET", "HEAD"):
        detail = f"{xreq.method} is not allowed: this resource answers GET and HEAD"
        raise MethodNotAllowed(["GET", "HEAD"], detail)


def identities_for(credential: Credential, agent: dict) -> list[dict]:
    """The requested agent, then (for a credential that may see them) the people directory's name and
    identities of the person behind it; the requested agent alone when nothing more is known."""
    if not credential.scope_set & PERSON_SCOPES:
        return [agent]
    person = person_for_agent(db.session, credential.tenant_id, agent)
    if person is None:
        return [agent]
    return [agent, {"name": person.name}, *identities_of(db.session, person.id)]


@bp.route("/activities", methods=["GET", "POST"])
def activities() -> Response:
    """The canonical definition the LRS holds, or a bare Activity object when it holds none (2.0 s43)."""
    xreq = current()
    _read_only(xreq)
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


@bp.route("/agents", methods=["GET", "POST"])
def agents() -> Response:
    """A Person object for the agent: every identity the LRS knows for that person (Communication 2.4)."""
    xreq = current()
    _read_only(xreq)
    credential = require_scope(*READ_SCOPES)
    check_param_names(xreq.params, frozenset({"agent"}))
    if "agent" not in xreq.params:
        raise BadRequest("the agent parameter is required", path="agent")
    agent = parse_agent(xreq.params["agent"], xreq.version)
    if agent.get("objectType", "Agent") != "Agent":
        raise BadRequest("agent must be an Agent, not a Group", path="agent.objectType")
    return finish(xreq, json_response(person_object(identities_for(credential, agent))))
