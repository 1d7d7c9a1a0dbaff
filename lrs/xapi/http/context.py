"""What every xAPI request goes through: the alternate request syntax, the version header, and auth.

The result is an ``XapiRequest`` in ``g.xapi``: the method, parameters, headers and body the handlers
read, whether they came in the ordinary way or as a form (Communication 1.3).
"""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from flask import current_app, g, request

from lrs.extensions import db
from lrs.models import Credential
from lrs.tenancy.credentials import hash_secret
from lrs.xapi import bulk
from lrs.xapi.errors import BadRequest, Forbidden, Unauthorized
from lrs.xapi.versions import HEADER, V1, negotiate

ALT_HEADERS = ("Authorization", HEADER, "Content-Type", "Content-Length", "If-Match", "If-None-Match")
ALT_METHODS = ("GET", "PUT", "POST", "DELETE", "HEAD")
AUTH_CHALLENGE = {"WWW-Authenticate": 'Basic realm="xAPI"'}
# What the handlers read of a credential (not when it was created or revoked).
CREDENTIAL_COLUMNS = ("id", "tenant_id", "name", "key", "secret_hash", "scopes", "profile_mode")


@dataclass
class XapiRequest:
    method: str
    params: dict[str, str]
    headers: dict[str, str]
    body: bytes
    version: str = V1
    credential: Credential | None = None
    alternate: bool = False
    extra: dict = field(default_factory=dict)

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    @property
    def content_type(self) -> str:
        return (self.header("Content-Type") or "").strip()

    @property
    def media_type(self) -> str:
        return self.content_type.split(";")[0].strip().lower()


def _unique_params(pairs: list[tuple[str, str]]) -> dict[str, str]:
    params: dict[str, str] = {}
    for name, value in pairs:
        if name in params:
            raise BadRequest(f"parameter {name!r} is given more than once", path=name)
        params[name] = value
    return params


def build() -> XapiRequest:
    """Read the Flask request into an XapiRequest, unpacking the alternate syntax when used."""
    query = _unique_params(parse_qsl(request.query_string.decode("utf-8", "replace"), keep_blank_values=True))
    headers = {k.lower(): v for k, v in request.headers.items()}
    if "method" not in query:
        return XapiRequest(request.method, query, headers, request.get_data(cache=True))
    if request.method != "POST":
        raise BadRequest("the alternate request syntax ('method' parameter) must be used with POST", path="method")
    if len(query) > 1:
        name = next(n for n in query if n != "method")
        raise BadRequest(f"with the alternate request syntax, {name!r} must be a form parameter", path=name)
    if not headers.get("content-type", "").lower().startswith("application/x-www-form-urlencoded"):
        raise BadRequest("the alternate request syntax needs an application/x-www-form-urlencoded body",
                         path="Content-Type")
    method = query["method"].upper()
    if method not in ALT_METHODS:
        raise BadRequest(f"method {query['method']!r} is not an xAPI method", path="method")
    form = _unique_params(parse_qsl(request.get_data(as_text=True), keep_blank_values=True))
    body = form.pop("content", "").encode("utf-8")
    for name in ALT_HEADERS:
        if name in form:
            headers[name.lower()] = form.pop(name)
    if "content" not in form and body and "content-type" not in {k for k in form}:
        headers.setdefault("content-type", "application/json")
    if headers.get("content-type", "").lower().startswith("application/x-www-form-urlencoded"):
        headers["content-type"] = "application/json"
    return XapiRequest(method, form, headers, body, alternate=True)


def negotiate_version(xreq: XapiRequest) -> None:
    xreq.version = negotiate(xreq.header(HEADER))
    if xreq.alternate and xreq.version != V1:
        raise BadRequest("the alternate request syntax is not part of xAPI 2.0", path="method")


def authenticate_request(xreq: XapiRequest) -> Credential:
    """HTTP Basic with a credential's key and secret (Communication 4.0); 401 for anything else."""
    header = xreq.header("Authorization") or ""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        raise Unauthorized("HTTP Basic credentials are required", path="Authorization", headers=AUTH_CHALLENGE)
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise Unauthorized("the Basic credentials are not valid base64", path="Authorization",
                           headers=AUTH_CHALLENGE) from exc
    key, sep, secret = decoded.partition(":")
    credential = _authenticate(key, secret) if sep else None
    if credential is None:
        raise Unauthorized("the key and secret do not match an active credential", path="Authorization",
                           headers=AUTH_CHALLENGE)
    return credential


def _authenticate(key: str, secret: str) -> Credential | None:
    """The active credential for key and secret, or None; the digest comparison is constant-time.

    As ``lrs.tenancy.credentials.authenticate``, with the row read by one plain query into a detached
    ``Credential``: every request does this, and the ORM's query and object loading cost several times
    the lookup itself (a fifth of the server's time for a single statement). The same query reads the
    tenant's profile settings (``tenant_profiles``), which a write would otherwise read on its own.
    """
    secret_key = current_app.config["SECRET_KEY"]
    columns = ", ".join(f"c.{name}" for name in CREDENTIAL_COLUMNS)
    rows = bulk.select_in(db.session, f"SELECT c.revoked, t.profile_mode, t.profiles_revision, {columns} "  # noqa: S608
                          "FROM credentials c JOIN tenants t ON t.id = c.tenant_id WHERE c.key IN_VALUES", (), [key])
    found, revoked = None, None
    if rows:
        revoked, tenant_mode, revision, *values = rows[0]
        found = Credential(**dict(zip(CREDENTIAL_COLUMNS, values, strict=True)))
        # The tenant's profile settings, which every write checks (lrs.profiles.service.check_batch).
        found.tenant_profiles = (tenant_mode, revision)
    expected = found.secret_hash if found is not None else hash_secret("", secret_key)
    matches = hmac.compare_digest(expected, hash_secret(secret, secret_key))
    if found is None or not matches or revoked is not None:
        return None
    return found


def require_scope(*accepted: str) -> Credential:
    """The request's credential, if it holds one of the accepted scopes; otherwise 403."""
    credential = g.xapi.credential
    if not credential.scope_set.intersection(accepted):
        raise Forbidden(f"this credential lacks the scope for this request (one of: {', '.join(accepted)})",
                        path="Authorization")
    return credential


def current() -> XapiRequest:
    return g.xapi
