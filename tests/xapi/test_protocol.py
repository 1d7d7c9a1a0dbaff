"""The HTTP protocol around the Statements resource: versions, auth, scopes, HEAD, CORS, alternate syntax.

Sections cited are of xAPI 1.0.3 Communication (C) and the 2.0 changes document (2.0 §...).
"""

from __future__ import annotations

import base64
from urllib.parse import urlencode

import orjson
import pytest

from tests.conftest import XapiClient, basic, issue_credential, statement

V = "X-Experience-API-Version"


def test_about_answers_without_version_or_credentials(client):
    """C 2.8; 2.0 §4.1.6.7: /about lists 1.0.3 and 2.0.0 and never rejects for the version header."""
    response = client.get("/xapi/about")
    assert response.status_code == 200
    body = response.get_json()
    assert body["version"] == ["1.0.3", "2.0.0"]
    assert response.headers[V] == "1.0.3"
    assert "extensions" in body


@pytest.mark.parametrize("requested, listed", [("1.0.3", ["1.0.3"]), ("1.0.1", ["1.0.3"]),
                                               ("2.0.0", ["1.0.3", "2.0.0"])])
def test_about_lists_what_the_client_version_understands(client, requested, listed):
    """A 1.0 client sees 1.0.3 only (the tincan client rejects unknown versions); 2.0 clients see both."""
    response = client.get("/xapi/about", headers={V: requested})
    assert response.get_json()["version"] == listed


def test_about_head_has_headers_and_no_body(client):
    """C 1.1: HEAD answers like GET without a body."""
    response = client.head("/xapi/about")
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers[V]


@pytest.mark.parametrize("version, served", [
    ("1.0.3", "1.0.3"), ("1.0.2", "1.0.3"), ("1.0.1", "1.0.3"), ("1.0.0", "1.0.3"), ("1.0", "1.0.3"),
    ("2.0.0", "2.0.0"), ("2.0", "2.0.0"),
])
def test_supported_versions_are_served(xapi, version, served):
    """C 3.3 and 2.0 §4.1.7: 1.0.x is served as 1.0.3, 2.0 as 2.0.0; the response carries the version."""
    response = xapi.post(statement(), headers={V: version})
    assert response.status_code == 200, response.get_json()
    assert response.headers[V] == served


@pytest.mark.parametrize("version", ["0.9.5", "0.95", "2.1.0", "3.0.0", "1.1.0", "abc"])
def test_unsupported_versions_are_400_with_version_header(xapi, version):
    """2.0 §4.1.7: reject 2.1.0 and higher and anything below 1.0.0; the error still carries the header."""
    response = xapi.post(statement(), headers={V: version})
    assert response.status_code == 400
    assert response.get_json()["path"] == V
    assert response.headers[V]
    assert xapi.get().get_json()["statements"] == []


@pytest.mark.parametrize("method", ["GET", "POST", "PUT"])
def test_missing_version_header_is_400(xapi, method):
    """C 3.3, 2.0 checklist 7: every request but /about needs the version header."""
    response = xapi.request(method, "statements", json=statement() if method != "GET" else None,
                            params={"statementId": "a6a1b9d2-0a7f-4d1e-8a4f-2f1f6b5f7c1a"} if method == "PUT" else None,
                            headers={V: None})
    assert response.status_code == 400
    assert response.get_json()["path"] == V
    assert response.headers[V]


@pytest.mark.parametrize("authorization", [
    None,
    "Bearer abc",
    "Basic !!!notbase64",
    "Basic " + base64.b64encode(b"no-colon").decode(),
    "Basic " + base64.b64encode(b"unknown:secret").decode(),
    "Basic Og==",
])
def test_bad_credentials_are_401_every_time(xapi, authorization):
    """C 4.0 and interop notes: wrong or malformed credentials get 401, always, with a JSON body."""
    for _ in range(3):
        response = xapi.post(statement(), headers={"Authorization": authorization})
        assert response.status_code == 401
        assert response.get_json()["error"] == "unauthorized"
        assert "WWW-Authenticate" in response.headers


def test_wrong_secret_is_401(xapi):
    creds = xapi.credential
    header = "Basic " + base64.b64encode(f"{creds.key}:{creds.secret}x".encode()).decode()
    assert xapi.post(statement(), headers={"Authorization": header}).status_code == 401


def test_revoked_credential_is_401(app, xapi, runner):
    result = runner.invoke(args=["credentials", "revoke", xapi.credential.key])
    assert result.exit_code == 0, result.output
    assert xapi.post(statement()).status_code == 401


@pytest.mark.parametrize("scopes, post, get", [
    (("statements/write",), 200, 403),
    (("statements/read",), 403, 200),
    (("all/read",), 403, 200),
    (("statements/read/mine",), 403, 200),
    (("state",), 403, 403),
    (("profile", "define"), 403, 403),
    (("all",), 200, 200),
])
def test_scopes_are_enforced(app, client, scopes, post, get):
    """C 4.0 (authorization scopes): each request needs a scope that permits it; 403 otherwise."""
    limited = XapiClient(client, issue_credential(app, name="limited", scopes=scopes))
    assert limited.post(statement()).status_code == post
    assert limited.get().status_code == get


def test_read_mine_sees_only_own_statements(app, client, xapi):
    writer = XapiClient(client, issue_credential(app, name="w", scopes=("statements/write", "statements/read/mine")))
    mine = writer.store(statement())
    theirs = xapi.store(statement())
    ids = [s["id"] for s in writer.get().get_json()["statements"]]
    assert ids == [mine]
    assert writer.get({"statementId": theirs}).status_code == 404


