"""The document resources, Activities and Agents on the real server, driven by ``tincan.RemoteLRS`` (1.0.3)
and by plain HTTP.

Every test makes its own agents and activities (a fresh UUID in each), so that tests sharing one server and
one database for the session never see each other's documents.

tincan quirks these tests live with: ``save_state`` sends its PUT twice (so a State PUT without preconditions
onto an existing document must succeed under 1.0.3); it never sends a registration when saving; it never
reads the ETag of a document it retrieves (it looks the headers up under names they do not have), so the
tests copy the ETag over themselves; and it sends text as Latin-1 and decodes what it reads as UTF-8, so
binary documents go through plain HTTP.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
import requests
from tincan import (
    Activity,
    ActivityDefinition,
    ActivityProfileDocument,
    Agent,
    AgentProfileDocument,
    LanguageMap,
    RemoteLRS,
    StateDocument,
    Statement,
    Verb,
)

pytestmark = pytest.mark.e2e

V103 = {"X-Experience-API-Version": "1.0.3"}
STATE = "activities/state"


def http(live_server, method: str, resource: str, params: dict, data: bytes | None = None,
         content_type: str | None = None, headers: dict | None = None, auth: bool = True):
    """One plain HTTP request to the live server, as a 1.0.3 client with the server's credential."""
    sent = {**V103, **({"Content-Type": content_type} if content_type else {}), **(headers or {})}
    return requests.request(method, f"{live_server.endpoint}{resource}", params=params, data=data,
                            headers=sent, auth=live_server.auth if auth else None, timeout=30)


@pytest.fixture
def lrs(live_server) -> RemoteLRS:
    return RemoteLRS(endpoint=live_server.endpoint, version="1.0.3", username=live_server.key,
                     password=live_server.secret)


def agent() -> Agent:
    tag = uuid.uuid4().hex
    return Agent(name=f"Learner {tag[:8]}", mbox=f"mailto:{tag}@example.com")


def activity() -> Activity:
    return Activity(id=f"http://example.com/e2e/documents/{uuid.uuid4().hex}")


def ok(response):
    assert response.success, f"{response.response.status}: {response.data!r}"
    return response.content


def status(response) -> int:
    return response.response.status


def etag(response) -> str:
    return response.response.getheader("ETag")


# -- State (C 2.3) ------------------------------------------------------------------------------------------

def test_save_retrieve_and_delete_state(lrs):
    learner, course = agent(), activity()
    state = StateDocument(id="bookmark", activity=course, agent=learner, content_type="application/json",
                          content=json.dumps({"page": 3}))
    ok(lrs.save_state(state))  # tincan PUTs twice: the second is a PUT without headers onto the document
    got = lrs.retrieve_state(course, learner, "bookmark")
    assert status(got) == 200
    assert json.loads(bytes(ok(got).content)) == {"page": 3}
    assert etag(got) == '"' + hashlib.sha1(json.dumps({"page": 3}).encode()).hexdigest() + '"'
    assert got.response.getheader("Last-Modified")

    state.etag = etag(got)
    ok(lrs.delete_state(state))
    gone = lrs.retrieve_state(course, learner, "bookmark")
    assert status(gone) == 404


def test_state_overwrite_under_1_0_3_needs_no_precondition(lrs):
    """C 3.1: under 1.0.3 State PUTs need no concurrency headers; the new contents replace the old."""
    learner, course = agent(), activity()
    for page in (1, 2):
        ok(lrs.save_state(StateDocument(id="bookmark", activity=course, agent=learner,
                                        content_type="application/json", content=json.dumps({"page": page}))))
    assert json.loads(bytes(ok(lrs.retrieve_state(course, learner, "bookmark")).content)) == {"page": 2}


def test_binary_state_round_trips(live_server):
    """C 2.2: arbitrary bytes, stored byte-exact (tincan can neither send nor read non-UTF-8 bytes)."""
    params = {"activityId": activity().id, "agent": agent().to_json("1.0.3"), "stateId": "blob"}
    payload = bytes(range(256))
    response = http(live_server, "PUT", STATE, params, payload, "application/octet-stream")
    assert response.status_code == 204, response.text
    got = http(live_server, "GET", STATE, params)
    assert got.content == payload
    assert got.headers["Content-Type"] == "application/octet-stream"
    assert got.headers["ETag"] == '"' + hashlib.sha1(payload).hexdigest() + '"'


def test_text_state_round_trips_through_tincan(lrs):
    """C 2.2: any content type comes back as sent (ASCII only: tincan sends text bodies as Latin-1)."""
    learner, course = agent(), activity()
    ok(lrs.save_state(StateDocument(id="note", activity=course, agent=learner, content="suspend data: a1b2",
                                    content_type="text/plain; charset=us-ascii")))
    got = lrs.retrieve_state(course, learner, "note")
    assert bytes(ok(got).content) == b"suspend data: a1b2"
    assert got.response.getheader("Content-Type") == "text/plain; charset=us-ascii"


