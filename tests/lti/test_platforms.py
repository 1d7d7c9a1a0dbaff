"""Platform registration by admins: `lrs lti platforms add|list|remove` and /api/v1/lti/platforms, per tenant."""

from __future__ import annotations

import json

import pytest

from tests.lti.conftest import api_client

MOODLE = {"issuer": "https://moodle.example.edu", "client_id": "aBc123", "deployment_ids": ["1"],
          "auth_login_url": "https://moodle.example.edu/mod/lti/auth.php",
          "auth_token_url": "https://moodle.example.edu/mod/lti/token.php",
          "key_set_url": "https://moodle.example.edu/mod/lti/certs.php"}
CLI_ADD = ["lti", "platforms", "add", "--issuer", "https://canvas.instructure.com", "--client-id", "10000000000001",
           "--deployment-id", "6:8865aa05b4b79b64a91a86042e43af5ea8ae79eb", "--deployment-id", "7:other",
           "--auth-login-url", "https://sso.canvaslms.com/api/lti/authorize_redirect",
           "--auth-token-url", "https://sso.canvaslms.com/login/oauth2/token",
           "--key-set-url", "https://sso.canvaslms.com/api/lti/security/jwks",
           "--frame-origin", "https://school.instructure.com"]


def test_admin_registers_lists_and_removes_a_platform(app, client, admin):
    made = admin.post("/lti/platforms", json=MOODLE)
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["issuer"] == MOODLE["issuer"] and body["tenant"] == "default" and body["deployment_ids"] == ["1"]
    assert [p["id"] for p in admin.get("/lti/platforms").get_json()] == [body["id"]]
    assert admin.get(f"/lti/platforms/{body['id']}").get_json()["client_id"] == "aBc123"
    assert admin.delete(f"/lti/platforms/{body['id']}").status_code == 204
    assert admin.get("/lti/platforms").get_json() == []
    assert admin.get(f"/lti/platforms/{body['id']}").status_code == 404


def test_platforms_are_per_tenant(app, client, admin):
    made = admin.post("/lti/platforms", json=MOODLE).get_json()
    other = api_client(app, client, "admin", tenant="other")
    assert other.get("/lti/platforms").get_json() == []
    assert other.get(f"/lti/platforms/{made['id']}").status_code == 404
    assert other.delete(f"/lti/platforms/{made['id']}").status_code == 404


@pytest.mark.parametrize("role", ["manager", "learner"])
def test_only_admins_register_platforms(app, client, role):
    caller = api_client(app, client, role)
    assert caller.post("/lti/platforms", json=MOODLE).status_code == 403
    assert caller.get("/lti/platforms").status_code == 403


def test_without_a_token_it_is_401(client):
    assert client.get("/api/v1/lti/platforms").status_code == 401


BAD = [
    ({"issuer": "moodle.example.edu"}, "issuer", "must be an http(s) URL"),
    ({"key_set_url": "ftp://x"}, "key_set_url", "must be an http(s) URL"),
    ({"auth_login_url": ""}, "auth_login_url", "must be an http(s) URL"),
    ({"deployment_ids": []}, "$.deployment_ids", "Shorter than minimum length 1."),
    ({"client_id": None}, "$.client_id", "Field may not be null."),
    ({"frame_origins": ["not an origin"]}, "frame_origins[0]", "http(s) origin"),
]


@pytest.mark.parametrize(("change", "path", "says"), BAD, ids=[b[1] for b in BAD])
def test_bad_registrations_are_400_naming_the_field(app, client, admin, change, path, says):
    response = admin.post("/lti/platforms", json={**MOODLE, **change})
    assert response.status_code == 400
    body = response.get_json()
    assert body["path"] == path and says in body["detail"]


def test_a_second_registration_of_issuer_and_client_is_409(app, client, admin):
    assert admin.post("/lti/platforms", json=MOODLE).status_code == 201
    again = admin.post("/lti/platforms", json=MOODLE)
    assert again.status_code == 409 and again.get_json()["path"] == "client_id"
    assert admin.post("/lti/platforms", json={**MOODLE, "client_id": "another"}).status_code == 201


def test_cli_add_list_remove(app, runner):
    added = runner.invoke(args=[*CLI_ADD, "--tenant", "acme", "--json"])
    assert added.exit_code == 0, added.output
    body = json.loads(added.output)
    assert body["tenant"] == "acme" and len(body["deployment_ids"]) == 2
    assert body["frame_origins"] == ["https://school.instructure.com"]
    listed = json.loads(runner.invoke(args=["lti", "platforms", "list", "--json"]).output)
    assert [p["client_id"] for p in listed] == ["10000000000001"]
    assert "canvas.instructure.com" in runner.invoke(args=["lti", "platforms", "list", "--tenant", "acme"]).output
    again = runner.invoke(args=CLI_ADD)
    assert again.exit_code != 0 and "registered already" in again.output
    assert runner.invoke(args=["lti", "platforms", "remove", str(body["id"])]).exit_code == 0
    assert json.loads(runner.invoke(args=["lti", "platforms", "list", "--json"]).output) == []
    assert runner.invoke(args=["lti", "platforms", "remove", str(body["id"])]).exit_code != 0


def test_cli_prints_the_urls_to_paste(app, runner):
    app.config["LRS_PUBLIC_URL"] = "https://lrs.example.org"
    result = json.loads(runner.invoke(args=["lti", "urls", "--json"]).output)
    assert result == {"login_initiation_url": "https://lrs.example.org/lti/login",
                      "launch_url": "https://lrs.example.org/lti/launch",
                      "redirect_uri": "https://lrs.example.org/lti/launch",
                      "deep_linking_url": "https://lrs.example.org/lti/launch",
                      "jwks_url": "https://lrs.example.org/.well-known/jwks.json"}


def test_the_tool_key_is_the_services_jwks(app, tool, browser):
    from lrs.extensions import db
    from lrs.keys import current_key

    with app.app_context():
        kid, _ = current_key(db.session, app.config["SECRET_KEY"])
        db.session.commit()
    keys = browser.get(f"{tool.url}/.well-known/jwks.json").json()["keys"]
    assert [k["kid"] for k in keys] == [kid] and "d" not in keys[0]
