"""Fixtures for the LTI tests: an app of their own (the service plus ``lrs.lti.register``) served by a real
server over HTTPS (a self-signed certificate for 127.0.0.1, as the tool must run behind an LMS) on a free
port, a small LTI platform next to it, and a "browser" (requests with a cookie jar) that walks the OIDC
login and launch over HTTP.

The app is session-scoped per database (SQLite, PostgreSQL) like tests/conftest.py's, migrated to every
head, and each test starts from empty tables and empty key and token caches.
"""

from __future__ import annotations

import ipaddress
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests
import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from flask import Flask
from werkzeug.serving import make_server

from lrs.accounts.service import create_user, issue_token
from lrs.extensions import db
from lrs.lti import EXTENSION, jose, oauth, register
from lrs.lti.platforms import add_platform
from tests.api.conftest import ApiClient
from tests.conftest import SECRET_KEY, make_app
from tests.lti.platform import FakePlatform


@pytest.fixture(scope="session")
def lti_migrated(database_url, tmp_path_factory) -> str:
    """The database migrated through Alembic to every head (other branches may be in flight)."""
    from flask_migrate import upgrade

    app = make_app(database_url, tmp_path_factory.mktemp("lti-instance"))
    with app.app_context():
        upgrade(revision="heads")
        db.engine.dispose()
    return database_url


@dataclass
class Tool:
    app: Flask
    url: str
    certificate: str  # the PEM file that verifies the server's certificate


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate and key for https://127.0.0.1 (a day's validity)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(hours=1))
                   .not_valid_after(now + timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                                  critical=False)
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "tool.pem", directory / "tool.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture(scope="session")
def tool(lti_migrated, tmp_path_factory) -> Iterator[Tool]:
    """The service with LTI registered, over HTTPS on a free port (werkzeug, threaded); LRS_PUBLIC_URL is its
    URL."""
    app = make_app(lti_migrated, tmp_path_factory.mktemp("lti-instance"))
    if EXTENSION not in app.extensions:  # once create_app registers LTI itself, this is a no-op
        register(app)
    cert, key = self_signed(tmp_path_factory.mktemp("tls"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd = make_server("127.0.0.1", 0, app, threaded=True, ssl_context=context)
    app.config["LRS_PUBLIC_URL"] = f"https://127.0.0.1:{httpd.server_port}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield Tool(app, app.config["LRS_PUBLIC_URL"], str(cert))
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def platform_server(tool) -> Iterator[FakePlatform]:
    platform = FakePlatform()
    platform.tool_url, platform.tool_certificate = tool.url, tool.certificate
    yield platform
    platform.close()


def _empty_tables() -> None:
    """Delete every row (children first) of the model tables the migrations made."""
    existing = set(sa.inspect(db.engine).get_table_names())
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            if table.name in existing:
                conn.execute(table.delete())


@pytest.fixture
def app(tool) -> Iterator[Flask]:
    """The LTI app with empty tables and caches; config changes are put back after the test."""
    config = dict(tool.app.config)
    with tool.app.app_context():
        _empty_tables()
    jose.key_sets.clear()
    oauth.tokens.clear()
    yield tool.app
    with tool.app.app_context():
        db.session.remove()
    tool.app.config.clear()
    tool.app.config.update(config)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def platform(app, platform_server) -> FakePlatform:
    """The platform, registered with the tool (tenant "default"), with nothing launched or scored yet."""
    platform_server.reset()
    register_platform(app, platform_server)
    return platform_server


def register_platform(app: Flask, platform: FakePlatform, tenant: str = "default") -> int:
    with app.app_context():
        row = add_platform(db.session, tenant=tenant, issuer=platform.issuer, client_id=platform.client_id,
                           deployment_ids=[platform.deployment_id], auth_login_url=platform.auth_url,
                           auth_token_url=platform.token_url, key_set_url=platform.jwks_url)
        db.session.commit()
        return row.id


def api_client(app, client, role: str, tenant: str = "default", email: str | None = None) -> ApiClient:
    with app.app_context():
        user = create_user(db.session, email=email or f"{role}@{tenant}.example.com", name=role.title(), role=role,
                           tenant=tenant)
        issued = issue_token(db.session, SECRET_KEY, user)
        db.session.commit()
    return ApiClient(client, issued.token)


@pytest.fixture
def admin(app, client) -> ApiClient:
    return api_client(app, client, "admin")


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action") or "", "method": attrs.get("method", "get"),
                               "fields": {}, "options": []})
        elif tag == "input" and self.forms:
            if attrs.get("type") in ("checkbox", "radio"):
                self.forms[-1]["options"].append(attrs.get("value"))
            elif attrs.get("name"):
                self.forms[-1]["fields"][attrs["name"]] = attrs.get("value", "")


