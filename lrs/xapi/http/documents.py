"""The State, Activity Profile and Agent Profile resources (Communication 2.2, 2.3, 2.6, 2.7, 3.1)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, current_app

from lrs.extensions import db
from lrs.xapi import formats
from lrs.xapi.document_store import DocumentKey, DocumentStore, StaleDocument
from lrs.xapi.documents import (
    ACTIVITY_PROFILE,
    AGENT_PROFILE,
    JSON,
    STATE,
    Current,
    check_preconditions,
    etag_of,
    json_object,
    media_type,
    merge,
    quoted,
)
from lrs.xapi.errors import BadRequest, Conflict, NotFound, PayloadTooLarge
from lrs.xapi.http import bp, finish, http_date, json_response
from lrs.xapi.http.context import XapiRequest, current, require_scope
from lrs.xapi.query import check_param_names, parse_agent
from lrs.xapi.service import in_transaction, one_writer
from lrs.xapi.statements import ifi_value, now
from lrs.xapi.versions import V2

READ_ONLY = ("all/read",)
STALE_RETRIES = 5


@dataclass(frozen=True)
class Resource:
    kind: int
    name: str
    id_param: str
    scope: str
    needs_activity: bool
    needs_agent: bool

    @property
    def params(self) -> frozenset[str]:
        names = {self.id_param, "since"}
        if self.needs_activity:
            names.add("activityId")
        if self.needs_agent:
            names.add("agent")
        if self.kind == STATE:
            names.add("registration")
        return frozenset(names)


STATE_RESOURCE = Resource(STATE, "State", "stateId", "state", True, True)
ACTIVITY_PROFILE_RESOURCE = Resource(ACTIVITY_PROFILE, "Activity Profile", "profileId", "profile", True,
                                     False)
AGENT_PROFILE_RESOURCE = Resource(AGENT_PROFILE, "Agent Profile", "profileId", "profile", False, True)


def _required(params: dict[str, str], name: str) -> str:
    if name not in params:
        raise BadRequest(f"the {name} parameter is required", path=name)
    return params[name]


def _key(resource: Resource, xreq: XapiRequest) -> DocumentKey:
    """Validate the parameters and turn them into where the document lives."""
    params = xreq.params
    check_param_names(params, resource.params)
    activity_id = agent_key = registration = None
    if resource.needs_activity:
        activity_id = _required(params, "activityId")
        if not formats.is_iri(activity_id):
            raise BadRequest(f"activityId must be an IRI, not {activity_id!r}", path="activityId")
    doc_id = params.get(resource.id_param)
    if doc_id == "":
        raise BadRequest(f"{resource.id_param} must not be empty", path=resource.id_param)
    if resource.needs_agent:
        agent = parse_agent(_required(params, "agent"), xreq.version)
        if agent.get("objectType", "Agent") != "Agent":
            raise BadRequest("agent must be an Agent, not a Group", path="agent.objectType")
        agent_key = ifi_value(agent)
    if "registration" in params:
        registration = params["registration"]
        if not formats.is_uuid(registration):
            raise BadRequest(f"registration must be a UUID, not {registration!r}", path="registration")
        registration = registration.lower()
    return DocumentKey(resource.kind, activity_id, agent_key, registration, doc_id)


def _no_content() -> Response:
    response = Response(status=204)
    del response.headers["Content-Type"]
    return response


def _commit(work) -> None:
    """Run a read-check-write in a transaction; read again when a concurrent write got in between.

    On SQLite the whole read-check-write runs as the database's one writer (``one_writer``), so concurrent
    merges from several server processes queue instead of each finding the document changed under it.
    """
    for _ in range(STALE_RETRIES):
        try:
            with one_writer(db.session):
                in_transaction(db.session, work)
            return
        except StaleDocument:
            continue
    raise Conflict("the document kept changing while this request was writing it; try again", path="body")


def _since(params: dict[str, str]) -> int | None:
    if "since" not in params:
        return None
    moment = formats.parse_timestamp(params["since"])
    if moment is None:
        raise BadRequest(f"since must be an ISO 8601 timestamp, not {params['since']!r}", path="since")
    return formats.to_micros(moment)


def _put_needs_precondition(resource: Resource, version: str) -> bool:
    """Profiles always; State as LRS_STATE_PUT_PRECONDITION says: "2.0" (default), "always" or "never"."""
    if resource.kind != STATE:
        return True
    setting = current_app.config.get("LRS_STATE_PUT_PRECONDITION", "2.0")
    return setting == "always" or (setting == "2.0" and version == V2)


def handle(resource: Resource) -> Response:
    xreq = current()
    method = xreq.method
    if method in ("GET", "HEAD"):
        credential = require_scope(resource.scope, "all", *READ_ONLY)
        return finish(xreq, _get(resource, xreq, DocumentStore(db.session, credential.tenant_id)))
    credential = require_scope(resource.scope, "all")
    key = _key(resource, xreq)
    if "since" in xreq.params:
        raise BadRequest("since is only for listing document ids", path="since")
    store = DocumentStore(db.session, credential.tenant_id)
    if method in ("PUT", "POST"):
        return _write(resource, xreq, store, key)
    if method == "DELETE":
        return _delete(resource, xreq, store, key)
    raise BadRequest(f"{method} is not allowed on the {resource.name} resource", path="method")


def _get(resource: Resource, xreq: XapiRequest, store: DocumentStore) -> Response:
    key = _key(resource, xreq)
    since = _since(xreq.params)
    if key.doc_id is None:
        ids, latest = store.list_ids(key, since)
        response = json_response(ids)
        if latest is not None:
            response.headers["Last-Modified"] = http_date(formats.from_micros(latest))
        return response
    # ``since`` beside an id is validated and otherwise ignored: the conformance suite sends it (State GET).
    document = store.get(key)
    if document is None:
        raise NotFound(f"no {resource.name} document {key.doc_id!r} here", path=resource.id_param)
    response = Response(bytes(document.content), content_type=document.content_type)
    response.headers["ETag"] = quoted(document.etag)
    response.headers["Last-Modified"] = http_date(formats.from_micros(document.updated_us))
    return response


def _write(resource: Resource, xreq: XapiRequest, store: DocumentStore, key: DocumentKey) -> Response:
    if key.doc_id is None:
        raise BadRequest(f"the {resource.id_param} parameter is required", path=resource.id_param)
    body = xreq.body
    limit = current_app.config["LRS_MAX_DOCUMENT_BYTES"]
    if len(body) > limit:
        raise PayloadTooLarge(f"documents are limited to {limit} bytes", path="body")
    content_type = xreq.content_type or "application/octet-stream"
    if xreq.method == "POST" and media_type(content_type) == JSON:
        json_object(body, "body")
    needs = _put_needs_precondition(resource, xreq.version)

    def work() -> None:
        existing = store.get(key, lock=True)
        current_etag = Current(existing.etag if existing else None)
        check_preconditions(xreq.method, current_etag, xreq.header("If-Match"), xreq.header("If-None-Match"),
                            put_needs_precondition=needs)
        content, ctype = body, content_type
        if xreq.method == "POST" and existing is not None:
            content, ctype = merge(bytes(existing.content), existing.content_type, body, content_type), JSON
            if len(content) > limit:
                raise PayloadTooLarge(f"the merged document would be over the limit of {limit} bytes",
                                      path="body")
        store.save(key, content, ctype, etag_of(content), formats.to_micros(now()), existing)

    _commit(work)
    return _no_content()


def _delete(resource: Resource, xreq: XapiRequest, store: DocumentStore, key: DocumentKey) -> Response:
    if key.doc_id is None:
        if resource.kind != STATE:
            raise BadRequest(f"the {resource.id_param} parameter is required", path=resource.id_param)
        in_transaction(db.session, lambda: store.delete_all(key))
        return _no_content()

    def work() -> None:
        existing = store.get(key, lock=True)
        check_preconditions("DELETE", Current(existing.etag if existing else None), xreq.header("If-Match"),
                            xreq.header("If-None-Match"), put_needs_precondition=False)
        if existing is not None:
            store.delete(existing)

    _commit(work)
    return _no_content()


@bp.route("/activities/state", methods=["GET", "PUT", "POST", "DELETE"])
def state():
    return handle(STATE_RESOURCE)


@bp.route("/activities/profile", methods=["GET", "PUT", "POST", "DELETE"])
def activity_profile():
    return handle(ACTIVITY_PROFILE_RESOURCE)


@bp.route("/agents/profile", methods=["GET", "PUT", "POST", "DELETE"])
def agent_profile():
    return handle(AGENT_PROFILE_RESOURCE)

