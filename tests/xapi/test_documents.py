"""The State, Activity Profile and Agent Profile resources: every MUST, on SQLite and PostgreSQL.

Sections cited are of xAPI 1.0.3 Communication (C): 1.1 HEAD, 1.3 alternate syntax, 2.2 documents, 2.3 State,
2.6 Agent Profile, 2.7 Activity Profile, 3.1 concurrency, 3.2 errors; and of the 2.0 changes document
(2.0 §3, checklist items 34-45).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlencode

import orjson
import pytest

from tests.conftest import XapiClient, basic, issue_credential

V = "X-Experience-API-Version"
ACTIVITY = "http://example.com/activities/course-1"
OTHER_ACTIVITY = "http://example.com/activities/course-2"
AGENT = {"objectType": "Agent", "name": "Ada", "mbox": "mailto:ada@example.com"}
OTHER_AGENT = {"objectType": "Agent", "account": {"homePage": "http://example.com", "name": "grace"}}
REG_A = "6a1e0c3e-7b7c-4c57-9a43-1d5b7c1c0a01"
REG_B = "6a1e0c3e-7b7c-4c57-9a43-1d5b7c1c0a02"
T0 = datetime(2024, 3, 1, 12, 0, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Resource:
    name: str
    path: str
    id_param: str
    context: tuple[tuple[str, str], ...]

    def params(self, doc_id: str | None = None, **extra) -> dict:
        params = dict(self.context)
        if doc_id is not None:
            params[self.id_param] = doc_id
        params.update({k: v for k, v in extra.items() if v is not None})
        return params

    def elsewhere(self) -> dict:
        """Another context of the same resource (another activity or another agent)."""
        params = dict(self.context)
        if "activityId" in params:
            params["activityId"] = OTHER_ACTIVITY
        else:
            params["agent"] = orjson.dumps(OTHER_AGENT).decode()
        return params


AGENT_JSON = orjson.dumps(AGENT).decode()
STATE = Resource("state", "activities/state", "stateId", (("activityId", ACTIVITY), ("agent", AGENT_JSON)))
ACTIVITY_PROFILE = Resource("activity-profile", "activities/profile", "profileId",
                            (("activityId", ACTIVITY),))
AGENT_PROFILE = Resource("agent-profile", "agents/profile", "profileId", (("agent", AGENT_JSON),))
RESOURCES = [STATE, ACTIVITY_PROFILE, AGENT_PROFILE]
PROFILES = [ACTIVITY_PROFILE, AGENT_PROFILE]


@pytest.fixture(params=RESOURCES, ids=lambda r: r.name)
def resource(request) -> Resource:
    return request.param


@pytest.fixture(params=PROFILES, ids=lambda r: r.name)
def profile(request) -> Resource:
    return request.param


class Clock:
    """The time the document resources see, set by the test (Last-Modified, since)."""

    def __init__(self, moment: datetime):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta) -> datetime:
        self.moment += timedelta(**delta)
        return self.moment


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock(T0)
    monkeypatch.setattr("lrs.xapi.http.documents.now", clock)
    return clock


# -- helpers -------------------------------------------------------------------------------------------------

def send(xapi: XapiClient, method: str, res: Resource, doc_id: str | None = None, body: bytes | None = None,
         content_type: str | None = None, headers: dict | None = None, **params):
    return xapi.request(method, res.path, params=res.params(doc_id, **params), data=body,
                        content_type=content_type, headers=headers)


def put(xapi, res, doc_id, document, content_type="application/json", headers=None, **params):
    body = document if isinstance(document, bytes) else orjson.dumps(document)
    return send(xapi, "PUT", res, doc_id, body, content_type, headers, **params)


def post(xapi, res, doc_id, document, content_type="application/json", headers=None, **params):
    body = document if isinstance(document, bytes) else orjson.dumps(document)
    return send(xapi, "POST", res, doc_id, body, content_type, headers, **params)


def get(xapi, res, doc_id=None, headers=None, **params):
    return send(xapi, "GET", res, doc_id, headers=headers, **params)


def delete(xapi, res, doc_id=None, headers=None, **params):
    return send(xapi, "DELETE", res, doc_id, headers=headers, **params)


def stored(xapi, res, doc_id="doc", document=None, content_type="application/json", **params) -> str:
    """Store a document (no preconditions, new) and return its quoted ETag."""
    response = put(xapi, res, doc_id, document if document is not None else {"x": "foo", "y": "bar"},
                   content_type, **params)
    assert response.status_code == 204, response.get_data(as_text=True)
    return get(xapi, res, doc_id, **params).headers["ETag"]


def body_of(xapi, res, doc_id="doc", **params) -> bytes:
    response = get(xapi, res, doc_id, **params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.data


def ids_of(xapi, res, **params) -> list[str]:
    response = xapi.request("GET", res.path, params={**res.params(), **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def sha1(content: bytes) -> str:
    return hashlib.sha1(content, usedforsecurity=False).hexdigest()


def assert_error(response, status: int, path: str | None = None) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()
    assert set(error) == {"error", "detail", "path"} and error["detail"]
    if path is not None:
        assert error["path"] == path


# -- single documents: PUT, POST, GET, DELETE (C 2.2, 2.3, 2.6, 2.7) ----------------------------------------

def test_put_then_get_returns_the_document(xapi, resource):
    """C 2.3/2.6/2.7 single document: PUT → 204 No Content; GET → 200 and the document."""
    response = put(xapi, resource, "doc", {"x": "foo"})
    assert response.status_code == 204
    assert response.data == b""
    got = get(xapi, resource, "doc")
    assert got.status_code == 200
    assert got.get_json() == {"x": "foo"}
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers[V] == "1.0.3"


def test_post_of_a_new_document_stores_it(xapi, resource):
    """C 2.2: a POST for a document not yet stored stores it (as a PUT would); 204."""
    assert post(xapi, resource, "doc", {"x": "foo"}).status_code == 204
    assert get(xapi, resource, "doc").get_json() == {"x": "foo"}


def test_delete_single_document(xapi, resource):
    """C 2.3/2.6/2.7: DELETE → 204; the document is gone (GET → 404); the others stay."""
    stored(xapi, resource, "doc")
    stored(xapi, resource, "other")
    response = delete(xapi, resource, "doc")
    assert response.status_code == 204 and response.data == b""
    assert_error(get(xapi, resource, "doc"), 404, resource.id_param)
    assert ids_of(xapi, resource) == ["other"]


def test_delete_of_an_absent_document_is_204(xapi, resource):
    """C 2.3/2.6/2.7: DELETE without preconditions of a document not there changes nothing; 204."""
    assert delete(xapi, resource, "never-stored").status_code == 204


def test_get_of_an_unknown_document_is_404(xapi, resource):
    """C 3.2: 404 for a request targeting a document that is not there, with an explanation."""
    assert_error(get(xapi, resource, "missing"), 404, resource.id_param)


def test_documents_do_not_need_prior_knowledge_of_activity_or_agent(xapi, resource):
    """C 2.2: documents for activities and agents the LRS has never seen in a statement are accepted."""
    assert put(xapi, resource, "doc", {"a": 1}).status_code == 204


def test_ids_are_case_sensitive_and_any_string(xapi, resource):
    """C 2.2: the id is a string set by the client; ids differing in case or with odd characters are kept."""
    for doc_id in ("Doc", "doc", "a b/c?d&e=f", "ünïcode-ид"):
        assert put(xapi, resource, doc_id, {"id": doc_id}).status_code == 204
    for doc_id in ("Doc", "doc", "a b/c?d&e=f", "ünïcode-ид"):
        assert get(xapi, resource, doc_id).get_json() == {"id": doc_id}


@pytest.mark.parametrize("content, content_type", [
    (b"\x00\xff\xfe\x80binary\x01\x02", "application/octet-stream"),
    (bytes(range(256)), "image/png"),
    ("caf\u00e9 cr\u00e8me".encode("latin-1"), "text/plain; charset=iso-8859-1"),
    (b"<doc><x>1</x></doc>", "application/xml"),
    (b"not { json", "text/plain"),
    (b"", "application/octet-stream"),
    (b'{"spaced" :  "json",\n "order": [3, 1]}', "application/json"),
], ids=["binary", "all-bytes", "latin-1-text", "xml", "text", "empty", "json-verbatim"])
def test_documents_of_any_content_type_are_stored_byte_exact(xapi, resource, content, content_type):
    """C 2.2: contents are arbitrary binary data; GET returns exactly the bytes and content type stored."""
    assert put(xapi, resource, "doc", content, content_type).status_code == 204
    got = get(xapi, resource, "doc")
    assert got.data == content
    assert got.headers["Content-Type"] == content_type
    assert got.headers["ETag"] == f'"{sha1(content)}"'


def test_put_without_content_type_is_stored_as_octet_stream(xapi, resource):
    """C 2.2: a document sent with no Content-Type is kept as application/octet-stream."""
    assert send(xapi, "PUT", resource, "doc", b"\x01\x02").status_code == 204
    got = get(xapi, resource, "doc")
    assert got.data == b"\x01\x02"
    assert got.headers["Content-Type"] == "application/octet-stream"


def test_documents_are_scoped_to_their_context(xapi, resource):
    """C 2.3/2.6/2.7: the same id in another activity or agent is another document."""
    stored(xapi, resource, "doc", {"here": True})
    other = xapi.request("PUT", resource.path, params={**resource.elsewhere(), resource.id_param: "doc"},
                         data=b'{"there": true}', content_type="application/json")
    assert other.status_code == 204
    assert get(xapi, resource, "doc").get_json() == {"here": True}
    there = xapi.request("GET", resource.path, params={**resource.elsewhere(), resource.id_param: "doc"})
    assert there.get_json() == {"there": True}


def test_the_three_resources_do_not_share_documents(xapi):
    """C 2.3, 2.6, 2.7: State, Activity Profile and Agent Profile are separate stores."""
    for res in RESOURCES:
        stored(xapi, res, "doc", {"resource": res.name})
    for res in RESOURCES:
        assert get(xapi, res, "doc").get_json() == {"resource": res.name}


def test_agent_is_matched_by_its_identifier_not_its_name(xapi):
    """C 2.3/2.6: the agent parameter identifies by IFI; the name and objectType do not change the context."""
    stored(xapi, AGENT_PROFILE, "doc", {"a": 1})
    renamed = orjson.dumps({"mbox": AGENT["mbox"], "name": "Someone else"}).decode()
    response = xapi.request("GET", AGENT_PROFILE.path, params={"agent": renamed, "profileId": "doc"})
    assert response.get_json() == {"a": 1}


# -- id lists and since (C 2.3, 2.6, 2.7 multiple document GET) -------------------------------------------

def test_ids_lists_every_document_of_the_context(xapi, resource):
    """C 2.3/2.6/2.7 multiple document GET: 200 and an array of the ids in this context, no others."""
    for doc_id in ("a", "b", "c"):
        stored(xapi, resource, doc_id)
    xapi.request("PUT", resource.path, params={**resource.elsewhere(), resource.id_param: "elsewhere"},
                 data=b"{}", content_type="application/json")
    assert sorted(ids_of(xapi, resource)) == ["a", "b", "c"]


def test_ids_of_an_empty_context_is_an_empty_array(xapi, resource):
    """C 2.3/2.6/2.7: no documents → 200 []."""
    response = get(xapi, resource)
    assert response.status_code == 200
    assert response.get_json() == []
    assert response.headers["Content-Type"] == "application/json"


def test_ids_since_is_exclusive(xapi, resource, clock):
    """C 2.3/2.6/2.7: since limits the ids to documents stored or updated after it (exclusive)."""
    stored(xapi, resource, "first")
    first_time = clock.moment
    clock.advance(seconds=5)
    stored(xapi, resource, "second")
    clock.advance(seconds=5)
    stored(xapi, resource, "third")

    def since(moment: datetime) -> list[str]:
        return sorted(ids_of(xapi, resource, since=moment.isoformat().replace("+00:00", "Z")))

    assert since(first_time - timedelta(microseconds=1)) == ["first", "second", "third"]
    assert since(first_time) == ["second", "third"]
    assert since(first_time + timedelta(seconds=5)) == ["third"]
    assert since(clock.moment) == []


def test_ids_since_counts_updates(xapi, resource, clock):
    """C 2.3/2.6/2.7: "stored or updated since": an update brings an older document back into the list."""
    stored(xapi, resource, "old")
    stored(xapi, resource, "untouched")
    clock.advance(minutes=1)
    cut = clock.moment
    clock.advance(minutes=1)
    assert post(xapi, resource, "old", {"z": 1}).status_code == 204
    assert ids_of(xapi, resource, since=cut.isoformat()) == ["old"]


def test_ids_since_accepts_an_offset_timestamp(xapi, resource, clock):
    """C 2.3 since is a Timestamp (Data 4.5): offsets other than Z are converted."""
    stored(xapi, resource, "doc")
    assert ids_of(xapi, resource, since="2024-03-01T13:59:59+02:00") == ["doc"]
    assert ids_of(xapi, resource, since="2024-03-01T14:00:00+02:00") == []


def test_state_ids_with_registration(xapi):
    """C 2.3: ids in the context Activity + Agent [+ registration if specified]."""
    stored(xapi, STATE, "plain")
    stored(xapi, STATE, "in-a", registration=REG_A)
    stored(xapi, STATE, "in-b", registration=REG_B)
    assert ids_of(xapi, STATE, registration=REG_A) == ["in-a"]
    assert ids_of(xapi, STATE, registration=REG_B.upper()) == ["in-b"]
    assert sorted(ids_of(xapi, STATE)) == ["in-a", "in-b", "plain"]


def test_state_registration_is_part_of_the_document_identity(xapi):
    """C 2.3: the single document is the one of the given registration (or of none)."""
    stored(xapi, STATE, "doc", {"reg": None})
    stored(xapi, STATE, "doc", {"reg": "a"}, registration=REG_A)
    assert get(xapi, STATE, "doc").get_json() == {"reg": None}
    assert get(xapi, STATE, "doc", registration=REG_A).get_json() == {"reg": "a"}
    assert get(xapi, STATE, "doc", registration=REG_A.upper()).get_json() == {"reg": "a"}
    assert_error(get(xapi, STATE, "doc", registration=REG_B), 404, "stateId")


def test_state_ids_since_with_registration(xapi, clock):
    """C 2.3: since and registration together."""
    stored(xapi, STATE, "early", registration=REG_A)
    clock.advance(seconds=1)
    stored(xapi, STATE, "late", registration=REG_A)
    stored(xapi, STATE, "late-b", registration=REG_B)
    assert ids_of(xapi, STATE, registration=REG_A, since=T0.isoformat()) == ["late"]


def test_single_get_accepts_and_ignores_since(xapi, resource, clock):
    """C 2.3: since belongs to the id list; beside an id it is validated and ignored (the 1.0.3 conformance
    suite sends it with stateId and expects the document)."""
    stored(xapi, resource, "doc", {"a": 1})
    response = get(xapi, resource, "doc", since=(T0 + timedelta(days=1)).isoformat())
    assert response.status_code == 200
    assert response.get_json() == {"a": 1}


# -- DELETE all State (C 2.3 multiple document DELETE) ------------------------------------------------------

def _state_elsewhere(xapi, activity=ACTIVITY, agent=AGENT_JSON, **params):
    response = xapi.request("PUT", STATE.path, data=b'{"keep": true}', content_type="application/json",
                            params={"activityId": activity, "agent": agent, "stateId": "keep", **params})
    assert response.status_code == 204


def test_state_delete_all_in_context_leaves_other_contexts(xapi):
    """C 2.3 multiple document DELETE: the State of activity + agent (all registrations) goes; others stay."""
    stored(xapi, STATE, "a")
    stored(xapi, STATE, "b", registration=REG_A)
    _state_elsewhere(xapi, activity=OTHER_ACTIVITY)
    _state_elsewhere(xapi, agent=orjson.dumps(OTHER_AGENT).decode())
    stored(xapi, ACTIVITY_PROFILE, "profile")
    stored(xapi, AGENT_PROFILE, "profile")

    response = delete(xapi, STATE)
    assert response.status_code == 204 and response.data == b""
    assert ids_of(xapi, STATE) == []
    for activity, agent in ((OTHER_ACTIVITY, AGENT_JSON), (ACTIVITY, orjson.dumps(OTHER_AGENT).decode())):
        params = {"activityId": activity, "agent": agent, "stateId": "keep"}
        kept = xapi.request("GET", STATE.path, params=params)
        assert kept.get_json() == {"keep": True}
    assert ids_of(xapi, ACTIVITY_PROFILE) == ["profile"]
    assert ids_of(xapi, AGENT_PROFILE) == ["profile"]


def test_state_delete_all_with_registration_leaves_other_registrations(xapi):
    """C 2.3 multiple document DELETE: with a registration, only that registration's State goes."""
    stored(xapi, STATE, "plain")
    stored(xapi, STATE, "a1", registration=REG_A)
    stored(xapi, STATE, "a2", registration=REG_A)
    stored(xapi, STATE, "b1", registration=REG_B)
    assert delete(xapi, STATE, registration=REG_A).status_code == 204
    assert ids_of(xapi, STATE, registration=REG_A) == []
    assert sorted(ids_of(xapi, STATE)) == ["b1", "plain"]


