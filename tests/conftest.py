"""Fixtures: every test that touches the database runs on SQLite and on PostgreSQL.

PostgreSQL comes from ``LRS_TEST_POSTGRES_URL`` (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``);
each pytest worker gets a database of its own, migrated once; each test starts from empty tables.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url

from lrs import create_app
from lrs.extensions import db
from lrs.tenancy.credentials import IssuedCredential, create_credential

POSTGRES_ENV = "LRS_TEST_POSTGRES_URL"
DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
SECRET_KEY = "test-secret-key"


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _postgres_database(base_url: str) -> str:
    """A fresh database for this worker on the server LRS_TEST_POSTGRES_URL points at."""
    url = make_url(base_url)
    name = f"lrs_test_{_worker()}_{os.getpid()}"
    _admin(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def _admin(base_url: str, *statements: str) -> None:
    engine = sa.create_engine(make_url(base_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for text in statements:
            conn.execute(sa.text(text))
    engine.dispose()


@contextmanager
def scratch_postgres(prefix: str, why: str) -> Iterator[str]:
    """A fresh PostgreSQL database named for ``prefix``, this xdist worker and process, dropped on leaving.

    Skips the test when LRS_TEST_POSTGRES_URL is not set (``why``: what is skipped).
    """
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"{POSTGRES_ENV} is not set: {why} skipped")
    name = f"{prefix}_{_worker()}_{os.getpid()}"
    _admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        _admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'lrs.sqlite3'}"
        return
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"{POSTGRES_ENV} is not set: PostgreSQL tests skipped")
    url = _postgres_database(base)
    yield url
    _admin(base, f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def make_app(database_url: str, instance: Path, **extra) -> Flask:
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": SECRET_KEY,
                       **extra})


@pytest.fixture(scope="session")
def migrated(database_url, tmp_path_factory) -> str:
    """The database at the newest schema, migrated once per session through Alembic."""
    from flask_migrate import upgrade

    app = make_app(database_url, tmp_path_factory.mktemp("instance"))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return database_url


def _empty_tables() -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:  # DELETE beats TRUNCATE on the few rows a test leaves
        for table in tables:
            conn.execute(table.delete())


@pytest.fixture(scope="session")
def session_app(migrated, tmp_path_factory) -> Iterator[Flask]:
    """One app per database for the whole run: building an app costs more than most tests."""
    app = make_app(migrated, tmp_path_factory.mktemp("instance"))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(session_app) -> Iterator[Flask]:
    """The app with empty tables; whatever a test changes in its config or plugins is put back after it."""
    config = dict(session_app.config)
    plugins = dict(session_app.extensions["lrs.plugins"].plugins)
    with session_app.app_context():
        _empty_tables()
    yield session_app
    with session_app.app_context():
        db.session.remove()
    session_app.config.clear()
    session_app.config.update(config)
    session_app.extensions["lrs.plugins"].plugins = plugins


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def issue_credential(app: Flask, name: str = "test client", scopes=("all",), tenant: str = "default"
                     ) -> IssuedCredential:
    with app.app_context():
        issued = create_credential(db.session, SECRET_KEY, name=name, scopes=tuple(scopes), tenant=tenant)
        db.session.commit()
    return issued


def basic(issued: IssuedCredential) -> str:
    return "Basic " + base64.b64encode(f"{issued.key}:{issued.secret}".encode()).decode()


@dataclass
class XapiClient:
    """A test client speaking xAPI with one credential and one version."""

    client: FlaskClient
    credential: IssuedCredential
    version: str = "1.0.3"

    def headers(self, extra: dict | None = None) -> dict:
        headers = {"Authorization": basic(self.credential), "X-Experience-API-Version": self.version}
        headers.update(extra or {})
        return {k: v for k, v in headers.items() if v is not None}

    def request(self, method: str, path: str, *, json=None, data=None, params=None, headers=None,
                content_type=None):
        if json is not None:
            data = orjson.dumps(json)
            content_type = content_type or "application/json"
        return self.client.open(f"/xapi/{path}", method=method, data=data, query_string=params,
                                headers=self.headers(headers), content_type=content_type)

    def post(self, statements, **kw):
        return self.request("POST", "statements", json=statements, **kw)

    def put(self, statement, statement_id: str, **kw):
        return self.request("PUT", "statements", json=statement, params={"statementId": statement_id}, **kw)

    def get(self, params=None, **kw):
        return self.request("GET", "statements", params=params, **kw)

    def store(self, statement) -> str:
        response = self.post(statement)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()[0]

    def fetch(self, statement_id: str, **params) -> dict:
        response = self.get({"statementId": statement_id, **params})
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()


@pytest.fixture
def credential(app) -> IssuedCredential:
    return issue_credential(app)


@pytest.fixture
def xapi(client, credential) -> XapiClient:
    return XapiClient(client, credential)


@pytest.fixture
def xapi2(client, credential) -> XapiClient:
    return XapiClient(client, credential, version="2.0.0")


def statement(**overrides) -> dict:
    """A small valid statement; keyword arguments replace or add top-level properties."""
    base = {
        "actor": {"objectType": "Agent", "name": "Ada", "mbox": "mailto:ada@example.com"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}},
        "object": {"objectType": "Activity", "id": "http://example.com/activities/course-1",
                   "definition": {"name": {"en-US": "Course 1"}}},
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not ...}
