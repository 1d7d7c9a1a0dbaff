"""When the database is away: every request answers 503 with ``Retry-After``, and the service recovers by itself.

A request that cannot reach the database (refused, reset, timed out) gets a JSON 503 naming the problem
instead of a 500 or a hang: PostgreSQL connections time out after ``LRS_DB_CONNECT_TIMEOUT`` seconds, and
the pool checks each connection before use (``pool_pre_ping``), so the first request after the database
returns gets a fresh one. A write that failed this way was rolled back; sending it again is safe, since a
statement id already stored with the same content changes nothing (Communication 2.1.1, 2.1.2).
"""

from __future__ import annotations

import logging

import orjson
from flask import Flask, Response, request
from sqlalchemy.exc import InterfaceError, OperationalError

from lrs.extensions import db

log = logging.getLogger(__name__)
RETRY_AFTER = "2"  # seconds


def engine_options(database_url: str, connect_timeout: int) -> dict:
    """The SQLAlchemy engine options: on PostgreSQL, pre-ping, a connect timeout and a bounded pool wait."""
    if not database_url.startswith("postgresql"):
        return {}  # SQLite: a file, never away; a ping would only cost every request a query
    return {"pool_pre_ping": True, "connect_args": {"connect_timeout": connect_timeout},
            "pool_timeout": max(connect_timeout * 2, 10)}


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