def test_state_delete_all_of_an_empty_context_is_204(xapi):
    """C 2.3: nothing to delete is still 204."""
    assert delete(xapi, STATE).status_code == 204


def test_profile_delete_without_profile_id_is_400(xapi, profile):
    """C 2.6/2.7: profileId is required for DELETE (there is no multiple DELETE); nothing is deleted."""
    stored(xapi, profile, "doc")
    assert_error(delete(xapi, profile), 400, "profileId")
    assert ids_of(xapi, profile) == ["doc"]


# -- POST merge (C 2.2 JSON procedure) ----------------------------------------------------------------------

def test_post_merges_top_level_properties(xapi, resource):
    """C 2.2: POST of JSON onto a JSON document merges: each posted top-level property replaces the stored
    one whole (objects are not merged deeper); 204."""
    stored(xapi, resource, "doc", {"x": "foo", "y": "bar", "nested": {"a": 1, "b": 2}})
    response = post(xapi, resource, "doc", {"x": "bash", "z": "faz", "nested": {"c": 3}})
    assert response.status_code == 204 and response.data == b""
    got = get(xapi, resource, "doc")
    assert got.get_json() == {"x": "bash", "y": "bar", "z": "faz", "nested": {"c": 3}}
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["ETag"] == f'"{sha1(got.data)}"'


