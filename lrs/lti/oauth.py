"""Calling a platform's services (AGS, NRPS) as the tool: OAuth 2 client-credentials access tokens obtained
with a JWT client assertion (RFC 7523, the LTI Security Framework), cached until shortly before they expire.
"""

from __future__ import annotations

import threading
import time

import requests
from sqlalchemy.orm import Session

from lrs.keys import current_key
from lrs.lti.errors import LtiError
from lrs.lti.jose import client_assertion
from lrs.models.lti import LtiPlatform

TIMEOUT = 15.0
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class TokenCache:
    def __init__(self):
        self._tokens: dict[tuple[int, str], tuple[str, float]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[int, str]) -> str | None:
        with self._lock:
            found = self._tokens.get(key)
        return found[0] if found and found[1] > time.monotonic() else None

    def put(self, key: tuple[int, str], token: str, expires_in: float) -> None:
        with self._lock:
            self._tokens[key] = (token, time.monotonic() + max(expires_in - 30, 0))

    def drop(self, key: tuple[int, str]) -> None:
        with self._lock:
            self._tokens.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()


tokens = TokenCache()


def ensure_tool_key(session: Session, secret_key: str) -> None:
    """Make sure the service has a signing key. The platform checks our client assertions against the
    published JWKS, so the use case commits after this and before it calls the platform."""
    current_key(session, secret_key)


def access_token(session: Session, secret_key: str, platform: LtiPlatform, scopes: list[str]) -> str:
    """A bearer token for ``scopes`` from the platform's token endpoint (raises LtiError when refused).
    The signing key must be committed before (``ensure_tool_key``)."""
    scope = " ".join(sorted(scopes))
    key = (platform.id, scope)
    cached = tokens.get(key)
    if cached:
        return cached
    assertion = client_assertion(session, secret_key, platform.client_id, platform.auth_token_url)
    try:
        response = requests.post(platform.auth_token_url, timeout=TIMEOUT, data={
            "grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion, "scope": scope})
    except requests.RequestException as exc:
        raise LtiError(f"the platform's token endpoint did not answer ({type(exc).__name__})",
                       "auth_token_url", 502) from exc
    if response.status_code != 200:
        raise LtiError(f"the platform refused an access token: {response.status_code} {response.text[:200]}",
                       "auth_token_url", 502)
    try:
        body = response.json()
        token = body["access_token"]
        expires_in = float(body.get("expires_in", 3600))
    except (ValueError, KeyError, TypeError) as exc:
        raise LtiError("the platform's token endpoint answered without an access_token", "auth_token_url",
                       502) from exc
    tokens.put(key, token, expires_in)
    return token


def call(session: Session, secret_key: str, platform: LtiPlatform, scopes: list[str], method: str, url: str, *,
         headers: dict | None = None, **kwargs) -> requests.Response:
    """An authorized request to a platform service; a 401 drops the cached token and tries once more."""
    for attempt in (1, 2):
        token = access_token(session, secret_key, platform, scopes)
        try:
            response = requests.request(method, url, headers={**(headers or {}), "Authorization": f"Bearer {token}"},
                                        timeout=TIMEOUT, **kwargs)
        except requests.RequestException as exc:
            raise LtiError(f"the platform did not answer ({type(exc).__name__})", url, 502) from exc
        if response.status_code != 401 or attempt == 2:
            return response
        tokens.drop((platform.id, " ".join(sorted(scopes))))
    raise AssertionError("unreachable")
