"""Malformed requests to State, Activity Profile, Agent Profile, Activities and Agents: each a 4xx with a JSON
body {"error", "detail", "path"} naming what was wrong, and no document changed.

Sections: Communication (C) 1.3 alternate syntax, 2.2 documents, 2.3 State, 2.4 Agents, 2.5 Activities,
2.6 Agent Profile, 2.7 Activity Profile, 3.1 concurrency, 3.2 errors, 3.3 versioning, 4.0 authentication;
Data (D) 2.4.2 agents, 4.5 timestamps; xAPI 2.0 changes (2.0) §3.
"""

from __future__ import annotations

import base64
from urllib.parse import urlencode

import orjson
import pytest
from sqlalchemy import select

from lrs.extensions import db
from lrs.models import Document
from tests.conftest import basic

ACT = "http://example.com/activities/course-1"
AGENT = orjson.dumps({"objectType": "Agent", "mbox": "mailto:ada@example.com"}).decode()
REG = "6a1e0c3e-7b7c-4c57-9a43-1d5b7c1c0a01"
DOC = b'{"seeded": true}'
JSON = "application/json"

STATE = "activities/state"
APROF = "activities/profile"
AGPROF = "agents/profile"

S = {"activityId": ACT, "agent": AGENT, "stateId": "seed"}  # the seeded State document
AP = {"activityId": ACT, "profileId": "seed"}  # the seeded Activity Profile document
GP = {"agent": AGENT, "profileId": "seed"}  # the seeded Agent Profile document


def without(params: dict, *names: str) -> dict:
    return {k: v for k, v in params.items() if k not in names}


def agent(**fields) -> str:
    return orjson.dumps(fields).decode()


GROUP = agent(objectType="Group", mbox="mailto:team@example.com")
ANON_GROUP = agent(objectType="Group", member=[{"mbox": "mailto:a@example.com"}])
TWO_IFIS = agent(mbox="mailto:a@example.com", openid="http://openid.example.com/a")
NO_IFI = agent(name="Ada")
BAD_MBOX = agent(mbox="ada@example.com")
EXTRA_KEY = agent(mbox="mailto:a@example.com", colour="red")
WRONG_SECRET = "Basic " + base64.b64encode(b"nobody:nothing").decode()