def test_post_merge_accepts_json_with_parameters(xapi, resource):
    """C 2.2: "application/json; charset=utf-8" is application/json."""
    stored(xapi, resource, "doc", {"x": 1}, "application/json; charset=utf-8")
    assert post(xapi, resource, "doc", {"y": 2}, "application/json; charset=UTF-8").status_code == 204
    assert get(xapi, resource, "doc").get_json() == {"x": 1, "y": 2}


def test_post_merge_of_an_empty_object_keeps_the_document(xapi, resource):
    """C 2.2: posting {} sets no property."""
    stored(xapi, resource, "doc", {"x": 1})
    assert post(xapi, resource, "doc", {}).status_code == 204
    assert get(xapi, resource, "doc").get_json() == {"x": 1}


@pytest.mark.parametrize("existing, existing_type, posted, posted_type, path", [
    (b'{"x": 1}', "application/json", b"abc", "text/plain", "Content-Type"),
    (b'{"x": 1}', "application/json", b'{"y": 2}', "text/plain", "Content-Type"),
    (b'{"x": 1}', "application/json", b"1", "application/x-www-form-urlencoded", "Content-Type"),
    (b'{"x": 1}', "application/json", b"\x00\x01", "application/octet-stream", "Content-Type"),
    (b'{"x": 1}', "application/json", b"[1, 2]", "application/json", "body"),
    (b'{"x": 1}', "application/json", b"42", "application/json", "body"),
    (b'{"x": 1}', "application/json", b'"text"', "application/json", "body"),
    (b'{"x": 1}', "application/json", b"null", "application/json", "body"),
    (b'{"x": 1}', "application/json", b'{"y": ', "application/json", "body"),
    (b"plain", "text/plain", b'{"y": 2}', "application/json", "Content-Type"),
    (b"\xff\xfe", "application/octet-stream", b'{"y": 2}', "application/json", "Content-Type"),
    (b"[1, 2]", "application/json", b'{"y": 2}', "application/json", "stored document"),
    (b"not json", "application/json", b'{"y": 2}', "application/json", "stored document"),
], ids=["posted-text", "posted-json-as-text", "posted-form", "posted-binary", "posted-array",
        "posted-number", "posted-string", "posted-null", "posted-invalid", "stored-text", "stored-binary",
        "stored-array", "stored-invalid-json"])
