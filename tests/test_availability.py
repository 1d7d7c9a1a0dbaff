"""PostgreSQL: a pooled connection idle for over a second is checked before use; one in steady use is not
(lrs.availability.watch). The outage as a whole is tested in tests/faults/test_postgres_outage.py."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text

from lrs import availability
from lrs.extensions import db


@pytest.fixture
def engine(app):
    """The app's engine with an empty pool, so that the tests' one connection is the one reused; emptied
    again after, so that no connection a test killed is left to other tests."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite is a file: no connection to check")
        db.engine.dispose()
        yield db.engine
        db.engine.dispose()


def _backend(engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(text("SELECT pg_backend_pid()"))


def _terminate(engine, pid: int) -> None:
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", (pid,))


def test_an_idle_connection_that_died_is_replaced_before_use(engine, monkeypatch):
    pid = _backend(engine)  # back in the pool
    _terminate(engine, pid)
    monkeypatch.setattr(availability, "IDLE_PING_S", 0.0)  # as if it had been idle for long
    assert _backend(engine) != pid  # the request got a live connection, not an error


def test_a_connection_in_steady_use_is_not_checked(engine, monkeypatch):
    pings: list[object] = []
    ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda connection: pings.append(connection) or ping(connection))
    _backend(engine)
    for _ in range(5):
        _backend(engine)
    assert pings == []
    monkeypatch.setattr(availability, "IDLE_PING_S", 0.0)
    _backend(engine)
    assert len(pings) == 1
