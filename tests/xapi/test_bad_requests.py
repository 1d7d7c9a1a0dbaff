"""Malformed requests to the Statements resource: each a 4xx with a JSON body naming the problem, nothing stored.

Sections: Communication (C) 1.3 alternate syntax, 1.5 content types, 2.1 Statement resource, 3.2 errors,
3.3 versioning, 4.0 authentication; xAPI 2.0 changes (2.0) §3 "Parameters that are unknown or differ only
in case → 400".
"""

from __future__ import annotations

import base64

import orjson
import pytest

from tests.conftest import statement

SID = "f1b1c3d4-1111-4a2b-8c3d-0123456789ab"
GOOD = orjson.dumps(statement())
AGENT = orjson.dumps({"mbox": "mailto:ada@example.com"}).decode()

# (id, method, params, headers, body, content type, status, path named in the error)
CASES = [
    ("no-version-header", "POST", None, {"X-Experience-API-Version": None}, GOOD, "application/json", 400,
     "X-Experience-API-Version"),  # C 3.3
    ("version-0.9", "POST", None, {"X-Experience-API-Version": "0.9"}, GOOD, "application/json", 400,
     "X-Experience-API-Version"),  # C 3.3
    ("version-2.1", "GET", None, {"X-Experience-API-Version": "2.1.0"}, None, None, 400,
     "X-Experience-API-Version"),  # 2.0 §4.1.7
    ("text-plain-body", "POST", None, {}, GOOD, "text/plain", 400, "Content-Type"),  # C 1.5
    ("no-content-type", "POST", None, {}, GOOD, "", 400, "Content-Type"),  # C 1.5
    ("form-body-without-method", "POST", None, {}, b"a=b", "application/x-www-form-urlencoded", 400,
     "Content-Type"),  # C 1.3 only with ?method=
    ("bad-json", "POST", None, {}, b'{"actor": ', "application/json", 400, "body"),  # C 3.2
    ("not-utf8-json", "POST", None, {}, b'{"actor": "\xff"}', "application/json", 400, "body"),  # C 1.4
    ("empty-body", "POST", None, {}, b"", "application/json", 400, "body"),  # C 2.1.2
    ("json-string-body", "POST", None, {}, b'"statement"', "application/json", 400, "$"),  # C 2.1.2
    ("empty-array", "POST", None, {}, b"[]", "application/json", 400, "$"),  # C 2.1.2
    ("array-of-numbers", "POST", None, {}, b"[1, 2]", "application/json", 400, "$[0]"),  # Data 2.2
    ("multipart-without-boundary", "POST", None, {}, GOOD, "multipart/mixed", 400, "Content-Type"),  # C 1.5.2
    ("unknown-query-parameter", "GET", {"colour": "red"}, {}, None, None, 400, "colour"),  # 2.0 §3
    ("parameter-case-differs", "GET", {"StatementId": SID}, {}, None, None, 400, "StatementId"),  # 2.0 §3
    ("both-ids", "GET", {"statementId": SID, "voidedStatementId": SID}, {}, None, None, 400,
     "voidedStatementId"),  # C 2.1.3
    ("id-with-filter", "GET", {"statementId": SID, "verb": "http://x.example/v"}, {}, None, None, 400,
     "verb"),  # C 2.1.3
    ("statementId-not-uuid", "GET", {"statementId": "abc"}, {}, None, None, 400, "statementId"),  # C 2.1.3
    ("limit-negative", "GET", {"limit": "-1"}, {}, None, None, 400, "limit"),  # C 2.1.3
    ("limit-not-number", "GET", {"limit": "ten"}, {}, None, None, 400, "limit"),  # C 2.1.3
    ("ascending-not-boolean", "GET", {"ascending": "yes"}, {}, None, None, 400, "ascending"),  # C 2.1.3
    ("attachments-not-boolean", "GET", {"attachments": "1"}, {}, None, None, 400, "attachments"),  # C 2.1.3
    ("related-agents-not-boolean", "GET", {"related_agents": "True"}, {}, None, None, 400,
     "related_agents"),  # C 2.1.3
    ("since-not-timestamp", "GET", {"since": "yesterday"}, {}, None, None, 400, "since"),  # Data 4.5
    ("until-bad-offset", "GET", {"until": "2024-01-01T00:00:00-00:00"}, {}, None, None, 400,
     "until"),  # Data 4.5
    ("agent-not-json", "GET", {"agent": "ada@example.com"}, {}, None, None, 400, "agent"),  # C 2.1.3
    ("agent-without-ifi", "GET", {"agent": '{"name": "Ada"}'}, {}, None, None, 400, "agent"),  # Data 2.4.2
    ("agent-two-ifis", "GET", {"agent": '{"mbox": "mailto:a@b.c", "openid": "http://a.example"}'}, {},
     None, None, 400, "agent"),  # Data 2.4.2.1
    ("verb-not-iri", "GET", {"verb": "completed"}, {}, None, None, 400, "verb"),  # Data 2.2
    ("activity-not-iri", "GET", {"activity": "course 1"}, {}, None, None, 400, "activity"),  # Data 2.2
    ("registration-not-uuid", "GET", {"registration": "reg-1"}, {}, None, None, 400,
     "registration"),  # C 2.1.3
    ("format-unknown", "GET", {"format": "full"}, {}, None, None, 400, "format"),  # C 2.1.3
    ("more-with-other-parameters", "GET", {"more": "abc", "limit": "1"}, {}, None, None, 400, "more"),
    ("more-token-forged", "GET", {"more": "not-a-token"}, {}, None, None, 400, "more"),
    ("put-without-statementId", "PUT", None, {}, GOOD, "application/json", 400, "statementId"),  # C 2.1.1
    ("put-statementId-not-uuid", "PUT", {"statementId": "123"}, {}, GOOD, "application/json", 400,
     "statementId"),  # C 2.1.1
    ("put-id-mismatch", "PUT", {"statementId": SID},
     {}, orjson.dumps(statement(id="aaaaaaaa-1111-4a2b-8c3d-0123456789ab")), "application/json", 400,
     "$.id"),  # C 2.1.1
    ("put-array", "PUT", {"statementId": SID}, {}, orjson.dumps([statement()]), "application/json", 400,
     "$"),  # C 2.1.1
    ("post-with-query-parameter", "POST", {"statementId": SID}, {}, GOOD, "application/json", 400,
     "statementId"),  # C 2.1.2
    ("alternate-method-unknown", "POST", {"method": "PATCH"}, {}, b"", "application/x-www-form-urlencoded",
     400, "method"),  # C 1.3
    ("bearer-auth", "GET", None, {"Authorization": "Bearer token"}, None, None, 401, "Authorization"),  # C 4.0
    ("basic-garbage", "GET", None, {"Authorization": "Basic %%%"}, None, None, 401, "Authorization"),
    ("basic-unknown-key", "GET", None,
     {"Authorization": "Basic " + base64.b64encode(b"nobody:nothing").decode()}, None, None, 401,
     "Authorization"),  # C 4.0
]