def test_post_merge_rejects_what_is_not_two_json_objects(xapi, resource, existing, existing_type, posted,
                                                          posted_type, path):
    """C 2.2: if either document is not application/json or not a JSON object → 400, document unchanged."""
    etag = stored(xapi, resource, "doc", existing, existing_type)
    assert_error(post(xapi, resource, "doc", posted, posted_type), 400, path)
    got = get(xapi, resource, "doc")
    assert got.data == existing
    assert got.headers["Content-Type"] == existing_type
    assert got.headers["ETag"] == etag


@pytest.mark.parametrize("posted", [b"[1]", b"7", b"{", b""], ids=["array", "number", "invalid", "empty"])
def test_post_of_json_that_is_not_an_object_to_a_new_document_is_400(xapi, resource, posted):
    """C 2.2: a POST of application/json must be a JSON object (it is a merge); nothing is stored."""
    assert_error(post(xapi, resource, "doc", posted), 400, "body")
    assert ids_of(xapi, resource) == []


def test_post_of_non_json_to_a_new_document_is_stored(xapi, resource):
    """C 2.2: only a merge needs JSON; a POST creating a document stores any content (the conformance suite
    POSTs bodies such as "1" without a JSON content type and expects 204)."""
    assert post(xapi, resource, "doc", b"1", "application/x-www-form-urlencoded").status_code == 204
    assert body_of(xapi, resource) == b"1"


# -- ETags and preconditions (C 3.1; 2.0 checklist 34-42) ----------------------------------------------------

def test_get_etag_is_the_quoted_sha1_of_the_contents(xapi, resource):
    """C 3.1: GET carries an ETag: the quoted, lowercase hex SHA-1 of the contents."""
    content = b'{"x": "foo"}'
    put(xapi, resource, "doc", content)
    etag = get(xapi, resource, "doc").headers["ETag"]
    assert etag == f'"{sha1(content)}"'
    assert etag[1:-1] == etag[1:-1].lower() and len(etag) == 42


def test_put_with_wrong_if_match_is_412_and_unchanged(xapi, resource):
    """C 3.1; 2.0 checklist 36: PUT If-Match wrong → 412 and no change; right → 204 and replaced."""
    etag = stored(xapi, resource, "doc", {"v": 1})
    assert_error(put(xapi, resource, "doc", {"v": 2}, headers={"If-Match": '"1234"'}), 412, "If-Match")
    assert get(xapi, resource, "doc").get_json() == {"v": 1}
    assert put(xapi, resource, "doc", {"v": 3}, headers={"If-Match": etag}).status_code == 204
    got = get(xapi, resource, "doc")
    assert got.get_json() == {"v": 3}
    assert got.headers["ETag"] != etag


