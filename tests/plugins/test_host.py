"""The plugin host: sources, webhook deliveries, verification, idempotency, bookkeeping, bad input."""

from __future__ import annotations

import hashlib
import hmac
import json

import orjson
import pytest

from lrs.plugin_host.base import Event, EventError, SourcePlugin, Translation, VerificationError
from tests.api.conftest import make_user_client
from tests.conftest import XapiClient


class EchoPlugin(SourcePlugin):
    """A plugin for testing the host: HMAC in X-Echo-Signature, one statement per 'done' event."""

    name = "echo"

    def verify(self, headers, raw_body, secret, options):
        sent = headers.get("x-echo-signature", "")
        expected = hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(sent, expected):
            raise VerificationError("X-Echo-Signature is missing or wrong")

    def translate(self, event: Event) -> Translation:
        payload = event.payload
        if not isinstance(payload, dict) or "id" not in payload:
            raise EventError("the event has no id", "$.id")
        if payload.get("action") == "skip":
            return Translation(ignored="skip events are not recorded")
        statement = {
            "id": self.statement_id("echo", payload["id"]),
            "actor": self.account("https://echo.example.com", payload.get("user", "anon")),
            "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
            "object": {"id": f"https://echo.example.com/things/{payload['id']}"},
            "timestamp": "2026-01-01T00:00:00Z",
        }
        if payload.get("action") == "broken":
            statement["verb"] = {"id": "not an iri"}
        return Translation(statements=[statement], rejected=payload.get("rejects", []))


@pytest.fixture
def echo(app):
    app.extensions["lrs.plugins"].plugins["echo"] = EchoPlugin()


