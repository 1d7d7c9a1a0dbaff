"""The admin API: token auth, roles, tenancy, the OpenAPI document and the error shape."""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import ApiClient, make_user_client
from tests.conftest import XapiClient, statement


def test_openapi_document_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/credentials" in spec["paths"]
    assert "bearerAuth" in spec["components"]["securitySchemes"]


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nope", "Bearer abc.def", "Basic Og=="])
def test_missing_or_bad_token_is_401(client, header):
    response = client.get("/api/v1/me", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert set(response.get_json()) == {"error", "detail", "path"}


def test_me_names_the_user(admin):
    response = admin.get("/me")
    assert response.status_code == 200
    assert response.get_json() == {"email": "admin@default.example.com", "name": "Admin", "role": "admin",
                                   "tenant": "default"}


def test_learner_cannot_manage_credentials(learner):
    assert learner.get("/credentials").status_code == 403
    assert learner.post("/credentials", json={"name": "x"}).status_code == 403


def test_admin_creates_uses_lists_and_revokes_a_credential(admin, client):
    created = admin.post("/credentials", json={"name": "moodle", "scopes": ["statements/write"]})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["secret"] and body["key"] and body["tenant"] == "default"
    from lrs.tenancy.credentials import IssuedCredential

    xapi = XapiClient(client, IssuedCredential(body["key"], body["secret"], "default", "moodle", ()))
    assert xapi.post(statement()).status_code == 200
    listed = admin.get("/credentials").get_json()
    assert [c["key"] for c in listed] == [body["key"]]
    assert "secret" not in listed[0]
    assert admin.delete(f"/credentials/{body['key']}").get_json()["revoked"] is True
    assert xapi.post(statement()).status_code == 401


def test_credentials_do_not_cross_tenants(app, client, admin):
    other = make_user_client(app, client, "admin", tenant="other")
    key = admin.post("/credentials", json={"name": "a"}).get_json()["key"]
    assert other.get("/credentials").get_json() == []
    assert other.delete(f"/credentials/{key}").status_code == 404


@pytest.mark.parametrize("payload, path", [
    ({}, "$.name"),
    ({"name": ""}, "$.name"),
    ({"name": 5}, "$.name"),
    ({"name": "x", "scopes": ["everything"]}, "$.scopes[0]"),
    ({"name": "x", "scopes": []}, "$.scopes"),
    ({"name": "x", "colour": "red"}, "$.colour"),
])
def test_bad_credential_payload_is_400_naming_the_field(admin, payload, path):
    response = admin.post("/credentials", json=payload)
    assert response.status_code == 400
    assert response.get_json()["path"] == path
    assert admin.get("/credentials").get_json() == []


def test_malformed_json_body_is_400(admin):
    response = admin.post("/credentials", data=b"{", headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert set(response.get_json()) == {"error", "detail", "path"}


def test_users_and_tokens_from_the_cli(runner, client):
    result = runner.invoke(args=["users", "create", "--email", "Boss@Example.com", "--role", "admin",
                                 "--password", "a long password", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["email"] == "boss@example.com"
    token = json.loads(runner.invoke(args=["tokens", "create", "--email", "boss@example.com", "--json"]).output)
    assert ApiClient(client, token["token"]).get("/me").get_json()["role"] == "admin"
    again = runner.invoke(args=["users", "create", "--email", "boss@example.com", "--role", "admin"])
    assert again.exit_code != 0 and "exists already" in again.output
    short = runner.invoke(args=["users", "create", "--email", "x@example.com", "--role", "learner",
                                "--password", "short"])
    assert short.exit_code != 0 and "Traceback" not in short.output


def test_password_is_stored_with_a_slow_hash(app, runner):
    runner.invoke(args=["users", "create", "--email", "a@example.com", "--role", "learner",
                        "--password", "a long password"])
    from lrs.accounts.service import check_password
    from lrs.extensions import db
    from lrs.models import User

    with app.app_context():
        stored = db.session.query(User).one().password_hash
        assert stored.startswith(("scrypt:", "pbkdf2:"))
        assert "a long password" not in stored
        assert check_password(db.session, "default", "a@example.com", "a long password") is not None
        assert check_password(db.session, "default", "a@example.com", "wrong password!") is None
        assert check_password(db.session, "default", "nobody@example.com", "a long password") is None
