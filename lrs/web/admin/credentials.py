"""/admin/credentials: the tenant's xAPI credentials — create with scopes (the secret shown once), revoke."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from lrs.extensions import db
from lrs.models import Credential
from lrs.tenancy.credentials import SCOPES, CredentialError, create_credential, list_credentials, revoke_credential
from lrs.web.security import page, page_blueprint

bp = page_blueprint("web_credentials", __name__, url_prefix="/admin/credentials")


def _listing(form: dict | None = None, error: str | None = None, issued=None, status: int = 200):
    return render_template("web/admin/credentials.html", credentials=[c for c, _ in list_credentials(
        db.session, g.tenant.name)], scopes=SCOPES, form=form or {"scopes": ["statements/write"]}, error=error,
        issued=issued), status


@bp.get("")
@page("admin")
def credentials():
    return _listing()


@bp.post("")
@page("admin")
def create():
    form = {"name": (request.form.get("name") or "").strip(), "scopes": request.form.getlist("scopes")}
    if not form["scopes"]:
        return _listing(form, "Choose at least one scope.", status=400)
    try:
        issued = create_credential(db.session, current_app.config["SECRET_KEY"], name=form["name"],
                                   scopes=tuple(form["scopes"]), tenant=g.tenant.name)
    except CredentialError as exc:
        db.session.rollback()
        return _listing(form, f"{exc}.", status=400)
    db.session.commit()
    # Shown on this answer only (never stored in clear); the page is not cached (Cache-Control: no-store).
    return _listing(issued=issued, status=201)


@bp.post("/<key>/revoke")
@page("admin")
def revoke(key: str):
    credential = db.session.scalar(select(Credential).where(Credential.key == key,
                                                            Credential.tenant_id == g.user.tenant_id))
    if credential is None:
        abort(404)
    revoke_credential(db.session, key)
    db.session.commit()
    flash(f"Credential {credential.name} ({key}) is revoked: it works no more.", "success")
    return redirect(url_for("web_credentials.credentials"))
