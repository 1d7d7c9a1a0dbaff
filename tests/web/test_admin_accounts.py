"""/admin/users and /admin/credentials: logins and xAPI credentials of the admin's tenant."""

from __future__ import annotations

import base64
import re

from lrs.accounts.service import check_password
from lrs.extensions import db
from lrs.models import User
from tests.web.conftest import log_in_as, post


def _admin(app, client, seed):
    return log_in_as(app, client, seed.users["admin"])


def test_the_users_page_lists_the_tenants_logins_and_their_people(app, client, seed):
    page = _admin(app, client, seed).get("/admin/users").get_data(as_text=True)
    assert "grace@example.com" in page and "Grace Hopper" in page and "(E1)" in page
    assert "acme.example" not in page


def test_an_admin_creates_a_user_linked_to_a_person(app, client, seed):
    _admin(app, client, seed)
    response = post(client, "/admin/users", {"email": "Alan@Example.com", "name": "Alan", "role": "learner",
                                             "person": "E3", "password": "a long password"})
    assert response.status_code == 302
    assert "Created learner alan@example.com, who is Alan Turing." in client.get("/admin/users").get_data(
        as_text=True)
    with app.app_context():
        user = check_password(db.session, "default", "alan@example.com", "a long password")
        assert user is not None and user.person_id == seed.people["E3"] and user.role == "learner"
    alan = log_in_as(app, app.test_client(), user.id)
    assert "Complete the cryptography module" in alan.get("/me").get_data(as_text=True)


def test_a_new_user_without_a_person_is_linked_by_their_email(app, client, seed):
    _admin(app, client, seed)
    post(client, "/admin/users", {"email": "alan@example.com", "name": "Alan", "role": "learner"})
    post(client, "/admin/users", {"email": "nobody@example.com", "name": "Nobody", "role": "learner"})
    with app.app_context():
        users = {u.email: u.person_id for u in db.session.query(User).filter(User.email.in_(
            ["alan@example.com", "nobody@example.com"]))}
    assert users == {"alan@example.com": seed.people["E3"], "nobody@example.com": None}


def test_user_form_errors_are_shown_beside_the_fields(app, client, seed):
    _admin(app, client, seed)
    cases = [({"email": "grace@example.com", "role": "manager"}, "exists already"),
             ({"email": "not-an-address", "role": "learner"}, "is not an e-mail address"),
             ({"email": "x@example.com", "role": "learner", "password": "short"}, "at least 10 characters"),
             ({"email": "x@example.com", "role": "learner", "person": "E99"}, "No person with employee id"),
             ({"email": "x@example.com", "role": "root"}, "Choose a role")]
    for data, message in cases:
        response = post(client, "/admin/users", data)
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and message in page and 'aria-invalid="true"' in page
        assert 'class="error-summary" role="alert"' in page
        assert f'value="{data["email"]}"' in page  # what was typed is kept


def test_an_admin_changes_a_users_role_and_person_but_not_their_own_role(app, client, seed):
    _admin(app, client, seed)
    response = post(client, f"/admin/users/{seed.users['linus']}", {"role": "manager", "person": "E4"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, seed.users["linus"]).role == "manager"
    response = post(client, f"/admin/users/{seed.users['admin']}", {"role": "learner", "person": ""})
    assert response.status_code == 400 and "cannot change your own role" in response.get_data(as_text=True)


def test_an_admin_resets_a_password(app, client, seed):
    _admin(app, client, seed)
    path = f"/admin/users/{seed.users['learner']}/password"
    mismatch = post(client, path, {"password": "one long password", "confirm": "another long one"})
    assert mismatch.status_code == 400 and "The two passwords differ." in mismatch.get_data(as_text=True)
    short = post(client, path, {"password": "short", "confirm": "short"})
    assert short.status_code == 400 and "at least 10 characters" in short.get_data(as_text=True)
    done = post(client, path, {"password": "one long password", "confirm": "one long password"})
    assert done.status_code == 302
    with app.app_context():
        assert check_password(db.session, "default", "ada@example.com", "one long password") is not None


def test_an_admin_resetting_their_own_password_stays_logged_in(app, client, seed):
    _admin(app, client, seed)
    post(client, f"/admin/users/{seed.users['admin']}/password", {"password": "my new password",
                                                                  "confirm": "my new password"})
    assert client.get("/admin/users").status_code == 200


def test_a_credential_is_created_with_scopes_and_its_secret_shown_once(app, client, seed):
    _admin(app, client, seed)
    response = post(client, "/admin/credentials", {"name": "Moodle", "scopes": ["statements/write",
                                                                                 "statements/read/mine"]})
    page = response.get_data(as_text=True)
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    key = re.search(r"<dt>Key</dt><dd><code>([0-9a-f]+)</code>", page).group(1)
    secret = re.search(r"<dt>Secret</dt><dd><code>([^<]+)</code>", page).group(1)
    assert "statements/write, statements/read/mine" in page
    auth = {"Authorization": "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode(),
            "X-Experience-API-Version": "1.0.3"}
    assert app.test_client().get("/xapi/statements", headers=auth).status_code == 200
    again = client.get("/admin/credentials").get_data(as_text=True)
    assert key in again and secret not in again


def test_a_credential_needs_a_name_and_a_scope(app, client, seed):
    _admin(app, client, seed)
    no_scope = post(client, "/admin/credentials", {"name": "x"})
    assert no_scope.status_code == 400 and "Choose at least one scope." in no_scope.get_data(as_text=True)
    no_name = post(client, "/admin/credentials", {"name": " ", "scopes": "all"})
    assert no_name.status_code == 400 and "non-empty name" in no_name.get_data(as_text=True)
    unknown = post(client, "/admin/credentials", {"name": "x", "scopes": "everything"})
    assert unknown.status_code == 400 and "unknown scope" in unknown.get_data(as_text=True)


def test_a_revoked_credential_stops_at_once(app, client, seed):
    _admin(app, client, seed)
    page = client.get("/admin/credentials").get_data(as_text=True)
    assert seed.credential_key in page and seed.acme_credential_key not in page
    response = post(client, f"/admin/credentials/{seed.credential_key}/revoke")
    assert response.status_code == 302
    assert "is revoked" in client.get("/admin/credentials").get_data(as_text=True)
    with app.app_context():
        from lrs.models import Credential

        assert db.session.query(Credential).filter_by(key=seed.credential_key).one().revoked is not None
