"""The /lti blueprint and what its views share: the public URLs, the LTI session's user, the page headers,
and refusals (an error page, no session, nothing about the token in the log)."""

from __future__ import annotations

import logging
import secrets

from flask import Blueprint, Response, current_app, g, render_template, request, session
from sqlalchemy import select

from lrs.extensions import db
from lrs.lti.errors import LtiError
from lrs.lti.frames import LTI_KEY, allow_framing, frame_origins_of_session
from lrs.lti.platforms import frame_origins
from lrs.models import User
from lrs.models.lti import LtiPlatform

log = logging.getLogger(__name__)
bp = Blueprint("lti", __name__, url_prefix="/lti", template_folder="templates")


def base_url() -> str:
    return (current_app.config.get("LRS_PUBLIC_URL") or request.host_url).rstrip("/")


def tool_urls(base: str) -> dict:
    """What to paste into the platform's tool configuration."""
    base = base.rstrip("/")
    return {"login_initiation_url": f"{base}/lti/login", "launch_url": f"{base}/lti/launch",
            "redirect_uri": f"{base}/lti/launch", "deep_linking_url": f"{base}/lti/launch",
            "jwks_url": f"{base}/.well-known/jwks.json"}


def csp_nonce() -> str:
    if "lti_csp_nonce" not in g:
        g.lti_csp_nonce = secrets.token_urlsafe(16)
    return g.lti_csp_nonce


def lti_user() -> User | None:
    """The user of this LTI session (a login through a launch), if it is still valid."""
    user_id = session.get("user_id")
    if user_id is None or LTI_KEY not in session:
        return None
    user = db.session.get(User, user_id)
    return user if user is not None and user.disabled is None else None


def error_page(detail: str, status: int, title: str = "This page cannot open"):
    if not frame_origins_of_session():  # no LTI session: any registered platform may show the error
        g.lti_frame_origins = sorted({o for p in db.session.scalars(select(LtiPlatform)) for o in frame_origins(p)})
    return render_template("lti/error.html", title=title, detail=detail, status=status), status


def refuse(exc: LtiError):
    """A refused login or launch: the error page, and whatever session this frame had is gone."""
    log.info("LTI request refused (%s, %s): %s", exc.status, exc.path or "-", exc.detail)
    g.lti_frame = True  # the cookie is removed with the flags it was set with
    if session:
        session.clear()
    return error_page(exc.detail, exc.status, "The launch was refused")


@bp.after_request
def _headers(response: Response) -> Response:
    script = f"'nonce-{g.lti_csp_nonce}'" if "lti_csp_nonce" in g else "'none'"
    form_action = " ".join(["'self'", *g.get("lti_form_origins", [])])
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; script-src {script}; "
        f"form-action {form_action}; base-uri 'none'")
    allow_framing(response, frame_origins_of_session() or g.get("lti_frame_origins", []))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response
