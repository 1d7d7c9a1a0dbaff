"""OIDC third-party login initiation and the launch's id_token: state bound to the browser, nonce used once.
Never commits."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from lrs.lti import jose
from lrs.lti.claims import Launch, check_launch
from lrs.lti.errors import LtiError
from lrs.lti.platforms import deployments, for_login
from lrs.models.lti import LtiLogin, LtiPlatform

LOGIN_TTL = timedelta(minutes=10)
KEEP_LOGINS = timedelta(days=1)
STATE_COOKIE = "lti_state_"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class LoginRedirect:
    url: str
    state: str


def begin_login(session: Session, params: dict, redirect_uri: str) -> LoginRedirect:
    """Answer a platform's login initiation: remember a state and a nonce, send the browser to its auth URL."""
    for name in ("iss", "login_hint", "target_link_uri"):
        if not params.get(name):
            raise LtiError(f"the login initiation lacks {name}", name)
    platform = for_login(session, params["iss"], params.get("client_id"))
    deployment = params.get("lti_deployment_id")
    if deployment and deployment not in deployments(platform):
        raise LtiError("the deployment is not registered for this platform", "lti_deployment_id", 403)
    session.execute(delete(LtiLogin).where(LtiLogin.created < _now() - KEEP_LOGINS))
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.add(LtiLogin(platform_id=platform.id, state=state, nonce=nonce, created=_now()))
    session.flush()
    query = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none",
             "client_id": platform.client_id, "redirect_uri": redirect_uri, "login_hint": params["login_hint"],
             "state": state, "nonce": nonce}
    if params.get("lti_message_hint"):
        query["lti_message_hint"] = params["lti_message_hint"]
    separator = "&" if "?" in platform.auth_login_url else "?"
    return LoginRedirect(f"{platform.auth_login_url}{separator}{urlencode(query)}", state)


def finish_launch(session: Session, *, state: str | None, id_token: str | None, bound_state: str | None
                  ) -> tuple[LtiPlatform, Launch]:
    """Validate a launch: the state this browser holds, the id_token's signature and claims, the nonce once."""
    if not state or not id_token:
        raise LtiError("the launch lacks its id_token or state: start it again from the course", "id_token")
    login = session.scalar(select(LtiLogin).where(LtiLogin.state == state))
    if login is None or login.created < _now() - LOGIN_TTL:
        raise LtiError("this launch's state is unknown or expired: start it again from the course", "state")
    if not bound_state or not hmac.compare_digest(bound_state, state):
        raise LtiError("this launch's state is not bound to this browser (its cookie is missing)", "state", 401)
    if login.used is not None:
        raise LtiError("this launch was used already (a replayed nonce)", "nonce", 401)
    platform = session.get(LtiPlatform, login.platform_id)
    claims = jose.verify(id_token, platform.key_set_url)
    launch = check_launch(claims, issuer=platform.issuer, client_id=platform.client_id,
                          deployment_ids=deployments(platform), nonce=login.nonce)
    marked = session.execute(update(LtiLogin).where(LtiLogin.id == login.id, LtiLogin.used.is_(None))
                             .values(used=_now()))
    if marked.rowcount != 1:
        raise LtiError("this launch was used already (a replayed nonce)", "nonce", 401)
    return platform, launch