@pytest.mark.parametrize("method, params, headers, body, content_type, status, path",
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_malformed_request_is_rejected(xapi, method, params, headers, body, content_type, status, path):
    response = xapi.request(method, "statements", params=params, headers=headers, data=body,
                            content_type=content_type)
    assert response.status_code == status, response.get_data(as_text=True)
    error = response.get_json()
    assert set(error) == {"error", "detail", "path"}
    assert error["path"] == path
    assert error["detail"]
    assert response.headers["X-Experience-API-Version"]
    assert xapi.get().get_json()["statements"] == []


def test_repeated_parameter_is_400(xapi):
    response = xapi.client.get("/xapi/statements?limit=1&limit=2", headers=xapi.headers())
    assert response.status_code == 400
    assert response.get_json()["path"] == "limit"


def test_oversized_body_is_413_and_stores_nothing(app, xapi):
    """C 3.2: an LRS may refuse a body larger than it allows, with 413."""
    app.config["MAX_CONTENT_LENGTH"] = 4096
    big = orjson.dumps([statement() for _ in range(100)])
    assert len(big) > 4096
    response = xapi.request("POST", "statements", data=big, content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"] == "payload_too_large"
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024
    assert xapi.get().get_json()["statements"] == []


def test_batch_over_the_limit_is_400(app, xapi):
    app.config["LRS_BATCH_MAX"] = 5
    response = xapi.post([statement() for _ in range(6)])
    assert response.status_code == 400
    assert xapi.get().get_json()["statements"] == []
