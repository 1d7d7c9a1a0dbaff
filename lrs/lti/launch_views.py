"""/lti/login, /lti/launch and /lti/deep-link: the OIDC login, the launch, and the deep-linking picker."""

from __future__ import annotations

from flask import current_app, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import generate_csrf, validate_csrf
from sqlalchemy.exc import IntegrityError
from wtforms import ValidationError

from lrs.extensions import db
from lrs.lti import deep_linking, oidc
from lrs.lti.claims import DEEP_LINKING_REQUEST
from lrs.lti.errors import LtiError
from lrs.lti.frames import LTI_KEY, cookie_options
from lrs.lti.launch import Admission, admit
from lrs.lti.placements import choices
from lrs.lti.platforms import frame_origins, get_platform, origin
from lrs.lti.web import base_url, bp, csp_nonce, error_page, lti_user, refuse
from lrs.models import User
from lrs.models.lti import LtiPlatform

DEEP_LINK_KEY = "lti_deep_link"


@bp.route("/login", methods=["GET", "POST"])
def login():
    """OIDC third-party login initiation: the platform (or its page in the browser) starts here."""
    g.lti_frame = True
    try:
        started = oidc.begin_login(db.session, request.values.to_dict(), f"{base_url()}/lti/launch")
        db.session.commit()
    except LtiError as exc:
        db.session.rollback()
        return refuse(exc)
    response = redirect(started.url)
    response.set_cookie(oidc.STATE_COOKIE + started.state, started.state, max_age=int(
        oidc.LOGIN_TTL.total_seconds()), path="/lti", **cookie_options(current_app))
    return response


@bp.route("/launch", methods=["POST"])
def launch():
    """The platform's form post of the id_token: validate it, then log the person in."""
    g.lti_frame = True
    state = request.form.get("state")
    bound = request.cookies.get(oidc.STATE_COOKIE + state) if state else None
    try:
        platform, message = oidc.finish_launch(db.session, state=state, id_token=request.form.get("id_token"),
                                               bound_state=bound)
        if message.message_type == DEEP_LINKING_REQUEST and message.role == "learner":
            raise LtiError("only instructors may place goals and certifications in a course", "roles", 403)
        admission = admit(db.session, platform, message)
        db.session.commit()
    except LtiError as exc:
        db.session.rollback()
        return refuse(exc)
    except IntegrityError:  # the same person's first launch twice at once: the other one made them
        db.session.rollback()
        return refuse(LtiError("another launch of yours was under way: launch again from the course", "sub", 409))
    _log_in(admission.user, platform, admission)
    if message.message_type == DEEP_LINKING_REQUEST:
        session[DEEP_LINK_KEY] = deep_linking.settings_for_session(message.deep_linking, message.deployment_id,
                                                                   platform.id)
        target = url_for("lti.deep_link")
    else:
        target = _landing(admission)
    response = redirect(target, 303)
    options = {k: v for k, v in cookie_options(current_app).items() if k != "httponly"}
    response.delete_cookie(oidc.STATE_COOKIE + state, path="/lti", httponly=True, **options)
    return response


def _log_in(user: User, platform: LtiPlatform, admission: Admission) -> None:
    """Log in as the web pages do (their log_in when they are installed), marked as an LTI session."""
    try:
        from lrs.web.security import log_in
    except ImportError:  # the pages are not installed: the session carries the user id alone
        session.clear()
        session["user_id"] = user.id
    else:
        log_in(user)
    session[LTI_KEY] = {"platform": platform.id, "frame": frame_origins(platform),
                        "context": admission.context.id if admission.context else None}


def _has_route(path: str) -> bool:
    return any(rule.rule == path for rule in current_app.url_map.iter_rules())


def _landing(admission: Admission) -> str:
    if admission.opens is not None:
        kind, target_id = admission.opens
        if kind == "goal":
            return url_for("lti.goal", goal_id=target_id)
        return url_for("lti.certification", certification_id=target_id)
    wanted = "/me" if admission.user.role == "learner" else "/team"
    return wanted if _has_route(wanted) else url_for("lti.home")


@bp.route("/deep-link", methods=["GET", "POST"])
def deep_link():
    """The picker of a deep-linking launch; its answer is auto-posted back to the platform."""
    user, pending = lti_user(), session.get(DEEP_LINK_KEY)
    if user is None or not isinstance(pending, dict):
        return error_page("Nothing to pick here: start again from the course's \"add content\" menu.", 400)
    options = choices(db.session, user.tenant_id)
    if request.method == "GET":
        return render_template("lti/picker.html", choices=options, csrf_token=generate_csrf(),
                               multiple=pending["accept_multiple"])
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return error_page("The form expired: reload the page and pick again.", 400)
    wanted = set(request.form.getlist("item"))
    picked = [c for c in options if c["value"] in wanted]
    try:
        platform = get_platform(db.session, user.tenant_id, pending["platform"])
        token = deep_linking.response_jwt(db.session, current_app.config["SECRET_KEY"], platform, pending, picked,
                                          f"{base_url()}/lti/launch")
        db.session.commit()  # a new signing key is published before the platform checks the signature
    except LtiError as exc:
        db.session.rollback()
        return error_page(exc.detail, exc.status)
    session.pop(DEEP_LINK_KEY, None)
    return_origin = origin(pending["return_url"])
    g.lti_form_origins = [return_origin] if return_origin else []
    return render_template("lti/autopost.html", action=pending["return_url"], fields={"JWT": token},
                           nonce=csp_nonce(), title="Returning to the course")
