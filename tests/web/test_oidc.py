"""Optional single sign-on through OpenID Connect, against a small provider on loopback (its own keys)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from lrs.accounts.service import create_user
from lrs.extensions import db
from tests.conftest import make_app

CLIENT = "lrs-client"


class Provider:
    """Discovery, JWKS and a token endpoint that issues an ID token for the e-mail it is told."""

    def __init__(self):
        self.key = RSAKey.generate_key(2048, parameters={"kid": "p1", "alg": "RS256", "use": "sig"}, private=True)
        self.email, self.nonce, self.verified = "ada@example.com", None, True
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _json(self, data):
                body = json.dumps(data).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):  # noqa: N802
                if self.path.endswith("/.well-known/openid-configuration"):
                    self._json({"issuer": outer.url, "authorization_endpoint": outer.url + "/authorize",
                                "token_endpoint": outer.url + "/token", "jwks_uri": outer.url + "/jwks",
                                "id_token_signing_alg_values_supported": ["RS256"]})
                elif self.path == "/jwks":
                    self._json({"keys": [outer.key.as_dict(private=False)]})

            def do_POST(self):  # noqa: N802
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                now = int(time.time())
                claims = {"iss": outer.url, "aud": CLIENT, "sub": "user-1", "iat": now, "exp": now + 300,
                          "nonce": outer.nonce, "email": outer.email, "email_verified": outer.verified}
                token = jwt.encode({"alg": "RS256", "kid": "p1"}, claims, outer.key)
                self._json({"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": token})

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sso(migrated, tmp_path):
    provider = Provider()
    app = make_app(migrated, tmp_path, LRS_OIDC_ISSUER=provider.url, LRS_OIDC_CLIENT_ID=CLIENT,
                   LRS_OIDC_CLIENT_SECRET="s3cret", LRS_OIDC_TENANT="default")
    with app.app_context():
        from tests.conftest import _empty_tables

        _empty_tables()
        create_user(db.session, email="ada@example.com", name="Ada", role="learner", tenant="default")
        db.session.commit()
    yield app, provider
    provider.close()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _sign_in(client, provider):
    start = client.get("/login/sso")
    assert start.status_code == 302
    query = parse_qs(urlparse(start.headers["Location"]).query)
    assert query["client_id"] == [CLIENT] and "openid" in query["scope"][0]
    provider.nonce = query["nonce"][0]
    return client.get(f"/login/sso/callback?code=abc&state={query['state'][0]}")


def test_single_sign_on_logs_in_the_user_with_that_email(sso):
    app, provider = sso
    client = app.test_client()
    assert "Sign in with single sign-on" in client.get("/login").get_data(as_text=True)
    done = _sign_in(client, provider)
    assert done.status_code == 302 and done.headers["Location"].endswith("/me")
    assert client.get("/me").status_code == 200


@pytest.mark.parametrize("change, message", [
    ({"email": "nobody@example.com"}, "no account"),
    ({"verified": False}, "verified e-mail"),
    ({"nonce_wrong": True}, "did not complete"),
])
def test_single_sign_on_refusals(sso, change, message):
    app, provider = sso
    client = app.test_client()
    provider.email = change.get("email", provider.email)
    provider.verified = change.get("verified", True)
    start = client.get("/login/sso")
    query = parse_qs(urlparse(start.headers["Location"]).query)
    provider.nonce = "forged" if change.get("nonce_wrong") else query["nonce"][0]
    done = client.get(f"/login/sso/callback?code=abc&state={query['state'][0]}")
    assert done.status_code == 403 and message in done.get_data(as_text=True)
    assert client.get("/me").status_code in (302, 401)


def test_a_forged_state_is_refused(sso):
    app, provider = sso
    client = app.test_client()
    client.get("/login/sso")
    assert client.get("/login/sso/callback?code=abc&state=forged").status_code == 403
