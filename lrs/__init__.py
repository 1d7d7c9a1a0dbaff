"""An xAPI learning-record store that turns learning into goals, certifications and review evidence."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask
from flask_cors import CORS
from sqlalchemy import event
from sqlalchemy.engine import Engine

from lrs import availability, config
from lrs.extensions import db, migrate

MIGRATIONS = str(Path(__file__).resolve().parent.parent / "migrations")
XAPI_HEADERS = ["Authorization", "Content-Type", "X-Experience-API-Version", "If-Match", "If-None-Match",
                "Accept-Language"]
XAPI_EXPOSED = ["ETag", "Last-Modified", "X-Experience-API-Version", "X-Experience-API-Consistent-Through",
                "Content-Type"]


def create_app(test_config: dict | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints. No I/O beyond reading config."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(config.from_environment(Path(app.instance_path)))
    if test_config:
        app.config.update(test_config)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", availability.engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config["LRS_DB_CONNECT_TIMEOUT"]))
    app.json.sort_keys = False  # type: ignore[attr-defined]

    from lrs import models  # noqa: F401  (the models register with the metadata)

    db.init_app(app)
    with app.app_context():
        availability.watch(db.engine)
    migrate.init_app(app, db, directory=MIGRATIONS)
    CORS(app, resources={r"/xapi/*": {"origins": "*"}}, allow_headers=XAPI_HEADERS,
         expose_headers=XAPI_EXPOSED, methods=["GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS"])

    from lrs import cli
    from lrs.api import register as register_api
    from lrs.plugin_host.registry import PluginRegistry
    from lrs.plugin_host.webhooks import bp as hooks_bp
    from lrs.wellknown import bp as wellknown_bp
    from lrs.xapi.http import register as register_xapi

    PluginRegistry().init_app(app)
    register_xapi(app)
    register_api(app)
    app.register_blueprint(hooks_bp)
    app.register_blueprint(wellknown_bp)
    from lrs.web import register as register_web
    register_web(app)
    from lrs.lti import register as register_lti
    register_lti(app)
    from lrs.web.oidc import register as register_oidc
    register_oidc(app)
    availability.register(app)
    cli.init_app(app)
    logging.getLogger(__name__).debug("app created for %s", app.config["SQLALCHEMY_DATABASE_URI"])
    return app


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: WAL for concurrent readers, a busy timeout instead of 'database is locked', foreign keys."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