def test_post_with_wrong_if_match_is_412_and_unchanged(xapi, resource):
    """C 3.1; 2.0 checklist 37 (If-Match honoured on POST): wrong → 412 unchanged; right → 204 merged."""
    etag = stored(xapi, resource, "doc", {"v": 1})
    assert_error(post(xapi, resource, "doc", {"w": 2}, headers={"If-Match": '"1234"'}), 412, "If-Match")
    assert get(xapi, resource, "doc").get_json() == {"v": 1}
    assert post(xapi, resource, "doc", {"w": 2}, headers={"If-Match": etag}).status_code == 204
    assert get(xapi, resource, "doc").get_json() == {"v": 1, "w": 2}


def test_delete_with_wrong_if_match_is_412_and_kept(xapi, resource):
    """C 3.1; 2.0 checklist 38: DELETE If-Match wrong → 412, GET still 200; right → 204 and gone."""
    etag = stored(xapi, resource, "doc")
    assert_error(delete(xapi, resource, "doc", headers={"If-Match": '"1234"'}), 412, "If-Match")
    assert get(xapi, resource, "doc").status_code == 200
    assert delete(xapi, resource, "doc", headers={"If-Match": etag}).status_code == 204
    assert get(xapi, resource, "doc").status_code == 404


def test_if_match_stale_after_an_update_is_412(xapi, resource):
    """C 3.1: If-Match detects a modification made after the client last fetched the document."""
    old = stored(xapi, resource, "doc", {"v": 1})
    assert post(xapi, resource, "doc", {"v": 2}).status_code == 204
    assert_error(put(xapi, resource, "doc", {"v": 3}, headers={"If-Match": old}), 412, "If-Match")
    assert get(xapi, resource, "doc").get_json() == {"v": 2}


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
def test_if_match_on_an_absent_document_is_412(xapi, resource, method):
    """RFC 7232 3.1 (C 3.1): If-Match fails when there is no current representation; nothing is created."""
    response = send(xapi, method, resource, "doc", b"{}" if method != "DELETE" else None,
                    "application/json" if method != "DELETE" else None,
                    headers={"If-Match": f'"{sha1(b"{}")}"'})
    assert_error(response, 412, "If-Match")
    assert ids_of(xapi, resource) == []


def test_if_match_star_and_lists_and_weak_tags(xapi, resource):
    """RFC 7232 3.1 (C 3.1): "*" matches any current document; a list matches if one tag does; If-Match
    compares strongly, so a weak tag never matches."""
    etag = stored(xapi, resource, "doc", {"v": 1})
    assert put(xapi, resource, "doc", {"v": 2}, headers={"If-Match": "*"}).status_code == 204
    etag = get(xapi, resource, "doc").headers["ETag"]
    assert put(xapi, resource, "doc", {"v": 3}, headers={"If-Match": f'"abc", {etag}'}).status_code == 204
    etag = get(xapi, resource, "doc").headers["ETag"]
    assert_error(put(xapi, resource, "doc", {"v": 4}, headers={"If-Match": f"W/{etag}"}), 412, "If-Match")
    assert get(xapi, resource, "doc").get_json() == {"v": 3}


def test_if_none_match_star_on_existing_is_412(xapi, resource):
    """C 3.1; 2.0 checklist 42: PUT If-None-Match: * onto an existing document → 412, unchanged."""
    stored(xapi, resource, "doc", {"v": 1})
    assert_error(put(xapi, resource, "doc", {"v": 2}, headers={"If-None-Match": "*"}), 412, "If-None-Match")
    assert get(xapi, resource, "doc").get_json() == {"v": 1}


def test_if_none_match_star_on_new_is_204(xapi, resource):
    """C 3.1: PUT If-None-Match: * where no document exists → 204 and stored."""
    assert put(xapi, resource, "doc", {"v": 1}, headers={"If-None-Match": "*"}).status_code == 204
    assert get(xapi, resource, "doc").get_json() == {"v": 1}


def test_post_if_none_match_star_on_existing_is_412(xapi, resource):
    """C 3.1 (SHOULD*): POST If-None-Match: * onto an existing document → 412, not merged."""
    stored(xapi, resource, "doc", {"v": 1})
    assert_error(post(xapi, resource, "doc", {"w": 2}, headers={"If-None-Match": "*"}), 412, "If-None-Match")
    assert get(xapi, resource, "doc").get_json() == {"v": 1}


def test_if_none_match_with_the_current_etag_is_412(xapi, resource):
    """RFC 7232 3.2: If-None-Match listing the current tag fails for PUT."""
    etag = stored(xapi, resource, "doc", {"v": 1})
    assert_error(put(xapi, resource, "doc", {"v": 2}, headers={"If-None-Match": etag}), 412, "If-None-Match")
    assert put(xapi, resource, "doc", {"v": 2}, headers={"If-None-Match": '"other"'}).status_code == 204


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_profile_put_without_preconditions_onto_existing_is_409(client, credential, profile, version):
    """C 3.1; 2.0 checklist 39: PUT with neither header onto an existing profile → 409, a body that says to
    check the document and send If-Match, and no change."""
    xapi = XapiClient(client, credential, version)
    stored(xapi, profile, "doc", {"v": 1})
    response = put(xapi, profile, "doc", {"v": 2})
    assert_error(response, 409, "If-Match")
    assert "If-Match" in response.get_json()["detail"] and "ETag" in response.get_json()["detail"]
    assert get(xapi, profile, "doc").get_json() == {"v": 1}


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_first_put_without_preconditions_is_204(client, credential, resource, version):
    """2.0 checklist 40; interop notes: the first PUT of a new document needs no header (tincan relies on
    it), under both versions."""
    xapi = XapiClient(client, credential, version)
    assert put(xapi, resource, "doc", {"v": 1}).status_code == 204
    assert get(xapi, resource, "doc").get_json() == {"v": 1}


