"""The web pages, rendered on the server: a learner's own page (/me), a manager's team (/team) and the
admin pages (/admin/...). Logins are Flask sessions; every form carries a CSRF token.

Only these blueprints check CSRF tokens: the xAPI resources, webhooks, /.well-known and the JSON API
authenticate each request with credentials or tokens, and the API takes a login cookie for reads only.
"""

from __future__ import annotations

from flask import Flask

from lrs.web.security import csrf

EXTENSION = "lrs.web"


def register(app: Flask) -> None:
    """Bind CSRF protection and the session cookie's flags, then register the page blueprints."""
    if EXTENSION in app.extensions:
        raise RuntimeError("the web pages are already registered on this app")
    app.extensions[EXTENSION] = True
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # the page blueprints call csrf.protect() themselves
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 8 * 3600)  # a form may stay open for a working day
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    if not app.config.get("SESSION_COOKIE_SAMESITE"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    if str(app.config.get("LRS_PUBLIC_URL") or "").startswith("https://"):
        app.config["SESSION_COOKIE_SECURE"] = True
    if "csrf" not in app.extensions:
        csrf.init_app(app)

    from lrs.web import admin, auth, culture, learner, team
    from lrs.web.admin import (
        certifications,
        credentials,
        forwarding,
        goals,
        people,
        profiles,
        sources,
        statements,
        users,
    )
    from lrs.web.format import init_filters

    init_filters(app)
    for module in (auth, learner, team, admin, users, credentials, sources, forwarding, profiles, people, goals,
                   certifications, statements):
        app.register_blueprint(module.bp)
    app.register_blueprint(culture.bp)  # the learning-culture pages
