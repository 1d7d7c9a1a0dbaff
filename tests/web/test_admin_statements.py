"""/admin/statements: the tenant's statements with the xAPI query's filters, each with its JSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import XapiClient, issue_credential, statement
from tests.web.conftest import log_in_as

PASSED = "http://adlnet.gov/expapi/verbs/passed"


def _page(client, **params):
    response = client.get("/admin/statements", query_string=params)
    return response.status_code, response.get_data(as_text=True)


def test_the_newest_statements_come_first_with_their_json(app, client, seed):
    log_in_as(app, client, seed.users["admin"])
    status, page = _page(client)
    assert status == 200
    assert "Intro to Python" in page and "Cryptography basics" in page and "gave kudos to" in page
    assert "&#34;actor&#34;" in page and "<details><summary>JSON" in page
    assert "Acme" not in page


@pytest.mark.parametrize(("params", "present", "absent"), [
    ({"agent": "mailto:ada@example.com"}, "Intro to Python", "Cryptography basics"),
    ({"agent": '{"mbox": "mailto:alan@example.com"}'}, "Cryptography basics", "Intro to Python"),
    ({"activity": "http://courses.example.com/crypto"}, "Cryptography basics", "Intro to Python"),
    ({"verb": "http://id.tincanapi.com/verb/earned"}, "Safety induction", "Intro to Python"),
])
def test_filters_are_the_xapi_querys(app, client, seed, params, present, absent):
    log_in_as(app, client, seed.users["admin"])
    status, page = _page(client, **params)
    assert status == 200 and present in page and absent not in page


def test_since_and_until_bound_when_statements_were_stored(app, client, seed):
    log_in_as(app, client, seed.users["admin"])
    soon = (datetime.now(UTC) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    assert "0 statements on this page" in _page(client, since=soon)[1]
    assert "Intro to Python" in _page(client, until=soon)[1]
    assert "Intro to Python" in _page(client, since="2020-01-01")[1]


@pytest.mark.parametrize(("params", "message"), [
    ({"agent": "ada@example.com"}, "give the agent as JSON"), ({"verb": "not an iri"}, "verb must be an IRI"),
    ({"since": "yesterday"}, "since must be an ISO 8601 timestamp"), ({"more": "garbage"}, "the &#39;more&#39; token"),
])
def test_a_bad_filter_is_explained(app, client, seed, params, message):
    log_in_as(app, client, seed.users["admin"])
    status, page = _page(client, **params)
    assert status == 400 and message in page and 'role="alert"' in page


def test_pages_of_25_follow_each_other(app, client, seed):
    xapi = XapiClient(client, issue_credential(app, name="bulk"))
    xapi.post([statement(actor={"mbox": "mailto:bulk@example.com"}, verb={"id": PASSED},
                         object={"id": f"http://quiz.example.com/{n}"}) for n in range(30)])
    log_in_as(app, client, seed.users["admin"])
    status, first = _page(client, verb=PASSED)
    assert status == 200 and first.count("<li>\n    <p><time") == 25 and "Older statements" in first
    token = first.split("/admin/statements?more=")[1].split('"')[0]
    _, second = _page(client, more=token)
    assert second.count("<li>\n    <p><time") == 5 and "Older statements" not in second
    assert "http://quiz.example.com/0" in second and "http://quiz.example.com/29" in first


def test_what_statements_say_is_escaped(app, client, seed):
    xapi = XapiClient(client, issue_credential(app, name="hostile"))
    xapi.store(statement(actor={"mbox": "mailto:eve@example.com", "name": "<script>alert(1)</script>"}))
    log_in_as(app, client, seed.users["admin"])
    _, page = _page(client)
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
