"""A small LTI 1.3 platform for the tests, on joserfc and a ThreadingHTTPServer on 127.0.0.1.

It does what Moodle or Canvas does towards a tool: publishes its JWKS; answers the OIDC login with an
id_token it signs, auto-posted to the tool's launch URL; issues access tokens against a client assertion it
verifies with the tool's JWKS (fetched over HTTP); keeps line items and records scores sent with a bearer
token of the score scope; serves a course roster (NRPS, paginated); verifies deep-linking responses and
creates a line item for each placed link; and serves a course page that frames the tool (browser test).
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
RESULT = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
MEMBERSHIP = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
DROP = object()  # an override value that removes the claim


@dataclass
class LaunchSpec:
    """Who launches, from where, and what the platform signs (``overrides`` and ``sign_with`` tamper)."""

    sub: str = "learner-1"
    roles: list = field(default_factory=lambda: [LEARNER])
    name: str = "Ada Lovelace"
    email: str | None = "ada@example.com"
    message_type: str = "LtiResourceLinkRequest"
    context_id: str | None = "course-1"
    context_title: str = "Course One"
    resource_link_id: str = "link-1"
    custom: dict | None = None
    ags: dict | None = None
    nrps: bool = True
    deep_link_return: bool = False
    overrides: dict = field(default_factory=dict)
    sign_with: RSAKey | None = None
    header: dict = field(default_factory=dict)
    encode: Callable[[dict], str] | None = None  # makes the token itself (unsigned, other algorithms)


class FakePlatform:
    def __init__(self, host: str = "127.0.0.1"):
        self.first_key = RSAKey.generate_key(2048, parameters={"kid": "platform-key-1", "use": "sig",
                                                                 "alg": "RS256"}, private=True)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.url = f"http://{host}:{self.server.server_port}"
        self.issuer = self.url
        self.client_id = "lrs-tool-client"
        self.deployment_id = "deployment-1"
        self.tool_url = ""  # set by the fixture: where the tool is (its launch URL is the redirect_uri)
        self.tool_certificate: str | bool = True  # what verifies the tool's HTTPS certificate
        self.reset()
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def reset(self) -> None:
        self.key = self.first_key
        self.launches: dict[str, LaunchSpec] = {}
        self.tokens: dict[str, set[str]] = {}
        self.assertions: list[dict] = []
        self.lineitems: dict[str, dict] = {}
        self.scores: list[tuple[str, dict]] = []
        self.members: dict[str, list[dict]] = {}
        self.page_size = 100
        self.deep_link_items: list[dict] = []
        self.fail_scores = 0
        self.refused: list[str] = []
        self.jwks_fetches = 0
        self.issued: list[str] = []  # every id_token signed, so tests can look for them in logs

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=10)

    # -- URLs the tool is registered with -------------------------------------------------------------------

    @property
    def auth_url(self) -> str:
        return f"{self.url}/auth"

    @property
    def token_url(self) -> str:
        return f"{self.url}/token"

    @property
    def jwks_url(self) -> str:
        return f"{self.url}/jwks"

    def lineitems_url(self, context_id: str) -> str:
        return f"{self.url}/courses/{context_id}/lineitems"

    def memberships_url(self, context_id: str) -> str:
        return f"{self.url}/courses/{context_id}/memberships"

    def add_lineitem(self, context_id: str, label: str, resource_link_id: str | None = None,
                     score_maximum: float = 100) -> str:
        item_id = f"{self.lineitems_url(context_id)}/{len(self.lineitems) + 1}?type_id=7"
        self.lineitems[item_id] = {"id": item_id, "label": label, "scoreMaximum": score_maximum,
                                   "resourceLinkId": resource_link_id, "context": context_id}
        return item_id

    def ags_claim(self, context_id: str = "course-1", lineitem: str | None = None,
                  scopes: tuple = (SCORE, LINEITEM, RESULT)) -> dict:
        claim = {"scope": list(scopes), "lineitems": self.lineitems_url(context_id)}
        if lineitem:
            claim["lineitem"] = lineitem
        return claim

    # -- launches -------------------------------------------------------------------------------------------

    def prepare(self, spec: LaunchSpec | None = None, **fields) -> str:
        """Remember a launch; the returned lti_message_hint names it at the auth endpoint."""
        hint = secrets.token_urlsafe(8)
        self.launches[hint] = spec or LaunchSpec(**fields)
        return hint

    def login_params(self, hint: str) -> dict:
        spec = self.launches[hint]
        return {"iss": self.issuer, "login_hint": spec.sub, "target_link_uri": f"{self.tool_url}/lti/launch",
                "lti_message_hint": hint, "client_id": self.client_id, "lti_deployment_id": self.deployment_id}

    def claims(self, spec: LaunchSpec, nonce: str) -> dict:
        now = int(time.time())
        claims: dict = {
            "iss": self.issuer, "aud": self.client_id, "sub": spec.sub, "iat": now, "exp": now + 300,
            "nonce": nonce, "name": spec.name, LTI + "message_type": spec.message_type,
            LTI + "version": "1.3.0", LTI + "deployment_id": self.deployment_id, LTI + "roles": spec.roles,
            LTI + "target_link_uri": f"{self.tool_url}/lti/launch",
        }
        if spec.email:
            claims["email"] = spec.email
        if spec.context_id:
            claims[LTI + "context"] = {"id": spec.context_id, "label": spec.context_id,
                                       "title": spec.context_title}
            if spec.nrps:
                claims[NRPS] = {"context_memberships_url": self.memberships_url(spec.context_id),
                                "service_versions": ["2.0"]}
        if spec.message_type == "LtiResourceLinkRequest":
            claims[LTI + "resource_link"] = {"id": spec.resource_link_id, "title": "A link"}
        if spec.custom:
            claims[LTI + "custom"] = spec.custom
        if spec.ags:
            claims[AGS] = spec.ags
        if spec.deep_link_return:
            claims[DL + "deep_linking_settings"] = {
                "deep_link_return_url": f"{self.url}/deep-link-return", "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"], "accept_multiple": True,
                "data": "opaque-platform-data"}
        for name, value in spec.overrides.items():
            if value is DROP:
                claims.pop(name, None)
            else:
                claims[name] = value
        return claims

    def sign(self, claims: dict, spec: LaunchSpec | None = None) -> str:
        if spec and spec.encode:
            return spec.encode(claims)
        key = spec.sign_with if spec and spec.sign_with else self.key
        header = {"alg": "RS256", "kid": key.kid, "typ": "JWT", **(spec.header if spec else {})}
        return jwt.encode(header, claims, key)

    # -- what the endpoints do ------------------------------------------------------------------------------

    def authorize(self, query: dict) -> tuple[int, str]:
        expected = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
                    "client_id": self.client_id, "redirect_uri": f"{self.tool_url}/lti/launch"}
        for name, value in expected.items():
            if query.get(name) != value:
                return 400, f"bad {name}"
        spec = self.launches.get(query.get("lti_message_hint", ""))
        if spec is None or query.get("login_hint") != spec.sub:
            return 400, "unknown login"
        if not query.get("state") or not query.get("nonce"):
            return 400, "state and nonce are required"
        token = self.sign(self.claims(spec, query["nonce"]), spec)
        self.issued.append(token)
        return 200, autopost(query["redirect_uri"], {"id_token": token, "state": query["state"]})

    def rotate_key(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": f"platform-key-{secrets.token_hex(4)}", "use": "sig",
                                                         "alg": "RS256"}, private=True)

    def tool_keys(self) -> KeySet:
        response = requests.get(f"{self.tool_url}/.well-known/jwks.json", timeout=10, verify=self.tool_certificate)
        response.raise_for_status()
        return KeySet.import_key_set(response.json())

    def issue_token(self, form: dict) -> tuple[int, dict]:
        if form.get("grant_type") != "client_credentials" or form.get("client_assertion_type") != \
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
            return 400, {"error": "unsupported_grant_type"}
        try:
            claims = jwt.decode(form.get("client_assertion", ""), self.tool_keys(), algorithms=["RS256"]).claims
        except (JoseError, ValueError):
            self.refused.append("assertion signature")
            return 401, {"error": "invalid_client"}
        aud = claims.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        if claims.get("iss") != self.client_id or claims.get("sub") != self.client_id or \
                self.token_url not in audiences or claims.get("exp", 0) < time.time() or not claims.get("jti") \
                or any(a["jti"] == claims["jti"] for a in self.assertions):
            self.refused.append("assertion claims")
            return 401, {"error": "invalid_client"}
        self.assertions.append(claims)
        granted = set(form.get("scope", "").split()) & {SCORE, LINEITEM, RESULT, MEMBERSHIP}
        token = secrets.token_urlsafe(24)
        self.tokens[token] = granted
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600,
                     "scope": " ".join(sorted(granted))}

    def authorized(self, header: str | None, scope: str) -> bool:
        scheme, _, token = (header or "").partition(" ")
        return scheme == "Bearer" and scope in self.tokens.get(token, set())

    def deep_link_return(self, form: dict) -> tuple[int, str]:
        try:
            claims = jwt.decode(form.get("JWT", ""), self.tool_keys(), algorithms=["RS256"]).claims
        except (JoseError, ValueError):
            return 400, "the deep linking response does not verify"
        aud = claims.get("aud")
        if claims.get("iss") != self.client_id or (aud != self.issuer and self.issuer not in (aud or [])) or \
                claims.get(LTI + "message_type") != "LtiDeepLinkingResponse" or \
                claims.get(LTI + "version") != "1.3.0" or claims.get(LTI + "deployment_id") != self.deployment_id \
                or claims.get("exp", 0) < time.time() or not claims.get("nonce") or \
                claims.get(DL + "data") != "opaque-platform-data":
            return 400, "the deep linking response has wrong claims"
        for item in claims.get(DL + "content_items", []):
            link_id = f"placed-{len(self.deep_link_items) + 1}"
            placed = {**item, "resource_link_id": link_id}
            if "lineItem" in item:
                placed["lineitem"] = self.add_lineitem("course-1", item["lineItem"]["label"], link_id,
                                                       item["lineItem"]["scoreMaximum"])
            self.deep_link_items.append(placed)
        return 200, "<p id='placed'>Placed in the course.</p>"

    def course_page(self, query: dict) -> str:
        params = self.login_params(query["hint"])
        src = f"{self.tool_url}/lti/login?{urlencode(params)}"
        return (f"<!doctype html><title>Course One</title><h1>Course One</h1>"
                f"<iframe id='tool' title='tool' src='{escape(src)}' width='900' height='600'></iframe>")


def autopost(action: str, fields: dict) -> str:
    inputs = "".join(f"<input type='hidden' name='{escape(k)}' value='{escape(v)}'>" for k, v in fields.items())
    return (f"<!doctype html><form id='f' method='post' action='{escape(action)}'>{inputs}</form>"
            "<script>document.getElementById('f').submit()</script>")


def _handler(platform: FakePlatform):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def _send(self, status: int, body, content_type: str = "text/html", headers: dict | None = None):
            data = (json.dumps(body) if not isinstance(body, str) else body).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type if isinstance(body, str) else "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def _form(self) -> dict:
            length = int(self.headers.get("Content-Length") or 0)
            return {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}

        def _body(self):
            length = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(length) or b"null")

        def do_GET(self):
            parts = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            path = parts.path
            if path == "/jwks":
                platform.jwks_fetches += 1
                return self._send(200, {"keys": [platform.key.as_dict(private=False)]})
            if path == "/auth":
                return self._send(*platform.authorize(query))
            if path == "/course":
                return self._send(200, platform.course_page(query))
            if path.endswith("/lineitems"):
                if not platform.authorized(self.headers.get("Authorization"), LINEITEM):
                    return self._send(401, {"error": "unauthorized"})
                found = [i for i in platform.lineitems.values()
                         if query.get("resource_link_id") in (None, i["resourceLinkId"])]
                return self._send(200, found)
            if path.endswith("/memberships"):
                return self._memberships(path.split("/")[2], int(query.get("page", "0")))
            return self._send(404, "not found")

        def _memberships(self, context_id: str, page: int):
            if not platform.authorized(self.headers.get("Authorization"), MEMBERSHIP):
                return self._send(401, {"error": "unauthorized"})
            if self.headers.get("Accept") != "application/vnd.ims.lti-nrps.v2.membershipcontainer+json":
                return self._send(406, {"error": "not acceptable"})
            members = platform.members.get(context_id, [])
            size = platform.page_size
            chunk = members[page * size:(page + 1) * size]
            headers = {}
            if (page + 1) * size < len(members):
                headers["Link"] = f'<{platform.memberships_url(context_id)}?page={page + 1}>; rel="next"'
            return self._send(200, {"id": platform.memberships_url(context_id),
                                    "context": {"id": context_id, "title": "Course One"}, "members": chunk},
                              headers=headers)

        def do_POST(self):
            path = urlsplit(self.path).path
            if path == "/token":
                return self._send(*platform.issue_token(self._form()))
            if path == "/deep-link-return":
                return self._send(*platform.deep_link_return(self._form()))
            if path.endswith("/lineitems"):
                if not platform.authorized(self.headers.get("Authorization"), LINEITEM):
                    return self._send(401, {"error": "unauthorized"})
                body = self._body()
                item = platform.add_lineitem(path.split("/")[2], body["label"], body.get("resourceLinkId"),
                                             body["scoreMaximum"])
                return self._send(201, platform.lineitems[item])
            if path.endswith("/scores"):
                return self._score(path)
            return self._send(404, "not found")

        def _score(self, path: str):
            if not platform.authorized(self.headers.get("Authorization"), SCORE):
                return self._send(401, {"error": "unauthorized"})
            if self.headers.get("Content-Type") != "application/vnd.ims.lis.v1.score+json":
                return self._send(415, {"error": "wrong content type"})
            query = urlsplit(self.path).query
            item_id = f"{platform.url}{path[:-len('/scores')]}" + (f"?{query}" if query else "")
            if item_id not in platform.lineitems:
                return self._send(404, {"error": "no such line item"})
            if platform.fail_scores:
                platform.fail_scores -= 1
                return self._send(503, {"error": "the gradebook is down for maintenance"})
            platform.scores.append((item_id, self._body()))
            return self._send(200, {})

    return Handler