def test_state_ids_since_and_clear_state(lrs):
    learner, course = agent(), activity()
    for state_id in ("a", "b"):
        ok(lrs.save_state(StateDocument(id=state_id, activity=course, agent=learner, content="x",
                                        content_type="text/plain")))
    assert sorted(ok(lrs.retrieve_state_ids(course, learner))) == ["a", "b"]
    later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    assert ok(lrs.retrieve_state_ids(course, learner, since=later)) == []
    earlier = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    assert sorted(ok(lrs.retrieve_state_ids(course, learner, since=earlier))) == ["a", "b"]

    other = activity()
    ok(lrs.save_state(StateDocument(id="kept", activity=other, agent=learner, content="y",
                                    content_type="text/plain")))
    ok(lrs.clear_state(course, learner))
    assert ok(lrs.retrieve_state_ids(course, learner)) == []
    assert ok(lrs.retrieve_state_ids(other, learner)) == ["kept"]


def test_state_with_registration_over_http(live_server, lrs):
    """tincan does not send a registration when saving, so this one goes over plain HTTP; tincan reads it."""
    learner, course, registration = agent(), activity(), str(uuid.uuid4())
    params = {"activityId": course.id, "agent": learner.to_json("1.0.3"), "stateId": "progress",
              "registration": registration}
    response = http(live_server, "PUT", STATE, params, b'{"step": 4}', "application/json")
    assert response.status_code == 204, response.text
    got = lrs.retrieve_state(course, learner, "progress", registration=registration)
    assert json.loads(bytes(ok(got).content)) == {"step": 4}
    assert status(lrs.retrieve_state(course, learner, "progress")) == 404
    assert ok(lrs.retrieve_state_ids(course, learner, registration=registration)) == ["progress"]
    ok(lrs.clear_state(course, learner, registration=registration))
    assert ok(lrs.retrieve_state_ids(course, learner)) == []


# -- Activity Profile (C 2.7) -------------------------------------------------------------------------------

def test_save_retrieve_and_delete_activity_profile(lrs):
    course = activity()
    profile = ActivityProfileDocument(id="settings", activity=course, content_type="application/json",
                                      content=json.dumps({"difficulty": "hard"}))
    ok(lrs.save_activity_profile(profile))  # a new document: no precondition needed
    assert ok(lrs.retrieve_activity_profile_ids(course)) == ["settings"]
    got = lrs.retrieve_activity_profile(course, "settings")
    assert json.loads(bytes(ok(got).content)) == {"difficulty": "hard"}

    profile.content = json.dumps({"difficulty": "easy"})
    conflict = lrs.save_activity_profile(profile)  # no ETag: a PUT onto an existing profile is 409
    assert not conflict.success and status(conflict) == 409

    profile.etag = etag(got)
    ok(lrs.save_activity_profile(profile))
    updated = lrs.retrieve_activity_profile(course, "settings")
    assert json.loads(bytes(ok(updated).content)) == {"difficulty": "easy"}

    stale = lrs.delete_activity_profile(profile)  # the ETag read before the update
    assert not stale.success and status(stale) == 412
    profile.etag = etag(updated)
    ok(lrs.delete_activity_profile(profile))
    assert ok(lrs.retrieve_activity_profile_ids(course)) == []
    assert status(lrs.retrieve_activity_profile(course, "settings")) == 404


def test_activity_profile_ids_since(lrs):
    course = activity()
    ok(lrs.save_activity_profile(ActivityProfileDocument(id="one", activity=course, content="1",
                                                         content_type="text/plain")))
    later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    assert ok(lrs.retrieve_activity_profile_ids(course, since=later)) == []
    assert ok(lrs.retrieve_activity_profile_ids(course, since="2000-01-01T00:00:00Z")) == ["one"]


# -- Agent Profile (C 2.6) ----------------------------------------------------------------------------------

def test_save_retrieve_and_delete_agent_profile(lrs):
    learner = agent()
    profile = AgentProfileDocument(id="preferences", agent=learner, content_type="application/json",
                                   content=json.dumps({"language": "fr"}))
    ok(lrs.save_agent_profile(profile))
    assert ok(lrs.retrieve_agent_profile_ids(learner)) == ["preferences"]
    got = lrs.retrieve_agent_profile(learner, "preferences")
    assert json.loads(bytes(ok(got).content)) == {"language": "fr"}

    profile.content = json.dumps({"language": "de"})
    assert status(lrs.save_agent_profile(profile)) == 409
    profile.etag = etag(got)
    ok(lrs.save_agent_profile(profile))
    updated = lrs.retrieve_agent_profile(learner, "preferences")
    assert json.loads(bytes(ok(updated).content)) == {"language": "de"}

    profile.etag = etag(updated)
    ok(lrs.delete_agent_profile(profile))
    assert ok(lrs.retrieve_agent_profile_ids(learner)) == []


def test_agent_profile_ids_since(lrs):
    learner = agent()
    ok(lrs.save_agent_profile(AgentProfileDocument(id="p", agent=learner, content="x",
                                                   content_type="text/plain")))
    later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    assert ok(lrs.retrieve_agent_profile_ids(learner, since=later)) == []
    assert ok(lrs.retrieve_agent_profile_ids(learner, since="2000-01-01T00:00:00Z")) == ["p"]