# (id, method, resource, params, headers, body, content type, status, path named in the error)
CASES = [
    # State: required parameters (C 2.3)
    ("state-get-no-activityId", "GET", STATE, without(S, "activityId"), {}, None, None, 400, "activityId"),
    ("state-put-no-activityId", "PUT", STATE, without(S, "activityId"), {}, DOC, JSON, 400, "activityId"),
    ("state-delete-all-no-activityId", "DELETE", STATE, without(S, "activityId", "stateId"), {}, None, None,
     400, "activityId"),
    ("state-get-no-agent", "GET", STATE, without(S, "agent"), {}, None, None, 400, "agent"),
    ("state-post-no-agent", "POST", STATE, without(S, "agent"), {}, DOC, JSON, 400, "agent"),
    ("state-delete-no-agent", "DELETE", STATE, without(S, "agent"), {}, None, None, 400, "agent"),
    ("state-put-no-stateId", "PUT", STATE, without(S, "stateId"), {}, DOC, JSON, 400, "stateId"),
    ("state-post-no-stateId", "POST", STATE, without(S, "stateId"), {}, DOC, JSON, 400, "stateId"),
    ("state-put-empty-stateId", "PUT", STATE, {**S, "stateId": ""}, {}, DOC, JSON, 400, "stateId"),
    # State: parameter formats (C 2.3, D 2.4.2, D 4.5)
    ("state-agent-not-json", "PUT", STATE, {**S, "agent": "ada@example.com"}, {}, DOC, JSON, 400, "agent"),
    ("state-agent-json-number", "GET", STATE, {**S, "agent": "1"}, {}, None, None, 400, "agent"),
    ("state-agent-json-true", "DELETE", STATE, {**S, "agent": "true"}, {}, None, None, 400, "agent"),
    ("state-agent-no-ifi", "PUT", STATE, {**S, "agent": NO_IFI}, {}, DOC, JSON, 400, "agent"),
    ("state-agent-two-ifis", "POST", STATE, {**S, "agent": TWO_IFIS}, {}, DOC, JSON, 400, "agent"),
    ("state-agent-group", "PUT", STATE, {**S, "agent": GROUP}, {}, DOC, JSON, 400, "agent.objectType"),
    ("state-agent-bad-mbox", "GET", STATE, {**S, "agent": BAD_MBOX}, {}, None, None, 400, "agent.mbox"),
    ("state-agent-unknown-key", "PUT", STATE, {**S, "agent": EXTRA_KEY}, {}, DOC, JSON, 400, "agent.colour"),
    ("state-activityId-not-iri", "PUT", STATE, {**S, "activityId": "course 1"}, {}, DOC, JSON, 400,
     "activityId"),
    ("state-activityId-json-object", "GET", STATE, {**S, "activityId": '{"key": "value"}'}, {}, None, None,
     400, "activityId"),
    ("state-activityId-number", "POST", STATE, {**S, "activityId": "1"}, {}, DOC, JSON, 400, "activityId"),
    ("state-registration-not-uuid-put", "PUT", STATE, {**S, "registration": "not UUID"}, {}, DOC, JSON, 400,
     "registration"),
    ("state-registration-not-uuid-ids", "GET", STATE, without({**S, "registration": "1"}, "stateId"), {},
     None, None, 400, "registration"),
    ("state-registration-not-uuid-delete-all", "DELETE", STATE,
     without({**S, "registration": "true"}, "stateId"), {}, None, None, 400, "registration"),
    ("state-since-not-timestamp", "GET", STATE, without({**S, "since": "not a timestamp"}, "stateId"), {},
     None, None, 400, "since"),
    ("state-since-negative-zero-offset", "GET", STATE,
     without({**S, "since": "2024-01-01T00:00:00-00:00"}, "stateId"), {}, None, None, 400, "since"),
    ("state-since-with-stateId-bad", "GET", STATE, {**S, "since": "yesterday"}, {}, None, None, 400, "since"),
    ("state-since-on-put", "PUT", STATE, {**S, "since": "2024-01-01T00:00:00Z"}, {}, DOC, JSON, 400, "since"),
    ("state-since-on-delete-all", "DELETE", STATE, without({**S, "since": "2024-01-01T00:00:00Z"}, "stateId"),
     {}, None, None, 400, "since"),
    # State: unknown parameters and case (C 3.2; 2.0 §3)
    ("state-unknown-parameter", "GET", STATE, {**S, "colour": "red"}, {}, None, None, 400, "colour"),
    ("state-stateId-wrong-case", "PUT", STATE, {**without(S, "stateId"), "StateId": "seed"}, {}, DOC, JSON,
     400, "StateId"),
    ("state-activityId-wrong-case", "GET", STATE, {**without(S, "activityId"), "activityID": ACT}, {}, None,
     None, 400, "activityID"),
    ("state-profileId-not-a-state-parameter", "DELETE", STATE, {**S, "profileId": "seed"}, {}, None, None,
     400, "profileId"),
    ("state-repeated-parameter", "GET", STATE, urlencode(S) + "&stateId=other", {}, None, None, 400,
     "stateId"),
    # State: bodies (C 2.2 JSON procedure)
    ("state-post-json-array", "POST", STATE, S, {}, b"[1, 2]", JSON, 400, "body"),
    ("state-post-json-number", "POST", STATE, S, {}, b"42", JSON, 400, "body"),
    ("state-post-invalid-json", "POST", STATE, S, {}, b'{"x": ', JSON, 400, "body"),
    ("state-post-text-onto-json", "POST", STATE, S, {}, b"abc", "text/plain", 400, "Content-Type"),
    # State: preconditions (C 3.1)
    ("state-conflicting-preconditions", "PUT", STATE, S, {"If-Match": '"abc"', "If-None-Match": "*"}, DOC,
     JSON, 400, "If-None-Match"),
    ("state-wrong-if-match", "DELETE", STATE, S, {"If-Match": '"1234"'}, None, None, 412, "If-Match"),
    ("state-if-none-match-star-existing", "PUT", STATE, S, {"If-None-Match": "*"}, DOC, JSON, 412,
     "If-None-Match"),
    # State: version and credentials (C 3.3, 4.0)
    ("state-no-version-header", "GET", STATE, S, {"X-Experience-API-Version": None}, None, None, 400,
     "X-Experience-API-Version"),
    ("state-put-no-version-header", "PUT", STATE, S, {"X-Experience-API-Version": None}, DOC, JSON, 400,
     "X-Experience-API-Version"),
    ("state-version-2.1", "PUT", STATE, S, {"X-Experience-API-Version": "2.1.0"}, DOC, JSON, 400,
     "X-Experience-API-Version"),
    ("state-unknown-credentials", "PUT", STATE, S, {"Authorization": WRONG_SECRET}, DOC, JSON, 401,
     "Authorization"),
    ("state-no-credentials", "DELETE", STATE, without(S, "stateId"), {"Authorization": None}, None, None,
     401, "Authorization"),
    ("state-bearer-credentials", "GET", STATE, S, {"Authorization": "Bearer abc"}, None, None, 401,
     "Authorization"),
    # Activity Profile (C 2.7)
    ("aprof-get-no-activityId", "GET", APROF, without(AP, "activityId"), {}, None, None, 400, "activityId"),
    ("aprof-put-no-profileId", "PUT", APROF, without(AP, "profileId"), {}, DOC, JSON, 400, "profileId"),
    ("aprof-post-no-profileId", "POST", APROF, without(AP, "profileId"), {}, DOC, JSON, 400, "profileId"),
    ("aprof-delete-no-profileId", "DELETE", APROF, without(AP, "profileId"), {}, None, None, 400,
     "profileId"),
    ("aprof-activityId-not-iri", "PUT", APROF, {**AP, "activityId": "not an iri"}, {}, DOC, JSON, 400,
     "activityId"),
    ("aprof-agent-not-a-parameter", "GET", APROF, {**AP, "agent": AGENT}, {}, None, None, 400, "agent"),
    ("aprof-registration-not-a-parameter", "PUT", APROF, {**AP, "registration": REG}, {}, DOC, JSON, 400,
     "registration"),
    ("aprof-stateId-not-a-parameter", "DELETE", APROF, {**AP, "stateId": "seed"}, {}, None, None, 400,
     "stateId"),
    ("aprof-since-not-timestamp", "GET", APROF, without({**AP, "since": "1"}, "profileId"), {}, None, None,
     400, "since"),
    ("aprof-profileId-wrong-case", "GET", APROF, {**without(AP, "profileId"), "ProfileId": "seed"}, {}, None,
     None, 400, "ProfileId"),
    ("aprof-post-json-array", "POST", APROF, AP, {}, b"[]", JSON, 400, "body"),
    ("aprof-put-existing-without-precondition", "PUT", APROF, AP, {}, DOC, JSON, 409, "If-Match"),
    ("aprof-put-wrong-if-match", "PUT", APROF, AP, {"If-Match": '"1234"'}, DOC, JSON, 412, "If-Match"),
    ("aprof-post-wrong-if-match", "POST", APROF, AP, {"If-Match": '"1234"'}, DOC, JSON, 412, "If-Match"),
    ("aprof-no-version-header", "GET", APROF, AP, {"X-Experience-API-Version": None}, None, None, 400,
     "X-Experience-API-Version"),
    # Agent Profile (C 2.6)
    ("agprof-get-no-agent", "GET", AGPROF, without(GP, "agent"), {}, None, None, 400, "agent"),
    ("agprof-put-no-agent", "PUT", AGPROF, without(GP, "agent"), {}, DOC, JSON, 400, "agent"),
    ("agprof-put-no-profileId", "PUT", AGPROF, without(GP, "profileId"), {}, DOC, JSON, 400, "profileId"),
    ("agprof-delete-no-profileId", "DELETE", AGPROF, without(GP, "profileId"), {}, None, None, 400,
     "profileId"),
    ("agprof-agent-group", "PUT", AGPROF, {**GP, "agent": GROUP}, {}, DOC, JSON, 400, "agent.objectType"),
    ("agprof-agent-anonymous-group", "GET", AGPROF, {**GP, "agent": ANON_GROUP}, {}, None, None, 400,
     "agent.objectType"),
    ("agprof-agent-not-an-agent", "DELETE", AGPROF, {**GP, "agent": '{"key": "value"}'}, {}, None, None, 400,
     "agent.key"),
    ("agprof-agent-two-ifis", "GET", AGPROF, without({**GP, "agent": TWO_IFIS}, "profileId"), {}, None, None,
     400, "agent"),
    ("agprof-activityId-not-a-parameter", "PUT", AGPROF, {**GP, "activityId": ACT}, {}, DOC, JSON, 400,
     "activityId"),
    ("agprof-post-invalid-json", "POST", AGPROF, GP, {}, b"{not json}", JSON, 400, "body"),
    ("agprof-post-onto-json-with-binary", "POST", AGPROF, GP, {}, b"\x00\x01", "application/octet-stream",
     400, "Content-Type"),
    ("agprof-put-existing-without-precondition", "PUT", AGPROF, GP, {}, DOC, JSON, 409, "If-Match"),
    ("agprof-delete-wrong-if-match", "DELETE", AGPROF, GP, {"If-Match": '"1234"'}, None, None, 412,
     "If-Match"),
    ("agprof-unknown-credentials", "GET", AGPROF, GP, {"Authorization": WRONG_SECRET}, None, None, 401,
     "Authorization"),
    # Activities (C 2.5)
    ("activities-no-activityId", "GET", "activities", {}, {}, None, None, 400, "activityId"),
    ("activities-not-iri", "GET", "activities", {"activityId": "course 1"}, {}, None, None, 400,
     "activityId"),
    ("activities-unknown-parameter", "GET", "activities",
     {"activityId": ACT, "since": "2024-01-01T00:00:00Z"}, {}, None, None, 400, "since"),
    ("activities-wrong-case", "GET", "activities", {"ActivityId": ACT}, {}, None, None, 400, "ActivityId"),
    ("activities-no-version-header", "GET", "activities", {"activityId": ACT},
     {"X-Experience-API-Version": None}, None, None, 400, "X-Experience-API-Version"),
    # Agents (C 2.4)
    ("agents-no-agent", "GET", "agents", {}, {}, None, None, 400, "agent"),
    ("agents-agent-not-json", "GET", "agents", {"agent": "ada"}, {}, None, None, 400, "agent"),
    ("agents-agent-group", "GET", "agents", {"agent": GROUP}, {}, None, None, 400, "agent.objectType"),
    ("agents-agent-two-ifis", "GET", "agents", {"agent": TWO_IFIS}, {}, None, None, 400, "agent"),
    ("agents-unknown-parameter", "GET", "agents", {"agent": AGENT, "profileId": "x"}, {}, None, None, 400,
     "profileId"),
    ("agents-no-credentials", "GET", "agents", {"agent": AGENT}, {"Authorization": None}, None, None, 401,
     "Authorization"),
]