def test_credential_is_the_authority(xapi):
    """Data 2.4.9: the LRS sets the authority from the credential, replacing what the client sent."""
    sent = statement(authority={"objectType": "Agent", "mbox": "mailto:forged@example.com"})
    got = xapi.fetch(xapi.store(sent))
    assert got["authority"]["account"]["name"] == xapi.credential.key
    assert got["authority"]["name"] == xapi.credential.name


def test_tenants_do_not_see_each_other(app, client, xapi):
    other = XapiClient(client, issue_credential(app, name="other", tenant="other"))
    sid = xapi.store(statement())
    assert other.get({"statementId": sid}).status_code == 404
    assert other.get().get_json()["statements"] == []
    # The same id may exist in both tenants without conflict.
    assert other.put(statement(id=sid), sid).status_code == 204


def test_head_statements_is_get_without_body(xapi):
    """C 1.1: HEAD on the Statements resource answers like GET, without the body."""
    sid = xapi.store(statement())
    get = xapi.get({"statementId": sid})
    head = xapi.request("HEAD", "statements", params={"statementId": sid})
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["Last-Modified"] == get.headers["Last-Modified"]
    assert head.headers["X-Experience-API-Consistent-Through"]
    assert xapi.request("HEAD", "statements", params={"statementId": "c0a7e3f4-6b43-4e0a-9f55-5b8c1f8e9d10"}
                        ).status_code == 404


def test_cors_preflight_and_exposed_headers(client, xapi):
    """C 1.3 (cross-origin requests): browsers can call the LRS from any origin."""
    preflight = client.options("/xapi/statements", headers={
        "Origin": "https://course.example.com", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Authorization, X-Experience-API-Version, Content-Type"})
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] in ("*", "https://course.example.com")
    allowed = preflight.headers["Access-Control-Allow-Headers"].lower()
    assert "x-experience-api-version" in allowed and "authorization" in allowed
    response = xapi.get(headers={"Origin": "https://course.example.com"})
    assert "x-experience-api-consistent-through" in response.headers["Access-Control-Expose-Headers"].lower()


def _alternate(xapi: XapiClient, method: str, form: dict, version: str = "1.0.3"):
    fields = {"Authorization": basic(xapi.credential), V: version, **form}
    return xapi.client.post(f"/xapi/statements?method={method}", data=urlencode(fields),
                            content_type="application/x-www-form-urlencoded", headers={})


def test_alternate_syntax_put_and_get(xapi):
    """C 1.3: POST with ?method=, headers and parameters as form fields, content URL-encoded."""
    sid = "d3b3c2aa-7a1e-4d36-9b55-0d8f5f0b9c11"
    response = _alternate(xapi, "PUT", {"statementId": sid, "Content-Type": "application/json",
                                        "content": orjson.dumps(statement()).decode()})
    assert response.status_code == 204, response.get_json()
    got = _alternate(xapi, "GET", {"statementId": sid})
    assert got.status_code == 200
    assert got.get_json()["id"] == sid
    query = _alternate(xapi, "GET", {"verb": "http://adlnet.gov/expapi/verbs/completed"})
    assert [s["id"] for s in query.get_json()["statements"]] == [sid]


def test_alternate_syntax_post_stores(xapi):
    response = _alternate(xapi, "POST", {"content": orjson.dumps([statement(), statement()]).decode()})
    assert response.status_code == 200
    assert len(response.get_json()) == 2


def test_alternate_syntax_rejects_other_query_parameters(xapi):
    response = xapi.client.post("/xapi/statements?method=GET&limit=1",
                                data=urlencode({"Authorization": basic(xapi.credential), V: "1.0.3"}),
                                content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert response.get_json()["path"] == "limit"


def test_alternate_syntax_is_not_part_of_2_0(xapi):
    """2.0 changes §3: the alternate syntax is gone; a 2.0 request using it is 400."""
    response = _alternate(xapi, "GET", {}, version="2.0.0")
    assert response.status_code == 400


def test_alternate_syntax_needs_credentials(xapi):
    response = xapi.client.post("/xapi/statements?method=GET", data=urlencode({V: "1.0.3"}),
                                content_type="application/x-www-form-urlencoded")
    assert response.status_code == 401


def test_unknown_path_and_method_are_json(client, xapi):
    assert client.get("/xapi/nothing-here").get_json()["error"] == "not_found"
    response = xapi.request("DELETE", "statements")
    assert response.status_code == 405
    assert response.get_json()["error"] == "method_not_allowed"


def test_error_paths_of_a_single_statement_start_at_the_root(xapi):
    """A single statement (not an array) is named from $, an array's members from $[i]."""
    bad = statement(verb={"id": "not an iri"})
    assert xapi.post(bad).get_json()["path"] == "$.verb.id"
    assert xapi.post([statement(), bad]).get_json()["path"] == "$[1].verb.id"
    assert xapi.put(bad, "6f1c8a36-28a5-4c8e-9f0f-3c1b7c1a2b3c").get_json()["path"] == "$.verb.id"


def test_head_content_length_matches_get(xapi):
    """RFC 9110 9.3.2: HEAD's Content-Length, when sent, is what GET would send."""
    sid = xapi.store(statement())
    get = xapi.get({"statementId": sid})
    head = xapi.request("HEAD", "statements", params={"statementId": sid})
    assert head.headers["Content-Length"] == get.headers["Content-Length"] != "0"