def forms(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


class Browser:
    """A user agent with a cookie jar, trusting the tool's certificate, following the platform's auto-posted
    forms as a browser's script would."""

    def __init__(self, certificate: str):
        self.http = requests.Session()
        self.http.trust_env = False  # REQUESTS_CA_BUNDLE would win over the session's verify
        self.http.verify = certificate

    def login(self, tool_url: str, params: dict) -> requests.Response:
        return self.http.get(f"{tool_url}/lti/login", params=params, allow_redirects=False)

    def launch(self, tool: Tool, platform: FakePlatform, hint: str) -> requests.Response:
        """Login initiation, the platform's auth endpoint, and the form post of the id_token to the tool
        (not following the tool's answer, so a test sees its headers)."""
        started = self.login(tool.url, platform.login_params(hint))
        assert started.status_code == 302, started.text
        answer = self.http.get(started.headers["Location"])
        assert answer.status_code == 200, answer.text
        return self.submit(answer, allow_redirects=False)

    def submit(self, page: requests.Response, data: dict | None = None, **kwargs) -> requests.Response:
        form = forms(page.text)[0]
        fields = {**form["fields"], **(data or {})}
        return self.http.post(urljoin(page.url, form["action"]), data=fields, **kwargs)

    def follow(self, response: requests.Response) -> requests.Response:
        return self.http.get(urljoin(response.url, response.headers["Location"]))

    def get(self, url: str, **kwargs) -> requests.Response:
        return self.http.get(url, **kwargs)


@pytest.fixture
def browser(tool) -> Iterator[Browser]:
    agent = Browser(tool.certificate)
    yield agent
    agent.http.close()


COMPLETED = "http://adlnet.gov/expapi/verbs/completed"


def count_rule(target: int = 1, verb: str = COMPLETED) -> dict:
    return {"match": {"verbs": [verb]}, "measure": {"kind": "count", "target": target}}


def team_goal(app: Flask, title: str = "Finish the safety course", target: int = 1, tenant: str = "default") -> int:
    """A team goal (what deep linking offers), for a team of its own with nobody in it yet."""
    from lrs.models import Team
    from lrs.progress.goals import GoalSpec, create_goal
    from lrs.tenancy.credentials import get_or_create_tenant

    with app.app_context():
        owner = get_or_create_tenant(db.session, tenant)
        team = Team(tenant_id=owner.id, name=f"Team for {title}")
        db.session.add(team)
        db.session.flush()
        create_goal(db.session, owner.id, GoalSpec(title=title, rule=count_rule(target), team_id=team.id), None)
        db.session.commit()
        from lrs.models import Goal

        return db.session.scalar(sa.select(Goal.id).where(Goal.team_id == team.id, Goal.person_id.is_(None)))


def certification(app: Flask, title: str = "Forklift licence", tenant: str = "default") -> int:
    from lrs.progress.cert_service import create_certification
    from lrs.tenancy.credentials import get_or_create_tenant

    with app.app_context():
        owner = get_or_create_tenant(db.session, tenant)
        made = create_certification(db.session, owner.id, title, "Drive it safely", {
            "requirements": [{"title": "Course", "rule": count_rule(1)}], "validity_months": 12,
            "renewal_days": 30})
        db.session.commit()
        return made.id


def completed(mbox: str, activity: str = "http://example.com/courses/safety") -> dict:
    from tests.conftest import statement

    return statement(actor={"mbox": f"mailto:{mbox}"}, object={"id": activity})