def snapshot(app) -> list[tuple]:
    """Every stored document, as what a change would show in."""
    with app.app_context():
        rows = db.session.execute(select(Document.kind, Document.doc_id, Document.registration,
                                         Document.content, Document.content_type, Document.etag,
                                         Document.updated_us).order_by(Document.id)).all()
        db.session.remove()
    return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in rows]


@pytest.fixture
def seeded(app, xapi) -> list[tuple]:
    """One document in each resource, under the parameters the cases start from."""
    for path, params in ((STATE, S), (APROF, AP), (AGPROF, GP)):
        response = xapi.request("PUT", path, params=params, data=DOC, content_type=JSON)
        assert response.status_code == 204, response.get_data(as_text=True)
    before = snapshot(app)
    assert len(before) == 3
    return before


def test_there_are_enough_cases():
    assert len(CASES) >= 45
    assert len({case[0] for case in CASES}) == len(CASES)


@pytest.mark.parametrize("method, resource, params, headers, body, content_type, status, path",
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_bad_document_request_is_rejected(app, xapi, seeded, method, resource, params, headers, body,
                                          content_type, status, path):
    response = xapi.request(method, resource, params=params, headers=headers, data=body,
                            content_type=content_type)
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()
    assert set(error) == {"error", "detail", "path"}
    assert error["path"] == path
    assert isinstance(error["detail"], str) and error["detail"]
    assert response.headers["X-Experience-API-Version"]
    assert snapshot(app) == seeded


def test_bad_alternate_syntax_requests_are_rejected(app, xapi, seeded):
    """C 1.3: parameters beside "method" in the query string, or the syntax under 2.0, → 400; no change."""
    form = {"Authorization": basic(xapi.credential), "X-Experience-API-Version": "1.0.3", "content": "{}"}
    cases = [
        (f"/xapi/{STATE}?method=PUT&stateId=seed", {**form, **without(S, "stateId")}, "stateId"),
        (f"/xapi/{STATE}?method=PATCH", {**form, **S}, "method"),
        (f"/xapi/{APROF}?method=PUT", {**form, **AP, "X-Experience-API-Version": "2.0.0"}, "method"),
        (f"/xapi/{AGPROF}?method=DELETE", {**form, "agent": AGENT}, "profileId"),
    ]
    for url, fields, path in cases:
        response = xapi.client.post(url, data=urlencode(fields),
                                    content_type="application/x-www-form-urlencoded")
        assert response.status_code == 400, (url, response.get_data(as_text=True))
        assert response.get_json()["path"] == path
    assert snapshot(app) == seeded


def test_document_over_the_size_limit_is_413(app, xapi, seeded):
    """C 3.2: 413 for a document over the configured limit; nothing changes."""
    app.config["LRS_MAX_DOCUMENT_BYTES"] = 8
    response = xapi.request("POST", STATE, params=S, data=b'{"more": "than eight"}', content_type=JSON)
    assert response.status_code == 413
    assert response.get_json()["path"] == "body"
    assert snapshot(app) == seeded


@pytest.mark.parametrize("method, resource, params", [
    ("PUT", "activities", {"activityId": ACT}), ("DELETE", "agents", {"agent": AGENT}),
    ("POST", "activities", {"activityId": ACT}),
])
def test_writes_to_read_only_resources_are_405(xapi, seeded, method, resource, params):
    """C 2.4/2.5: Activities and Agents answer GET and HEAD only."""
    response = xapi.request(method, resource, params=params, data=b"{}", content_type=JSON)
    assert response.status_code == 405
    assert set(response.get_json()) == {"error", "detail", "path"}
