"""Logging in and out: the slow password hash, sessions and their cookie, where a login leads, headers."""

from __future__ import annotations

import pytest

from lrs.accounts.service import create_user
from lrs.extensions import db
from lrs.models import User
from tests.conftest import make_app
from tests.web.conftest import FAST_HASH, PASSWORD, csrf_token, log_in_as, post


def _login(client, tenant="default", email="ada@example.com", password=PASSWORD, **extra):
    return client.post("/login", data={"csrf_token": csrf_token(client), "tenant": tenant, "email": email,
                                       "password": password, **extra})


@pytest.mark.parametrize(("email", "home"), [("admin@default.example.com", "/admin"),
                                             ("grace@example.com", "/team"), ("ada@example.com", "/me")])
def test_a_login_leads_each_role_to_its_page(client, seed, email, home):
    response = _login(client, email=email)
    assert response.status_code == 302 and response.location == home
    assert client.get(home).status_code == 200
    assert client.get("/").location == home


def test_the_service_hash_is_checked_and_the_cookie_is_httponly_and_lax(app, client, seed):
    with app.app_context():
        user = create_user(db.session, email="new@example.com", name="New", role="learner", tenant="default",
                           password="a long enough secret")
        assert user.password_hash.startswith("scrypt:")
        db.session.commit()
    response = _login(client, email="NEW@example.com", password="a long enough secret")
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_a_login_made_elsewhere_is_linked_to_the_person_with_its_email(app, client, seed):
    with app.app_context():
        user = create_user(db.session, email="alan@example.com", name="Alan", role="learner", tenant="default")
        user.password_hash = FAST_HASH  # as `lrs users create` leaves it: no person
        db.session.commit()
    assert _login(client, email="alan@example.com").location == "/me"
    assert "Complete the cryptography module" in client.get("/me").get_data(as_text=True)


def test_cookies_are_secure_when_the_service_is_served_over_https(migrated, tmp_path):
    app = make_app(migrated, tmp_path, LRS_PUBLIC_URL="https://lrs.example.com")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax" and app.config["SESSION_COOKIE_HTTPONLY"] is True
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(("tenant", "email", "password"), [
    ("default", "ada@example.com", "wrong password!"), ("default", "nobody@example.com", PASSWORD),
    ("acme", "ada@example.com", PASSWORD), ("", "ada@example.com", PASSWORD)])
def test_a_wrong_tenant_email_or_password_says_the_same_and_logs_nobody_in(client, seed, tenant, email, password):
    response = _login(client, tenant=tenant, email=email, password=password)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "The tenant, e-mail or password is not right." in page and 'role="alert"' in page
    assert f'value="{email}"' in page and password not in page  # the e-mail is kept, the password never
    assert client.get("/me").status_code == 302


def test_a_disabled_user_cannot_log_in_or_stay_logged_in(app, client, seed):
    log_in_as(app, client, seed.users["learner"])
    with app.app_context():
        from datetime import datetime

        db.session.get(User, seed.users["learner"]).disabled = datetime(2025, 1, 1)
        db.session.commit()
    assert client.get("/me").location.startswith("/login")
    assert "not right" in _login(client).get_data(as_text=True)


def test_the_login_goes_back_to_the_page_asked_for_on_this_site_only(client, seed):
    asked = client.get("/admin/goals")
    assert asked.location == "/login?next=/admin/goals"
    assert _login(client, email="admin@default.example.com", next="/admin/goals").location == "/admin/goals"
    for target in ("https://evil.example.com/", "//evil.example.com/x", "/\\evil.example.com", "javascript:x"):
        client.post("/logout", data={"csrf_token": csrf_token(client)})
        assert _login(client, email="admin@default.example.com", next=target).location == "/admin"


def test_logging_out_ends_the_session(app, client, seed):
    log_in_as(app, client, seed.users["learner"])
    response = post(client, "/logout")
    assert response.status_code == 302 and response.location == "/login"
    assert "You are logged out." in client.get("/login").get_data(as_text=True)
    assert client.get("/me").status_code == 302
    assert client.get("/api/v1/me").status_code == 401


def test_a_password_reset_ends_the_sessions_opened_with_the_old_password(app, seed):
    learner = log_in_as(app, app.test_client(), seed.users["learner"])
    admin = log_in_as(app, app.test_client(), seed.users["admin"])
    assert learner.get("/me").status_code == 200
    response = post(admin, f"/admin/users/{seed.users['learner']}/password",
                    {"password": "brand new password", "confirm": "brand new password"})
    assert response.status_code == 302
    assert learner.get("/me").location.startswith("/login")
    assert _login(learner, password="brand new password").location == "/me"


def test_a_session_opened_without_a_password_is_accepted_as_is(app, client, seed):
    """Another part of the service (an LTI launch) opens sessions with the user's id alone."""
    with client.session_transaction() as cookie:
        cookie["user_id"] = seed.users["learner"]
    assert client.get("/me").status_code == 200
    with client.session_transaction() as cookie:
        cookie["auth"] = "a fingerprint of some other password"
    assert client.get("/me").status_code == 302


def test_the_login_cookie_reads_the_api_but_changes_nothing_there(app, client, seed):
    _login(client)
    assert client.get("/api/v1/me").get_json()["email"] == "ada@example.com"
    assert client.get(f"/api/v1/badges/{seed.badge}").status_code == 200
    assert client.put("/api/v1/me/leaderboard", json={"opt_in": True}).status_code == 401


def test_the_login_form_needs_its_csrf_token(client, seed):
    response = client.post("/login", data={"tenant": "default", "email": "ada@example.com", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/me").status_code == 302


def test_csrf_checks_follow_the_apps_switch(app, client, seed):
    app.config["WTF_CSRF_ENABLED"] = False  # as a test suite of some other kind might set it
    response = client.post("/login", data={"tenant": "default", "email": "ada@example.com", "password": PASSWORD})
    assert response.status_code == 302 and response.location == "/me"


def test_pages_send_protective_headers_and_logged_in_pages_are_not_cached(app, client, seed):
    headers = client.get("/login").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
    log_in_as(app, client, seed.users["learner"])
    assert client.get("/me").headers["Cache-Control"] == "no-store"


def test_pages_have_landmarks_a_skip_link_and_no_inline_script(app, client, seed):
    for key, path in (("learner", "/me"), ("manager", "/team"), ("admin", "/admin/goals")):
        log_in_as(app, client, seed.users[key])
        page = client.get(path).get_data(as_text=True)
        assert '<html lang="en">' in page and '<a class="skip" href="#main">' in page
        assert '<main id="main"' in page and "<header" in page and '<nav aria-label="Main">' in page
        assert page.count("<script") == 1 and 'src="/web-static/web.js"' in page
        assert page.count("<h1>") == 1
