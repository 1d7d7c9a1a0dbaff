"""The real server driven by a real client: ``tincan.RemoteLRS`` (xAPI 1.0.3), plus plain HTTP checks.

Every test makes its own agents and activities (a fresh UUID in each), so that tests sharing one server
and one database for the session never see each other's statements through their filters.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from tincan import Activity, Agent, LanguageMap, RemoteLRS, Statement, StatementRef, Verb

pytestmark = pytest.mark.e2e

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
ATTEMPTED = "http://adlnet.gov/expapi/verbs/attempted"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"
V103 = {"X-Experience-API-Version": "1.0.3"}


@pytest.fixture
def lrs(live_server) -> RemoteLRS:
    return RemoteLRS(endpoint=live_server.endpoint, version="1.0.3", username=live_server.key,
                     password=live_server.secret)


def agent(tag: str | None = None) -> Agent:
    tag = tag or uuid.uuid4().hex
    return Agent(name=f"Learner {tag[:8]}", mbox=f"mailto:{tag}@example.com")


def verb(iri: str = COMPLETED) -> Verb:
    return Verb(id=iri, display=LanguageMap({"en-US": iri.rsplit("/", 1)[-1]}))


def activity(tag: str | None = None) -> Activity:
    return Activity(id=f"http://example.com/e2e/activities/{tag or uuid.uuid4().hex}")


def make(actor: Agent | None = None, iri: str = COMPLETED, target: Activity | None = None) -> Statement:
    return Statement(actor=actor or agent(), verb=verb(iri), object=target or activity())


def ok(response):
    """The response's content, failing with the status and body when the request did not succeed."""
    assert response.success, f"{response.response.status}: {response.data!r}"
    return response.content


def all_pages(lrs: RemoteLRS, query: dict, limit: int) -> list[list[Statement]]:
    """Every page of a query, following ``more`` until the LRS gives no more link."""
    result = ok(lrs.query_statements({**query, "limit": limit}))
    pages = [result.statements]
    while result.more:
        assert len(pages) < 100, "the more links do not come to an end"
        result = ok(lrs.more_statements(result))
        pages.append(result.statements)
    return pages


def test_about_lists_a_version_tincan_knows(lrs):
    about = ok(lrs.about())
    assert "1.0.3" in about.version


def test_save_statement_then_retrieve_it_by_id(lrs):
    saved = ok(lrs.save_statement(make()))
    assert saved.id is not None
    got = ok(lrs.retrieve_statement(str(saved.id)))
    assert got.id == saved.id
    assert got.actor.mbox == saved.actor.mbox
    assert got.verb.id == COMPLETED
    assert got.object.id == saved.object.id
    assert got.stored is not None and got.authority is not None


def test_save_statement_with_its_own_id_uses_put(lrs):
    statement_id = uuid.uuid4()
    saved = ok(lrs.save_statement(Statement(id=statement_id, actor=agent(), verb=verb(), object=activity())))
    assert saved.id == statement_id
    assert ok(lrs.retrieve_statement(str(statement_id))).id == statement_id


def test_save_statements_assigns_ids_in_order(lrs):
    learner = agent()
    targets = [activity() for _ in range(5)]
    saved = ok(lrs.save_statements([make(learner, target=t) for t in targets]))
    ids = [s.id for s in saved]
    assert None not in ids and len(set(ids)) == 5
    for statement_id, target in zip(ids, targets, strict=True):
        assert ok(lrs.retrieve_statement(str(statement_id))).object.id == target.id