@pytest.mark.parametrize("setting, version, status", [
    ("2.0", "1.0.3", 204), ("2.0", "2.0.0", 409),
    ("always", "1.0.3", 409), ("always", "2.0.0", 409),
    ("never", "1.0.3", 204), ("never", "2.0.0", 204),
])
def test_state_put_without_preconditions_onto_existing_follows_the_setting(app, client, credential, setting,
                                                                           version, status):
    """C 3.1 (State is exempt in 1.0.3) vs 2.0 §3 (409, disputed): LRS_STATE_PUT_PRECONDITION decides."""
    app.config["LRS_STATE_PUT_PRECONDITION"] = setting
    xapi = XapiClient(client, credential, version)
    stored(xapi, STATE, "doc", {"v": 1})
    response = put(xapi, STATE, "doc", {"v": 2})
    assert response.status_code == status, response.get_data(as_text=True)
    assert get(xapi, STATE, "doc").get_json() == ({"v": 2} if status == 204 else {"v": 1})


def test_state_default_setting_is_2_0(app):
    """2.0 §3: the CTS behaviour (409 for State under 2.0) is the default."""
    assert app.config["LRS_STATE_PUT_PRECONDITION"] == "2.0"


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_post_and_delete_without_preconditions_are_204(client, credential, resource, version):
    """2.0 §3 and checklist 41: the LRP-side header rules for POST and DELETE are not enforced."""
    xapi = XapiClient(client, credential, version)
    stored(xapi, resource, "doc", {"v": 1})
    assert post(xapi, resource, "doc", {"w": 2}).status_code == 204
    assert get(xapi, resource, "doc").get_json() == {"v": 1, "w": 2}
    assert delete(xapi, resource, "doc").status_code == 204
    assert get(xapi, resource, "doc").status_code == 404


def test_if_match_and_if_none_match_star_together_is_400(xapi, resource):
    """RFC 2616 14.26 leaves If-Match with If-None-Match undefined; the pair with "*" cannot hold: 400."""
    etag = stored(xapi, resource, "doc", {"v": 1})
    response = put(xapi, resource, "doc", {"v": 2}, headers={"If-Match": etag, "If-None-Match": "*"})
    assert_error(response, 400, "If-None-Match")
    assert get(xapi, resource, "doc").get_json() == {"v": 1}


# -- Last-Modified (C 2.2; 2.0 §3, checklist 34-35) ----------------------------------------------------------

def last_modified(response) -> datetime:
    return parsedate_to_datetime(response.headers["Last-Modified"])


def test_single_get_has_last_modified_that_moves_forward(xapi, resource, clock):
    """C 2.2 Last Modified; 2.0 checklist 34-35: GET has an HTTP-date Last-Modified, later after an update."""
    stored(xapi, resource, "doc", {"v": 1})
    first = get(xapi, resource, "doc")
    assert first.headers["Last-Modified"] == "Fri, 01 Mar 2024 12:00:00 GMT"
    clock.advance(seconds=1, milliseconds=500)
    assert post(xapi, resource, "doc", {"w": 2}).status_code == 204
    second = get(xapi, resource, "doc")
    assert last_modified(second) > last_modified(first)
    assert last_modified(second) == datetime(2024, 3, 1, 12, 0, 1, tzinfo=UTC)


def test_put_with_if_match_moves_last_modified(xapi, resource, clock):
    """C 2.2 Last Modified: a replacement is a modification."""
    etag = stored(xapi, resource, "doc", {"v": 1})
    clock.advance(hours=1)
    assert put(xapi, resource, "doc", {"v": 2}, headers={"If-Match": etag}).status_code == 204
    assert last_modified(get(xapi, resource, "doc")) == T0 + timedelta(hours=1)


def test_id_list_has_the_latest_last_modified(xapi, resource, clock):
    """C 2.2 Last Modified: the list's Last-Modified is when the most recently modified document changed."""
    stored(xapi, resource, "a")
    clock.advance(minutes=2)
    stored(xapi, resource, "b")
    clock.advance(minutes=2)
    assert post(xapi, resource, "a", {"later": True}).status_code == 204
    assert last_modified(get(xapi, resource)) == T0 + timedelta(minutes=4)
    clock.advance(minutes=2)
    stored(xapi, resource, "c")
    assert last_modified(get(xapi, resource)) == T0 + timedelta(minutes=6)


# -- HEAD (C 1.1; 2.0 checklist 44) --------------------------------------------------------------------------

def _same_but_body(head, got) -> None:
    assert head.status_code == got.status_code
    assert head.data == b""
    for name in ("Content-Type", "ETag", "Last-Modified", V):
        assert head.headers.get(name) == got.headers.get(name), name


def test_head_single_document_is_get_without_body(xapi, resource):
    """C 1.1: HEAD answers as GET would, without the body: ETag, Last-Modified, Content-Type, version."""
    stored(xapi, resource, "doc", b"\x00binary\xff", "application/octet-stream")
    _same_but_body(send(xapi, "HEAD", resource, "doc"), get(xapi, resource, "doc"))


def test_head_id_list_is_get_without_body(xapi, resource):
    """C 1.1: HEAD on the id list."""
    stored(xapi, resource, "doc")
    head = send(xapi, "HEAD", resource)
    _same_but_body(head, get(xapi, resource))
    assert head.headers["Last-Modified"]


def test_head_of_a_missing_document_is_404_without_body(xapi, resource):
    """C 1.1: the same status as GET, here 404."""
    head = send(xapi, "HEAD", resource, "missing")
    assert head.status_code == 404 and head.data == b""


@pytest.mark.parametrize("version", ["1.0.3", "2.0.0"])
def test_head_carries_the_version_header(client, credential, resource, version):
    """2.0 checklist 44: HEAD responses carry X-Experience-API-Version."""
    xapi = XapiClient(client, credential, version)
    stored(xapi, resource, "doc")
    assert send(xapi, "HEAD", resource, "doc").headers[V] == version


