"""JOSE for LTI: platforms' key sets (fetched with requests, cached), id_token verification, and JWTs the
tool signs with the service's own key (lrs.keys, published at /.well-known/jwks.json)."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

import requests
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, InvalidKeyIdError, JoseError, MissingClaimError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry
from sqlalchemy.orm import Session

from lrs.keys import current_key
from lrs.lti.errors import LtiError

ALGORITHMS = ["RS256"]
LEEWAY = 60  # seconds of clock skew allowed on exp and iat
KEY_SET_TTL = 300.0
REFETCH_AFTER = 10.0  # a token signed with an unknown key makes a refetch, at most this often
TIMEOUT = 10.0


@dataclass
class _Entry:
    keys: KeySet
    fetched: float


class KeySetCache:
    """Platforms' key sets by URL, kept for a few minutes; fetched again when a token names an unknown key."""

    def __init__(self, ttl: float = KEY_SET_TTL, refetch_after: float = REFETCH_AFTER):
        self.ttl = ttl
        self.refetch_after = refetch_after
        self._entries: dict[str, _Entry] = {}
        self._lock = threading.Lock()

    def get(self, url: str, *, refresh: bool = False) -> KeySet:
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(url)
        fresh = entry is not None and now - entry.fetched < (self.refetch_after if refresh else self.ttl)
        if fresh:
            return entry.keys
        keys = _fetch(url)
        with self._lock:
            self._entries[url] = _Entry(keys, now)
        return keys

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _fetch(url: str) -> KeySet:
    try:
        response = requests.get(url, timeout=TIMEOUT, headers={"Accept": "application/json"})
        response.raise_for_status()
        return KeySet.import_key_set(response.json())
    except (requests.RequestException, ValueError, JoseError) as exc:
        raise LtiError(f"the platform's key set could not be read ({type(exc).__name__})", "key_set_url",
                       502) from exc


key_sets = KeySetCache()


def verify(token: str, key_set_url: str, now: int | None = None) -> dict:
    """The claims of a JWT signed by one of the keys at ``key_set_url``, with exp and iat checked."""
    if not token or token.count(".") != 2:
        raise LtiError("the id_token is not a signed JWT", "id_token")
    try:
        try:
            decoded = jwt.decode(token, key_sets.get(key_set_url), algorithms=ALGORITHMS)
        except InvalidKeyIdError:  # the platform may have rotated its keys: read them again
            decoded = jwt.decode(token, key_sets.get(key_set_url, refresh=True), algorithms=ALGORITHMS)
    except LtiError:
        raise
    except InvalidKeyIdError as exc:
        raise LtiError("the id_token is signed with a key the platform does not publish", "id_token",
                       401) from exc
    except (JoseError, ValueError, TypeError) as exc:
        raise LtiError("the id_token's signature does not verify with the platform's keys", "id_token",
                       401) from exc
    claims = decoded.claims
    registry = JWTClaimsRegistry(now=now, leeway=LEEWAY, exp={"essential": True}, iat={"essential": True})
    try:
        registry.validate(claims)
    except ExpiredTokenError as exc:
        raise LtiError("the id_token has expired", "exp", 401) from exc
    except MissingClaimError as exc:
        raise LtiError("the id_token lacks its exp or iat claim", "exp", 401) from exc
    except JoseError as exc:
        raise LtiError("the id_token's exp or iat claim is invalid (issued in the future?)", "iat", 401) from exc
    return claims


def sign(session: Session, secret_key: str, claims: dict) -> str:
    """A JWT signed with the service's current key (the kid names it in the published JWKS)."""
    kid, key = current_key(session, secret_key)
    return jwt.encode({"alg": "RS256", "kid": kid, "typ": "JWT"}, claims, key)


def client_assertion(session: Session, secret_key: str, client_id: str, token_url: str) -> str:
    """RFC 7523: the tool authenticates to the platform's token endpoint with a JWT it signs."""
    now = int(time.time())
    return sign(session, secret_key, {"iss": client_id, "sub": client_id, "aud": token_url, "iat": now,
                                      "exp": now + 300, "jti": secrets.token_urlsafe(16)})