def test_query_filters_and_more_links_return_each_statement_once(lrs):
    learner, course = agent(), activity()
    older = ok(lrs.save_statements([make(learner, target=course) for _ in range(3)]))
    since = ok(lrs.retrieve_statement(str(older[-1].id))).stored
    wanted = []
    for _ in range(3):
        wanted += [s.id for s in ok(lrs.save_statements([make(learner, target=course) for _ in range(8)]))]
    # Noise that each filter must leave out.
    ok(lrs.save_statements([make(learner, ATTEMPTED, course), make(learner, target=activity()),
                            make(agent(), target=course)]))

    query = {"agent": learner, "verb": verb(), "activity": course, "since": since.isoformat()}
    pages = all_pages(lrs, query, limit=5)

    seen = [s.id for page in pages for s in page]
    assert len(seen) == len(set(seen)), "a statement was returned twice"
    assert sorted(seen, key=str) == sorted(wanted, key=str)
    assert all(len(page) == 5 for page in pages[:-1]) and len(pages[-1]) <= 5
    assert len(pages) >= 5


def test_more_links_stay_stable_while_statements_arrive(lrs):
    learner = agent()
    first = [s.id for s in ok(lrs.save_statements([make(learner) for _ in range(6)]))]
    result = ok(lrs.query_statements({"agent": learner, "limit": 4}))
    seen = [s.id for s in result.statements]
    ok(lrs.save_statements([make(learner) for _ in range(3)]))
    while result.more:
        result = ok(lrs.more_statements(result))
        seen += [s.id for s in result.statements]
    assert sorted(seen, key=str) == sorted(first, key=str)


def test_voided_statement_is_retrieved_only_as_voided(lrs):
    target = ok(lrs.save_statement(make()))
    voiding = Statement(actor=agent(), verb=verb(VOIDED), object=StatementRef(id=target.id))
    ok(lrs.save_statement(voiding))

    voided = ok(lrs.retrieve_voided_statement(str(target.id)))
    assert voided.id == target.id
    plain = lrs.retrieve_statement(str(target.id))
    assert not plain.success and plain.response.status == 404


# -- plain HTTP ----------------------------------------------------------------------------------------------

def body(learner: str, course: str) -> dict:
    return {
        "actor": {"objectType": "Agent", "mbox": f"mailto:{learner}@example.com"},
        "verb": {"id": COMPLETED, "display": {"en-US": "completed"}},
        "object": {"objectType": "Activity", "id": f"http://example.com/e2e/activities/{course}"},
    }


@pytest.mark.parametrize("case", ["wrong-secret", "unknown-key", "no-credentials"])
def test_post_with_wrong_credentials_is_401(live_server, case):
    auth = {"wrong-secret": (live_server.key, "not-the-secret"), "unknown-key": ("no-such-key", "secret"),
            "no-credentials": None}[case]
    response = requests.post(f"{live_server.endpoint}statements", json=body("ada", uuid.uuid4().hex),
                             auth=auth, headers=V103, timeout=10)
    assert response.status_code == 401, response.text
    assert response.headers.get("X-Experience-API-Version") == "1.0.3"


def test_concurrent_batches_over_shared_agents_and_activities_all_succeed(live_server):
    """Several threads, each POSTing a batch of 50 that mentions the same agents and activities."""
    tag = uuid.uuid4().hex
    learners = [f"{tag}-{n}" for n in range(5)]
    courses = [f"{tag}/{n}" for n in range(5)]
    batches = [[body(learners[(b + i) % 5], courses[i % 5]) for i in range(50)] for b in range(8)]

    def post(batch):
        return requests.post(f"{live_server.endpoint}statements", json=batch, auth=live_server.auth,
                             headers=V103, timeout=30)

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(post, batches))

    failures = [f"{r.status_code}: {r.text}" for r in responses if r.status_code != 200]
    assert not failures, failures
    ids = [i for r in responses for i in r.json()]
    assert len(set(ids)) == 400
    stored = []
    for course in courses:
        url = f"{live_server.endpoint}statements"
        params = {"activity": f"http://example.com/e2e/activities/{course}", "format": "ids"}
        while url:
            page = requests.get(url, params=params, auth=live_server.auth, headers=V103, timeout=10)
            assert page.status_code == 200, page.text
            stored += [s["id"] for s in page.json()["statements"]]
            more = page.json()["more"]
            url, params = (live_server.base_url + more, None) if more else (None, None)
    assert sorted(stored) == sorted(ids)