# -- alternate request syntax (C 1.3) -----------------------------------------------------------------------

def alternate(xapi: XapiClient, res: Resource, method: str, form: dict, version: str = "1.0.3"):
    fields = {"Authorization": basic(xapi.credential), V: version, **form}
    return xapi.client.post(f"/xapi/{res.path}?method={method}", data=urlencode(fields),
                            content_type="application/x-www-form-urlencoded")


def test_alternate_syntax_put_with_form_fields(xapi, resource):
    """C 1.3: POST ?method=PUT; parameters, headers and content as form fields; the content type is the
    Content-Type field; headers in the form are headers."""
    response = alternate(xapi, resource, "PUT", {**resource.params("doc"), "content": '{"alt": "é"}',
                                                 "Content-Type": "application/json"})
    assert response.status_code == 204, response.get_data(as_text=True)
    got = get(xapi, resource, "doc")
    assert got.get_json() == {"alt": "é"}
    assert got.headers["Content-Type"] == "application/json"


def test_alternate_syntax_get_post_delete_and_head(xapi, resource):
    """C 1.3: every method through the form; If-Match as a form field is the If-Match header."""
    etag = stored(xapi, resource, "doc", {"v": 1})
    got = alternate(xapi, resource, "GET", resource.params("doc"))
    assert got.status_code == 200 and got.get_json() == {"v": 1}
    assert got.headers["ETag"] == etag
    merged = alternate(xapi, resource, "POST", {**resource.params("doc"), "content": '{"w": 2}',
                                                "Content-Type": "application/json", "If-Match": etag})
    assert merged.status_code == 204
    assert get(xapi, resource, "doc").get_json() == {"v": 1, "w": 2}
    head = alternate(xapi, resource, "HEAD", resource.params("doc"))
    assert head.status_code == 200 and head.data == b"" and head.headers["ETag"]
    stale = alternate(xapi, resource, "DELETE", {**resource.params("doc"), "If-Match": etag})
    assert stale.status_code == 412
    current_etag = head.headers["ETag"]
    removed = alternate(xapi, resource, "DELETE", {**resource.params("doc"), "If-Match": current_etag})
    assert removed.status_code == 204
    assert get(xapi, resource, "doc").status_code == 404


def test_alternate_syntax_id_list(xapi, resource):
    """C 1.3: GET of the id list through the form."""
    stored(xapi, resource, "doc")
    listed = alternate(xapi, resource, "GET", resource.params())
    assert listed.status_code == 200 and listed.get_json() == ["doc"]


def test_alternate_syntax_parameters_must_be_in_the_form(xapi, resource):
    """C 1.3: only "method" may be in the query string."""
    response = xapi.client.post(f"/xapi/{resource.path}?method=PUT&{urlencode(resource.params('doc'))}",
                                data=urlencode({"Authorization": basic(xapi.credential), V: "1.0.3",
                                                "content": "{}"}),
                                content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert ids_of(xapi, resource) == []


def test_alternate_syntax_is_400_under_2_0(xapi, resource):
    """2.0 §3 alternate request syntax (checklist 43): not part of 2.0 → 400, nothing stored."""
    response = alternate(xapi, resource, "PUT", {**resource.params("doc"), "content": "{}"}, version="2.0.0")
    assert_error(response, 400, "method")
    assert ids_of(xapi, resource) == []


# -- tenancy, scopes and size ------------------------------------------------------------------------------

def test_another_tenant_can_neither_see_nor_change_documents(app, client, xapi, resource):
    """Tenancy: another tenant's credential sees no documents; its writes and deletes touch only its own."""
    etag = stored(xapi, resource, "doc", {"mine": True})
    if resource is STATE:
        stored(xapi, STATE, "other-state")
    stranger = XapiClient(client, issue_credential(app, name="stranger", tenant="other"))
    assert_error(get(stranger, resource, "doc"), 404)
    assert get(stranger, resource).get_json() == []
    assert delete(stranger, resource, "doc").status_code == 204
    assert_error(delete(stranger, resource, "doc", headers={"If-Match": etag}), 412, "If-Match")
    if resource is STATE:
        assert delete(stranger, STATE).status_code == 204
    assert put(stranger, resource, "doc", {"theirs": True}).status_code == 204
    assert get(xapi, resource, "doc").get_json() == {"mine": True}
    assert get(xapi, resource, "doc").headers["ETag"] == etag
    assert get(stranger, resource, "doc").get_json() == {"theirs": True}
    if resource is STATE:
        assert sorted(ids_of(xapi, STATE)) == ["doc", "other-state"]


@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "POST", "DELETE"])
def test_statements_write_credential_is_403(app, client, xapi, resource, method):
    """C 3.2: a credential without the scope for the request → 403 Forbidden; nothing changes."""
    stored(xapi, resource, "doc", {"v": 1})
    writer = XapiClient(client, issue_credential(app, name="writer", scopes=("statements/write",)))
    response = send(writer, method, resource, "doc", b"{}" if method in ("PUT", "POST") else None,
                    "application/json" if method in ("PUT", "POST") else None, headers={"If-Match": "*"})
    assert response.status_code == 403
    if method != "HEAD":
        assert_error(response, 403, "Authorization")
    assert get(xapi, resource, "doc").get_json() == {"v": 1}


def test_all_read_credential_can_get_but_not_write(app, client, xapi, resource):
    """C 4.2 scopes: all/read reads documents and ids; PUT, POST and DELETE → 403 and no change."""
    etag = stored(xapi, resource, "doc", {"v": 1})
    reader = XapiClient(client, issue_credential(app, name="reader", scopes=("all/read",)))
    assert get(reader, resource, "doc").get_json() == {"v": 1}
    assert get(reader, resource).get_json() == ["doc"]
    assert send(reader, "HEAD", resource, "doc").status_code == 200
    assert_error(put(reader, resource, "doc", {"v": 2}, headers={"If-Match": etag}), 403)
    assert_error(post(reader, resource, "doc", {"w": 2}), 403)
    assert_error(delete(reader, resource, "doc"), 403)
    if resource is STATE:
        assert_error(delete(reader, STATE), 403)
    assert get(xapi, resource, "doc").headers["ETag"] == etag


