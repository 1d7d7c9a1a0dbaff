"""Who is calling the admin API: a user, by API token (Bearer) or by a logged-in page session."""

from __future__ import annotations

from functools import wraps

from flask import current_app, g, session
from flask_smorest import abort

from lrs.accounts.service import user_for_token
from lrs.extensions import db
from lrs.models import User


def _authenticate() -> User | None:
    from flask import request

    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return user_for_token(db.session, current_app.config["SECRET_KEY"], token.strip())
    user_id = session.get("user_id")
    # A login cookie is accepted for reading only: a change through the API needs a token, so a page of
    # another site cannot make a logged-in browser change anything (the pages use forms with CSRF tokens).
    if user_id is not None and request.method in ("GET", "HEAD", "OPTIONS"):
        user = db.session.get(User, user_id)
        if user is not None and user.disabled is None:
            return user
    return None


def current_user() -> User:
    return g.user


def login_required(*roles: str):
    """Authenticate the caller (401 otherwise) and, when roles are named, require one of them (403)."""

    def decorate(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = _authenticate()
            if user is None:
                abort(401, message="an API token (Authorization: Bearer <token>) or a login is required",
                      path="Authorization")
            if roles and user.role not in roles:
                abort(403, message=f"this needs the role {' or '.join(roles)}", path="role")
            g.user = user
            return view(*args, **kwargs)

        return wrapped

    return decorate
