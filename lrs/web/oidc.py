"""Single sign-on through OpenID Connect (optional): Authlib's Flask client, configured by environment.

Set LRS_OIDC_ISSUER (the provider's issuer URL; its /.well-known/openid-configuration is read),
LRS_OIDC_CLIENT_ID, LRS_OIDC_CLIENT_SECRET and LRS_OIDC_TENANT (which tenant's users sign in this way).
The login page then offers "Sign in with single sign-on"; the provider's verified e-mail must be that of
a user of the tenant (users are created by admins, as for passwords). The ID token is checked by Authlib
(signature against the provider's JWKS, issuer, audience, nonce, expiry).
"""

from __future__ import annotations

from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app, redirect, render_template, url_for
from joserfc.errors import JoseError

from lrs.accounts.service import find_user
from lrs.extensions import db
from lrs.web.security import log_in, page_blueprint

bp = page_blueprint("web_oidc", __name__)
HOME = {"admin": "web_admin.index", "manager": "web_team.team", "learner": "web_me.me"}


def register(app: Flask) -> None:
    issuer = app.config.get("LRS_OIDC_ISSUER")
    if not issuer:
        return
    oauth = OAuth(app)
    app.extensions["lrs.oidc"] = oauth.register("sso", client_id=app.config["LRS_OIDC_CLIENT_ID"],
                   client_secret=app.config["LRS_OIDC_CLIENT_SECRET"],
                   server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
                   client_kwargs={"scope": "openid email profile"})
    app.register_blueprint(bp)


def _client():
    return current_app.extensions["lrs.oidc"]


def _refuse(message: str):
    return render_template("web/login.html", tenant=current_app.config["LRS_OIDC_TENANT"], email="", next=None,
                           error=message), 403


@bp.get("/login/sso")
def start():
    return _client().authorize_redirect(url_for("web_oidc.callback", _external=True))


@bp.get("/login/sso/callback")
def callback():
    try:
        token = _client().authorize_access_token()
    except (OAuthError, JoseError, ValueError):  # a failed exchange, a bad state, nonce, signature or claim
        return _refuse("Single sign-on did not complete; try again or sign in with your password.")
    claims = token.get("userinfo") or {}
    email = claims.get("email")
    if not email or claims.get("email_verified") is False:
        return _refuse("The identity provider did not give a verified e-mail address.")
    user = find_user(db.session, current_app.config["LRS_OIDC_TENANT"], email)
    if user is None or user.disabled is not None:
        return _refuse("There is no account for this e-mail; ask an admin to create one.")
    log_in(user)
    return redirect(url_for(HOME[user.role]))
