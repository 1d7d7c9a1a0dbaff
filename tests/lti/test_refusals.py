"""Bad launches are refused with a clear error page and a 4xx, leave no session, and log nothing of the token.

One table of id_tokens the platform signs wrongly (or someone forges), then the flow's own checks: state
bound to the browser, the nonce used once, logins that name no registered platform or deployment.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from datetime import timedelta

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey
from sqlalchemy import update

from lrs.extensions import db
from lrs.lti import jose
from lrs.models.lti import LtiLogin
from tests.lti.platform import DROP, INSTRUCTOR, LTI, LaunchSpec

SAME_KID_OTHER_KEY = RSAKey.generate_key(2048, parameters={"kid": "platform-key-1"}, private=True)
UNPUBLISHED_KEY = RSAKey.generate_key(2048, parameters={"kid": "never-published"}, private=True)


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def unsigned(claims: dict) -> str:
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."


def hs256(claims: dict) -> str:
    return jwt.encode({"alg": "HS256", "kid": "platform-key-1"}, claims, OctKey.generate_key(256))


def not_a_jwt(claims: dict) -> str:
    return "this-is-not-a-token"


def _now() -> int:
    return int(time.time())


BAD_TOKENS = [
    # (case, LaunchSpec fields, status, what the page says)
    ("forged signature (another key, the platform's kid)", {"sign_with": SAME_KID_OTHER_KEY}, 401,
     "signature does not verify"),
    ("signed with a key the platform does not publish", {"sign_with": UNPUBLISHED_KEY}, 401,
     "key the platform does not publish"),
    ("unsigned (alg none)", {"encode": unsigned}, 401, "signature does not verify"),
    ("HS256 with a made-up secret", {"encode": hs256}, 401, "signature does not verify"),
    ("not a JWT at all", {"encode": not_a_jwt}, 400, "not a signed JWT"),
    ("expired", {"overrides": {"exp": _now() - 3600, "iat": _now() - 7200}}, 401, "has expired"),
    ("issued in the future", {"overrides": {"iat": _now() + 3600, "exp": _now() + 7200}}, 401, "exp or iat"),
    ("without exp", {"overrides": {"exp": DROP}}, 401, "lacks its exp or iat"),
    ("without iat", {"overrides": {"iat": DROP}}, 401, "lacks its exp or iat"),
    ("for another tool (aud)", {"overrides": {"aud": "someone-else"}}, 401, "not meant for this tool"),
    ("without aud", {"overrides": {"aud": DROP}}, 400, "lacks the aud claim"),
    ("several audiences and no azp", {"overrides": {"aud": ["lrs-tool-client", "other"]}}, 401, "no azp"),
    ("azp of another client", {"overrides": {"azp": "other"}}, 401, "azp claim is not this tool"),
    ("an unregistered deployment", {"overrides": {LTI + "deployment_id": "deployment-x"}}, 403,
     "deployment is not registered"),
    ("without deployment id", {"overrides": {LTI + "deployment_id": DROP}}, 400, "lacks the deployment_id"),
    ("the nonce of another login", {"overrides": {"nonce": "not-the-nonce"}}, 401, "nonce is not the one"),
    ("an unknown issuer", {"overrides": {"iss": "https://lms.evil.example"}}, 401, "issuer is not the platform"),
    ("without message type", {"overrides": {LTI + "message_type": DROP}}, 400, "lacks the message_type"),
    ("an unsupported message type", {"overrides": {LTI + "message_type": "LtiSubmissionReviewRequest"}}, 400,
     "LtiResourceLinkRequest and LtiDeepLinkingRequest"),
    ("LTI 1.1 version", {"overrides": {LTI + "version": "1.1.0"}}, 400, "LTI 1.3.0 only"),
    ("without version", {"overrides": {LTI + "version": DROP}}, 400, "lacks the version"),
    ("without sub", {"overrides": {"sub": DROP}}, 400, "lacks the sub"),
    ("without roles", {"overrides": {LTI + "roles": DROP}}, 400, "lacks the roles"),
    ("roles not a list", {"overrides": {LTI + "roles": "Learner"}}, 400, "lacks the roles"),
    ("without resource link", {"overrides": {LTI + "resource_link": DROP}}, 400, "lacks the resource_link"),
    ("a resource link without id", {"overrides": {LTI + "resource_link": {"title": "x"}}}, 400,
     "resource_link claim lacks its id"),
    ("deep linking without its settings", {"message_type": "LtiDeepLinkingRequest", "roles": [INSTRUCTOR]}, 400,
     "lacks the deep_linking_settings"),
    ("a custom goal that is not a number", {"custom": {"lrs_goal": "abc"}}, 400, "must be a number"),
    ("a goal that does not exist", {"custom": {"lrs_goal": "999999"}}, 404, "no longer exists"),
    ("deep linking by a learner", {"message_type": "LtiDeepLinkingRequest", "deep_link_return": True}, 403,
     "only instructors"),
]


@pytest.fixture
def lrs_logs(caplog, monkeypatch):
    """Every log record, the service's loggers on (Alembic's fileConfig in another app's migration may have
    disabled the ones that existed then)."""
    for name, logger in logging.root.manager.loggerDict.items():
        if name.startswith("lrs") and isinstance(logger, logging.Logger):
            monkeypatch.setattr(logger, "disabled", False)
    caplog.set_level(logging.DEBUG)
    return caplog


def assert_no_session(tool, browser) -> None:
    home = browser.get(f"{tool.url}/lti/home")
    assert home.status_code == 401 and "Open this page from your course" in home.text


@pytest.mark.parametrize(("case", "fields", "status", "says"), BAD_TOKENS, ids=[c[0] for c in BAD_TOKENS])
def test_bad_id_token_is_refused(app, tool, platform, browser, lrs_logs, case, fields, status, says):
    response = browser.launch(tool, platform, platform.prepare(LaunchSpec(**fields)))
    assert response.status_code == status, response.text
    assert says in response.text.replace("&#39;", "'").replace("&#34;", '"')
    assert "The launch was refused" in response.text
    assert not any(c.startswith("session=") and "Expires=Thu, 01 Jan 1970" not in c
                   for c in response.raw.headers.getlist("Set-Cookie"))
    assert_no_session(tool, browser)
    token = platform.issued[-1]
    logged = "\n".join(record.getMessage() for record in lrs_logs.records)
    assert token not in logged
    assert all(part not in logged for part in token.split(".") if len(part) > 8)
    ours = "\n".join(r.getMessage() for r in lrs_logs.records if r.name.startswith("lrs"))
    assert "LTI request refused" in ours
    for secret in ("learner-1", "ada@example.com", "Ada Lovelace"):
        assert secret not in ours


def test_a_refused_launch_ends_the_session_the_frame_had(app, tool, platform, browser):
    assert browser.launch(tool, platform, platform.prepare()).status_code == 303
    assert browser.get(f"{tool.url}/lti/home").status_code == 200
    refused = browser.launch(tool, platform, platform.prepare(LaunchSpec(overrides={"aud": "someone-else"})))
    assert refused.status_code == 401
    assert_no_session(tool, browser)


def test_replayed_launch_is_refused_even_with_the_state_cookie(app, tool, platform, browser):
    started = browser.login(tool.url, platform.login_params(platform.prepare()))
    answer = browser.get(started.headers["Location"])
    cookies = dict(browser.http.cookies)
    assert browser.submit(answer, allow_redirects=False).status_code == 303
    attacker = type(browser)(tool.certificate)
    for name, value in cookies.items():  # everything the first browser had, state cookie included
        attacker.http.cookies.set(name, value, path="/lti")
    replay = attacker.submit(answer, allow_redirects=False)
    assert replay.status_code == 401 and "used already" in replay.text
    assert_no_session(tool, attacker)


def test_launch_from_another_browser_is_refused_state_not_bound(app, tool, platform, browser):
    started = browser.login(tool.url, platform.login_params(platform.prepare()))
    answer = browser.get(started.headers["Location"])
    stranger = type(browser)(tool.certificate)
    response = stranger.submit(answer, allow_redirects=False)
    assert response.status_code == 401 and "not bound to this browser" in response.text
    assert_no_session(tool, stranger)
    # The rightful browser can still use it: the stranger's attempt burnt nothing.
    assert browser.submit(answer, allow_redirects=False).status_code == 303


@pytest.mark.parametrize(("form", "status", "says"), [
    ({"state": "no-such-state", "id_token": "a.b.c"}, 400, "unknown or expired"),
    ({"state": "no-such-state"}, 400, "lacks its id_token or state"),
    ({"id_token": "a.b.c"}, 400, "lacks its id_token or state"),
    ({}, 400, "lacks its id_token or state"),
])
def test_launch_without_a_known_state_is_refused(app, tool, platform, browser, form, status, says):
    response = browser.http.post(f"{tool.url}/lti/launch", data=form, allow_redirects=False)
    assert response.status_code == status and says in response.text
    assert_no_session(tool, browser)


def test_launch_after_the_login_expired_is_refused(app, tool, platform, browser):
    started = browser.login(tool.url, platform.login_params(platform.prepare()))
    answer = browser.get(started.headers["Location"])
    with app.app_context():
        for login in db.session.query(LtiLogin):
            login.created -= timedelta(minutes=11)
        db.session.commit()
    response = browser.submit(answer, allow_redirects=False)
    assert response.status_code == 400 and "unknown or expired" in response.text


def test_launch_is_post_only(app, tool, browser):
    assert browser.get(f"{tool.url}/lti/launch").status_code == 405


LOGIN_CASES = [
    ("unknown issuer", {"iss": "https://lms.unknown.example"}, 400, "no LTI platform is registered"),
    ("another client id", {"client_id": "who-is-this"}, 400, "no LTI platform is registered"),
    ("an unregistered deployment", {"lti_deployment_id": "deployment-x"}, 403, "deployment is not registered"),
    ("without iss", {"iss": None}, 400, "lacks iss"),
    ("without login_hint", {"login_hint": None}, 400, "lacks login_hint"),
    ("without target_link_uri", {"target_link_uri": None}, 400, "lacks target_link_uri"),
]


@pytest.mark.parametrize(("case", "change", "status", "says"), LOGIN_CASES, ids=[c[0] for c in LOGIN_CASES])
def test_bad_login_initiation_is_refused(app, tool, platform, browser, case, change, status, says):
    params = {k: v for k, v in {**platform.login_params(platform.prepare()), **change}.items() if v is not None}
    response = browser.login(tool.url, params)
    assert response.status_code == status and says in response.text
    assert not any(c.startswith("lti_state_") for c in response.raw.headers.getlist("Set-Cookie"))
    with app.app_context():
        assert db.session.query(LtiLogin).count() == 0


def test_unknown_keys_make_one_refetch_in_a_while_not_one_per_token(app, tool, platform, browser):
    assert browser.launch(tool, platform, platform.prepare()).status_code == 303
    fetched = platform.jwks_fetches
    for _ in range(3):
        forged = browser.launch(tool, platform, platform.prepare(LaunchSpec(sign_with=UNPUBLISHED_KEY)))
        assert forged.status_code == 401
    assert platform.jwks_fetches == fetched  # the throttle held: no fetch per forged token


def test_unreachable_platform_keys_are_a_502(app, tool, platform, browser):
    from lrs.models.lti import LtiPlatform

    with app.app_context():
        db.session.execute(update(LtiPlatform).values(key_set_url="http://127.0.0.1:9/jwks"))
        db.session.commit()
    response = browser.launch(tool, platform, platform.prepare())
    assert response.status_code == 502 and "key set could not be read" in response.text, response.text
    assert_no_session(tool, browser)


def test_rotated_platform_key_is_fetched_again(app, tool, platform, browser, monkeypatch):
    assert browser.launch(tool, platform, platform.prepare()).status_code == 303  # caches the key set
    platform.rotate_key()
    monkeypatch.setattr(jose.key_sets, "refetch_after", 0.0)  # as if the throttle's seconds had passed
    assert browser.launch(tool, platform, platform.prepare()).status_code == 303