def test_state_and_profile_scopes_cover_their_own_resources(app, client):
    """C 4.2 scopes: "state" reads and writes State only; "profile" the two profile resources only."""
    state_only = XapiClient(client, issue_credential(app, name="state", scopes=("state",)))
    profile_only = XapiClient(client, issue_credential(app, name="profile", scopes=("profile",)))
    assert put(state_only, STATE, "doc", {"v": 1}).status_code == 204
    assert get(state_only, STATE, "doc").status_code == 200
    for res in PROFILES:
        assert_error(put(state_only, res, "doc", {"v": 1}), 403)
        assert_error(get(state_only, res, "doc"), 403)
        assert put(profile_only, res, "doc", {"v": 1}).status_code == 204
        assert get(profile_only, res, "doc").status_code == 200
    assert_error(put(profile_only, STATE, "doc", {"v": 1}), 403)
    assert_error(get(profile_only, STATE), 403)


def test_document_over_the_size_limit_is_413_and_unchanged(app, xapi, resource):
    """C 3.2: a document larger than the LRS allows → 413; nothing is stored or changed."""
    app.config["LRS_MAX_DOCUMENT_BYTES"] = 100
    etag = stored(xapi, resource, "doc", {"v": 1})
    big = orjson.dumps({"big": "x" * 200})
    assert_error(put(xapi, resource, "doc", big, headers={"If-Match": etag}), 413, "body")
    assert_error(post(xapi, resource, "doc", big), 413, "body")
    assert_error(put(xapi, resource, "new", big), 413, "body")
    assert get(xapi, resource, "doc").get_json() == {"v": 1}
    assert ids_of(xapi, resource) == ["doc"]
    exact = orjson.dumps({"fill": "y" * 89})
    assert len(exact) == 100
    assert put(xapi, resource, "exact", exact).status_code == 204


def test_merge_that_would_exceed_the_size_limit_is_413(app, xapi, resource):
    """C 3.2: the stored document after a merge is held to the same limit; unchanged."""
    app.config["LRS_MAX_DOCUMENT_BYTES"] = 100
    etag = stored(xapi, resource, "doc", {"a": "x" * 60})
    assert_error(post(xapi, resource, "doc", {"b": "y" * 60}), 413, "body")
    assert get(xapi, resource, "doc").headers["ETag"] == etag


def test_request_body_over_the_service_limit_is_413(app, xapi, resource):
    """C 3.2: the service-wide body limit (MAX_CONTENT_LENGTH) applies to documents too."""
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = put(xapi, resource, "doc", b"x" * 2048, "text/plain")
    assert_error(response, 413)
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024
    assert ids_of(xapi, resource) == []


def test_no_content_responses_have_no_body_or_content_type(xapi, resource):
    """C 2.3/2.6/2.7: PUT/POST/DELETE return 204 No Content: no body, so no Content-Type either."""
    for response in (put(xapi, resource, "doc", {"v": 1}), post(xapi, resource, "doc", {"w": 1}),
                     delete(xapi, resource, "doc")):
        assert response.status_code == 204
        assert response.data == b""
        assert "Content-Type" not in response.headers
        assert response.headers[V] == "1.0.3"


# -- concurrent writers ----------------------------------------------------------------------------------

def _racing_get(monkeypatch, races: int) -> list[bool]:
    """Make DocumentStore.get see a concurrent update (the row's version moves on) for its first ``races``
    reads of an existing document; returns the record of reads."""
    from sqlalchemy import update

    from lrs.models import Document
    from lrs.xapi.document_store import DocumentStore

    reads: list[bool] = []
    original = DocumentStore.get

    def racing_get(self, key, *, lock=False):
        found = original(self, key, lock=lock)
        reads.append(found is not None)
        if found is not None and len(reads) <= races:
            self.session.execute(update(Document).where(Document.id == found.id)
                                 .values(updated_us=Document.updated_us + 1)
                                 .execution_options(synchronize_session=False))
        return found

    monkeypatch.setattr(DocumentStore, "get", racing_get)
    return reads


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
def test_a_write_that_loses_a_race_reads_again(xapi, resource, monkeypatch, method):
    """C 3.1 / 2.2: a write is checked against the version it read; when another write got in between, the
    LRS reads again instead of overwriting it (no lost merge, no stale If-Match)."""
    etag = stored(xapi, resource, "doc", {"v": 1})
    reads = _racing_get(monkeypatch, races=1)
    response = send(xapi, method, resource, "doc", b'{"w": 2}' if method != "DELETE" else None,
                    "application/json" if method != "DELETE" else None, headers={"If-Match": etag})
    assert response.status_code == 204, response.get_data(as_text=True)
    assert reads == [True, True]
    expected = {"PUT": {"w": 2}, "POST": {"v": 1, "w": 2}, "DELETE": None}[method]
    got = get(xapi, resource, "doc")
    assert (got.get_json() if got.status_code == 200 else None) == expected


def test_a_write_that_keeps_losing_races_is_409_and_unchanged(xapi, resource, monkeypatch):
    """C 3.2: when the document keeps changing under the request, it gives up with 409, changing nothing."""
    etag = stored(xapi, resource, "doc", {"v": 1})
    reads = _racing_get(monkeypatch, races=100)
    assert_error(post(xapi, resource, "doc", {"w": 2}), 409, "body")
    assert len(reads) == 5
    monkeypatch.undo()
    got = get(xapi, resource, "doc")
    assert got.get_json() == {"v": 1} and got.headers["ETag"] == etag