def test_about(lrs):
    assert "1.0.3" in ok(lrs.about()).version


# -- plain HTTP: merge, Last-Modified, HEAD, concurrency, Activities, Agents ---------------------------------

def _state_params(**extra) -> dict:
    return {"activityId": activity().id, "agent": agent().to_json("1.0.3"), "stateId": "doc", **extra}


def test_merge_and_last_modified_over_http(live_server):
    """C 2.2 JSON merge; 2.0 checklist 35: a merge 1.5 s later moves Last-Modified forward."""
    params = _state_params()
    assert http(live_server, "POST", STATE, params, b'{"x": 1}', "application/json").status_code == 204
    before = http(live_server, "GET", STATE, params)
    time.sleep(1.5)
    assert http(live_server, "POST", STATE, params, b'{"y": 2}', "application/json").status_code == 204
    after = http(live_server, "GET", STATE, params)
    assert after.json() == {"x": 1, "y": 2}
    assert parsedate_to_datetime(after.headers["Last-Modified"]) > parsedate_to_datetime(
        before.headers["Last-Modified"])


def test_head_on_a_document_over_http(live_server):
    """C 1.1: HEAD through the real server: GET's headers, no body, and the connection does not hang."""
    params = _state_params()
    assert http(live_server, "PUT", STATE, params, b"hello", "text/plain").status_code == 204
    got = http(live_server, "GET", STATE, params)
    head = http(live_server, "HEAD", STATE, params)
    assert head.status_code == 200 and head.content == b""
    for name in ("ETag", "Last-Modified", "Content-Type", "X-Experience-API-Version"):
        assert head.headers.get(name) == got.headers.get(name)


def test_concurrent_merges_into_one_document_all_land(live_server):
    """C 2.2 / 3.1: concurrent POST merges to one document each add their property; none is lost."""
    params = _state_params()

    def merge(n: int) -> int:
        return http(live_server, "POST", STATE, params, json.dumps({f"k{n}": n}).encode(),
                    "application/json").status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(merge, range(24)))
    assert codes == [204] * 24
    assert http(live_server, "GET", STATE, params).json() == {f"k{n}": n for n in range(24)}


def test_concurrent_if_match_writers_exactly_one_wins(live_server):
    """C 3.1: writers racing with the same If-Match: one 204, the rest 412; the winner's contents stay."""
    params = _state_params()
    assert http(live_server, "PUT", STATE, params, b'{"v": 0}', "application/json").status_code == 204
    tag = http(live_server, "GET", STATE, params).headers["ETag"]

    def write(n: int) -> tuple[int, int]:
        response = http(live_server, "PUT", STATE, params, json.dumps({"v": n}).encode(), "application/json",
                        headers={"If-Match": tag})
        return n, response.status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(write, range(1, 13)))
    winners = [n for n, code in results if code == 204]
    assert len(winners) == 1, results
    assert sorted(code for _, code in results) == [204] + [412] * 11
    assert http(live_server, "GET", STATE, params).json() == {"v": winners[0]}


def test_activities_resource_over_http(live_server, lrs):
    """C 2.5: the definition from a stored statement; an unknown activity → the bare Activity object."""
    course = activity()
    course.definition = ActivityDefinition(name=LanguageMap({"en-US": "E2E course"}))
    ok(lrs.save_statement(Statement(actor=agent(), verb=Verb(id="http://adlnet.gov/expapi/verbs/completed"),
                                    object=course)))
    known = http(live_server, "GET", "activities", {"activityId": course.id})
    assert known.status_code == 200
    assert known.json() == {"objectType": "Activity", "id": course.id,
                            "definition": {"name": {"en-US": "E2E course"}}}
    unknown_id = activity().id
    unknown = http(live_server, "GET", "activities", {"activityId": unknown_id})
    assert unknown.json() == {"objectType": "Activity", "id": unknown_id}
    head = http(live_server, "HEAD", "activities", {"activityId": unknown_id})
    assert head.status_code == 200 and head.content == b""
    bad = http(live_server, "GET", "activities", {"activityId": "not an iri"})
    assert bad.status_code == 400 and bad.json()["path"] == "activityId"


def test_agents_resource_over_http(live_server):
    """C 2.4: a Person object with array properties for the requested agent."""
    learner = agent()
    response = http(live_server, "GET", "agents", {"agent": learner.to_json("1.0.3")})
    assert response.status_code == 200
    assert response.json() == {"objectType": "Person", "name": [learner.name], "mbox": [learner.mbox]}
    group = json.dumps({"objectType": "Group", "mbox": learner.mbox})
    bad = http(live_server, "GET", "agents", {"agent": group})
    assert bad.status_code == 400 and bad.json()["path"] == "agent.objectType"
    anonymous = http(live_server, "GET", "agents", {"agent": learner.to_json("1.0.3")}, auth=False)
    assert anonymous.status_code == 401
