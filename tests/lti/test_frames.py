"""Pages inside the LMS: framable by exactly the session's platform, with cookies that survive the frame."""

from __future__ import annotations

import pytest
from flask import Flask, session

from lrs.lti.frames import LTI_KEY, allow_framing, install
from tests.lti.platform import LaunchSpec

PAGE_CSP = "default-src 'self'; form-action 'self'; frame-ancestors 'none'"


def tiny_app(**config) -> Flask:
    """A page that, like the web pages, forbids framing; and routes that start an LTI or a plain session."""
    app = Flask(__name__)
    app.config.update(SECRET_KEY="k", SESSION_COOKIE_SAMESITE="Lax", **config)
    install(app)

    @app.after_request
    def deny(response):
        response.headers["Content-Security-Policy"] = PAGE_CSP
        response.headers["X-Frame-Options"] = "DENY"
        return response

    @app.route("/lti")
    def lti():
        session[LTI_KEY] = {"frame": ["https://moodle.example.edu", "https://school.instructure.com"]}
        return "in the frame"

    @app.route("/plain")
    def plain():
        session["user_id"] = 1
        return "top level"

    return app


def test_lti_session_cookie_and_headers_are_rewritten_after_every_hook():
    response = tiny_app().test_client().get("/lti")
    cookie = response.headers["Set-Cookie"]
    assert "SameSite=None" in cookie and "Secure" in cookie and "Partitioned" in cookie and "HttpOnly" in cookie
    assert response.headers["Content-Security-Policy"] == (
        "default-src 'self'; form-action 'self'; "
        "frame-ancestors https://moodle.example.edu https://school.instructure.com")
    assert "X-Frame-Options" not in response.headers


def test_plain_sessions_are_left_alone():
    response = tiny_app().test_client().get("/plain")
    cookie = response.headers["Set-Cookie"]
    assert "SameSite=Lax" in cookie and "Partitioned" not in cookie and "Secure" not in cookie
    assert response.headers["Content-Security-Policy"] == PAGE_CSP and response.headers["X-Frame-Options"] == "DENY"


def test_the_switch_for_plain_http_drops_secure_and_samesite_none():
    cookie = tiny_app(LRS_LTI_SECURE_COOKIES=False).test_client().get("/lti").headers["Set-Cookie"]
    assert "SameSite=Lax" in cookie and "Secure" not in cookie and "Partitioned" not in cookie


def test_install_twice_is_once():
    app = tiny_app()
    interface = app.session_interface
    install(app)
    assert app.session_interface is interface


def test_no_origins_means_not_framable():
    from flask import Response

    response = Response("x")
    allow_framing(response, [])
    assert response.headers["Content-Security-Policy"] == "frame-ancestors 'none'"


def test_launched_pages_are_framable_by_the_platform_only(app, tool, platform, browser):
    browser.launch(tool, platform, platform.prepare())
    home = browser.get(f"{tool.url}/lti/home")
    csp = home.headers["Content-Security-Policy"]
    assert csp.endswith(f"frame-ancestors {platform.url}") and "X-Frame-Options" not in home.headers
    assert "script-src 'none'" in csp


def test_the_web_pages_of_an_lti_session_are_framable_too(app, tool, platform, browser):
    if not any(rule.rule == "/me" for rule in app.url_map.iter_rules()):
        pytest.skip("the web pages (/me) are not registered on this app")
    browser.launch(tool, platform, platform.prepare())
    me = browser.get(f"{tool.url}/me")
    assert me.status_code == 200
    assert me.headers["Content-Security-Policy"].endswith(f"frame-ancestors {platform.url}")
    assert "X-Frame-Options" not in me.headers


def test_error_pages_are_framable_by_registered_platforms(app, tool, platform, browser):
    page = browser.get(f"{tool.url}/lti/home")
    assert page.status_code == 401
    assert page.headers["Content-Security-Policy"].endswith(f"frame-ancestors {platform.url}")


def test_extra_frame_origins_of_a_registration(app, tool, platform, browser):
    from sqlalchemy import update

    from lrs.extensions import db
    from lrs.models.lti import LtiPlatform

    with app.app_context():
        db.session.execute(update(LtiPlatform).values(frame_origins='["https://school.instructure.com"]'))
        db.session.commit()
    browser.launch(tool, platform, platform.prepare())
    csp = browser.get(f"{tool.url}/lti/home").headers["Content-Security-Policy"]
    assert csp.endswith(f"frame-ancestors {platform.url} https://school.instructure.com")


def test_plain_http_switch_works_end_to_end(app, tool, platform, browser):
    app.config["LRS_LTI_SECURE_COOKIES"] = False
    launched = browser.launch(tool, platform, platform.prepare(LaunchSpec()))
    assert launched.status_code == 303
    cookie = [c for c in launched.raw.headers.getlist("Set-Cookie") if c.startswith("session=")][0]
    assert "SameSite=Lax" in cookie and "Secure" not in cookie
