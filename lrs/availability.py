"""When the database is away: every request answers 503 with ``Retry-After``, and the service recovers by itself.

A request that cannot reach the database (refused, reset, timed out) gets a JSON 503 naming the problem
instead of a 500 or a hang: PostgreSQL connections time out after ``LRS_DB_CONNECT_TIMEOUT`` seconds, and
the pool checks a connection before use when it has been idle for over ``IDLE_PING_S`` (``watch``), so the
first request after the database returns gets a fresh one. A connection in steady use is not checked: the
check is a round trip, about 5% of a single statement's cost; one that died under use fails its request
with a 503 and is replaced. A write that failed this way was rolled back; sending it again is safe, since a
statement id already stored with the same content changes nothing (Communication 2.1.1, 2.1.2).
"""

from __future__ import annotations

import logging
import time

import orjson
from flask import Flask, Response, request
from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError

from lrs.extensions import db

log = logging.getLogger(__name__)
RETRY_AFTER = "2"  # seconds
IDLE_PING_S = 1.0  # a pooled connection idle for longer is checked before use


def engine_options(database_url: str, connect_timeout: int) -> dict:
    """The SQLAlchemy engine options: on PostgreSQL, a connect timeout and a bounded pool wait."""
    if not database_url.startswith("postgresql"):
        return {}  # SQLite: a file, never away
    return {"connect_args": {"connect_timeout": connect_timeout}, "pool_timeout": max(connect_timeout * 2, 10)}


def watch(engine: Engine) -> None:
    """PostgreSQL: check a pooled connection before use when it has been idle for over ``IDLE_PING_S``; a
    dead one is replaced before the request uses it (SQLAlchemy's pool retries on ``DisconnectionError``)."""
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "connect")
    def connected(dbapi_connection, record) -> None:
        record.info["returned"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def returned(dbapi_connection, record) -> None:
        record.info["returned"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def checked(dbapi_connection, record, proxy) -> None:
        if time.monotonic() - record.info.get("returned", 0.0) <= IDLE_PING_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(f"a pooled connection is gone: {exc}") from exc


def unavailable_response() -> Response:
    body = {"error": "unavailable", "detail": "the database is unavailable; try again shortly",
            "path": request.path}
    return Response(orjson.dumps(body), status=503, mimetype="application/json",
                    headers={"Retry-After": RETRY_AFTER})


def register(app: Flask) -> None:
    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(exc: Exception) -> Response:
        log.warning("database unavailable during %s %s: %s", request.method, request.path,
                    str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else type(exc).__name__)
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001  (the connection is gone; the session is removed at teardown)
            log.debug("rollback after a lost connection failed", exc_info=True)
        return unavailable_response()
