"""The ``lrs`` command: credentials and first-run set-up (DESIGN: contracts of the console command)."""

from __future__ import annotations

import json

from tests.conftest import XapiClient, statement


def test_credentials_create_json_prints_one_object_that_works(runner, client):
    result = runner.invoke(args=["credentials", "create", "--name", "moodle", "--scope", "statements/write",
                                 "--scope", "statements/read", "--json"])
    assert result.exit_code == 0, result.output
    issued = json.loads(result.output)
    assert {"key", "secret", "tenant"} <= set(issued)
    assert issued["tenant"] == "default"
    assert len(issued["secret"]) >= 40

    from lrs.tenancy.credentials import IssuedCredential

    xapi = XapiClient(client, IssuedCredential(issued["key"], issued["secret"], "default", "moodle", ()))
    assert xapi.post(statement()).status_code == 200


def test_secret_is_stored_hashed(runner, app):
    result = runner.invoke(args=["credentials", "create", "--name", "x", "--json"])
    secret = json.loads(result.output)["secret"]
    from lrs.extensions import db
    from lrs.models import Credential

    with app.app_context():
        stored = db.session.query(Credential).one()
        assert secret not in (stored.secret_hash, stored.key)
        assert len(stored.secret_hash) == 64


def test_credentials_list_and_revoke(runner):
    created = json.loads(runner.invoke(args=["credentials", "create", "--name", "a", "--tenant", "acme",
                                             "--json"]).output)
    listed = json.loads(runner.invoke(args=["credentials", "list", "--json"]).output)
    assert [(c["key"], c["tenant"], c["revoked"]) for c in listed] == [(created["key"], "acme", False)]
    assert created["secret"] not in runner.invoke(args=["credentials", "list"]).output
    result = runner.invoke(args=["credentials", "revoke", created["key"], "--json"])
    assert json.loads(result.output) == {"key": created["key"], "revoked": True}
    listed = json.loads(runner.invoke(args=["credentials", "list", "--json"]).output)
    assert listed[0]["revoked"] is True


def test_errors_exit_non_zero_without_traceback(runner):
    result = runner.invoke(args=["credentials", "revoke", "no-such-key"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "no credential" in result.output
    result = runner.invoke(args=["credentials", "create", "--name", "x", "--scope", "everything"])
    assert result.exit_code != 0
    assert "Traceback" not in result.output


def test_init_creates_a_first_credential_once(runner):
    first = runner.invoke(args=["init", "--json"])
    assert first.exit_code == 0, first.output
    created = json.loads(first.output.strip().splitlines()[-1])
    assert created["key"] and created["secret"]
    again = json.loads(runner.invoke(args=["init", "--json"]).output.strip().splitlines()[-1])
    assert again == {"created": False}
