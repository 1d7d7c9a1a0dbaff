"""Who is logged in, what they may open, and the protections every page gets.

A login puts the user's id in the (signed) session cookie, with a fingerprint of their password hash: a
password reset ends every session opened with the old password. Sessions that other parts of the service
open (an LTI launch puts ``user_id`` in the session too) are accepted as they are. Pages check the role here and the
tenant where they load a row (a row of another tenant is a 404, as if it did not exist).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from lrs.extensions import db
from lrs.models import Tenant, User

csrf = CSRFProtect()

# Scripts and styles come from this origin only; the charts are inline SVG, whose shapes carry style
# attributes (hence 'unsafe-inline' for styles, never for scripts).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def _fingerprint(user: User) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, (user.password_hash or "").encode(), hashlib.sha256).hexdigest()[:32]


def session_values(user: User) -> dict:
    """What a login keeps in the session cookie: the user's id and a fingerprint of their password."""
    return {"user_id": user.id, "auth": _fingerprint(user)}


def log_in(user: User) -> None:
    session.clear()  # nothing from before the login survives it (a new CSRF token too)
    session.update(session_values(user))


def log_out() -> None:
    session.clear()


def logged_in_user() -> User | None:
    """The user of this session, if it is still valid (user active, password unchanged)."""
    user_id = session.get("user_id")
    if user_id is None:
        return None
    user = db.session.get(User, user_id)
    if user is None or user.disabled is not None:
        return None
    # A session opened another way (an LTI launch, say) carries no fingerprint: no password to outlive.
    fingerprint = session.get("auth")
    if fingerprint is not None and not hmac.compare_digest(str(fingerprint), _fingerprint(user)):
        return None
    return user


def safe_next(target: str | None) -> str | None:
    """A path on this site to go back to after login; anything else (another host, //x) is dropped."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def page(*roles: str) -> Callable:
    """The view needs a login (else a redirect to the login page) and, when named, one of the roles (403)."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = g.get("user")
            if user is None:
                return redirect(url_for("web.login", next=request.full_path.rstrip("?")))
            if roles and user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def page_blueprint(name: str, import_name: str, url_prefix: str | None = None, **options) -> Blueprint:
    """A blueprint of pages: CSRF on every POST, the session's user in ``g.user``, safe headers, error pages."""
    bp = Blueprint(name, import_name, url_prefix=url_prefix, **options)

    @bp.before_request
    def _before() -> None:
        if current_app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()
        user = logged_in_user()
        g.user = user  # what lrs.api.auth.current_user() reads, for the helpers the pages share with the API
        g.tenant = db.session.get(Tenant, user.tenant_id) if user is not None else None

    @bp.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if g.get("user") is not None:
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @bp.errorhandler(CSRFError)
    def _csrf(error: CSRFError):
        return render_template("web/error.html", code=400, title="The form expired",
                               detail="The form was missing its security token or it had expired. "
                                      "Go back, reload the page and send it again."), 400

    @bp.errorhandler(403)
    @bp.errorhandler(404)
    @bp.errorhandler(413)
    def _error(error: HTTPException):
        titles = {403: "Not for your role", 404: "Not found", 413: "The upload is too large"}
        details = {403: "Your role does not give access to this page.",
                   404: "There is nothing here that you can see.",
                   413: "The file is larger than this service accepts."}
        code = error.code or 500
        return render_template("web/error.html", code=code, title=titles[code], detail=details[code]), code

    return bp