@pytest.fixture
def source(echo, runner):
    result = runner.invoke(args=["sources", "add", "echo", "--name", "echo-1", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def deliver(client, source, payload, *, secret=None, content_type="application/json", raw=None):
    body = raw if raw is not None else orjson.dumps(payload)
    signature = hmac.new((secret or source["secret"]).encode(), body, hashlib.sha256).hexdigest()
    path = source["url"].split("/hooks/")[1]
    return client.post(f"/hooks/{path}", data=body, content_type=content_type,
                       headers={"X-Echo-Signature": signature})


def stats(runner):
    return json.loads(runner.invoke(args=["sources", "list", "--json"]).output)[0]


def test_delivery_is_stored_as_statements_readable_over_xapi(client, source, xapi, runner):
    response = deliver(client, source, {"id": "e1", "user": "octo"})
    assert response.status_code == 200, response.get_json()
    ids = response.get_json()["ids"]
    got = xapi.fetch(ids[0])
    assert got["actor"]["account"] == {"homePage": "https://echo.example.com", "name": "octo"}
    assert got["authority"]["name"] == "echo-1 (echo)"
    row = stats(runner)
    assert (row["received"], row["stored"], row["rejected"]) == (1, 1, 0)


def test_redelivery_stores_nothing_twice(client, source, xapi):
    first = deliver(client, source, {"id": "e1"}).get_json()["ids"]
    second = deliver(client, source, {"id": "e1"})
    assert second.status_code == 200
    assert second.get_json()["ids"] == first
    assert len(xapi.get().get_json()["statements"]) == 1


def test_forged_or_missing_signature_is_401_and_stores_nothing(client, source, xapi, runner):
    assert deliver(client, source, {"id": "e1"}, secret="wrong").status_code == 401
    path = source["url"].split("/hooks/")[1]
    missing = client.post(f"/hooks/{path}", data=b'{"id": "e1"}', content_type="application/json")
    assert missing.status_code == 401
    assert missing.get_json()["path"] == "signature"
    assert xapi.get().get_json()["statements"] == []
    row = stats(runner)
    assert row["rejected"] == 2 and row["stored"] == 0
    assert source["secret"] not in json.dumps(row)


@pytest.mark.parametrize("payload, raw, content_type, status, path", [
    (None, b"{not json", "application/json", 400, "body"),
    (None, b'{"id": "e1"}', "text/plain", 415, "Content-Type"),
    ({"user": "no id"}, None, "application/json", 400, "$.id"),
    ({"id": "e2", "action": "broken"}, None, "application/json", 400, "$[0].verb.id"),
])
def test_bad_deliveries_are_4xx_naming_the_problem(client, source, xapi, payload, raw, content_type, status, path):
    response = deliver(client, source, payload, raw=raw, content_type=content_type)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["path"] == path
    assert xapi.get().get_json()["statements"] == []


def test_oversized_delivery_is_413(app, client, source):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = deliver(client, source, {"id": "e1", "pad": "x" * 4096})
    assert response.status_code == 413
    assert response.get_json()["error"] == "payload_too_large"


def test_ignored_events_are_acknowledged_and_counted(client, source, runner, xapi):
    response = deliver(client, source, {"id": "e1", "action": "skip"})
    assert response.status_code == 202
    assert response.get_json()["ignored"] == "skip events are not recorded"
    assert stats(runner)["ignored"] == 1
    assert xapi.get().get_json()["statements"] == []


def test_rejects_are_counted_and_visible_to_admins(app, client, source, runner):
    deliver(client, source, {"id": "e1", "rejects": ["event 2: unknown type"]})
    assert stats(runner)["rejected"] == 1
    admin = make_user_client(app, client, "admin")
    rejects = admin.get(f"/sources/{source['id']}/rejects").get_json()
    assert rejects[0]["reason"] == "event 2: unknown type"


def test_rotating_the_secret_stops_the_old_one(client, source, runner):
    rotated = json.loads(runner.invoke(args=["sources", "rotate-secret", str(source["id"]), "--json"]).output)
    assert rotated["secret"] != source["secret"]
    assert deliver(client, source, {"id": "e1"}).status_code == 401
    assert deliver(client, source, {"id": "e1"}, secret=rotated["secret"]).status_code == 200


def test_disabled_source_answers_404(client, source, runner):
    assert runner.invoke(args=["sources", "disable", "echo-1"]).exit_code == 0
    assert deliver(client, source, {"id": "e1"}).status_code == 404


def test_unknown_kind_is_refused(runner):
    result = runner.invoke(args=["sources", "add", "nosuch", "--name", "x"])
    assert result.exit_code != 0 and "no source plugin" in result.output


def test_sources_api_for_admins_only(app, client, echo):
    admin = make_user_client(app, client, "admin")
    learner = make_user_client(app, client, "learner")
    created = admin.post("/sources", json={"kind": "echo", "name": "api-echo"})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["url"].endswith(body["url"].split("/hooks/")[1]) and body["secret"]
    assert learner.get("/sources").status_code == 403
    assert [s["name"] for s in admin.get("/sources").get_json()] == ["api-echo"]
    assert "secret" not in admin.get("/sources").get_json()[0]
    assert admin.post("/sources", json={"kind": "nosuch", "name": "x"}).get_json()["path"] == "$.kind"
    other = make_user_client(app, client, "admin", tenant="other")
    assert other.get(f"/sources/{body['id']}").status_code == 404
    assert admin.post(f"/sources/{body['id']}/disable").get_json()["enabled"] is False


def test_source_statements_belong_to_the_source_tenant(app, client, echo, runner):
    created = json.loads(runner.invoke(args=["sources", "add", "echo", "--name", "e", "--tenant", "acme",
                                             "--json"]).output)
    deliver(client, created, {"id": "e1"})
    from tests.conftest import issue_credential

    default_reader = XapiClient(client, issue_credential(app))
    acme_reader = XapiClient(client, issue_credential(app, tenant="acme"))
    assert default_reader.get().get_json()["statements"] == []
    assert len(acme_reader.get().get_json()["statements"]) == 1
