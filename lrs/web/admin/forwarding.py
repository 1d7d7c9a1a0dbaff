"""/admin/forwarding: where statements flow on to, how far behind each destination is, and its errors."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, url_for
from sqlalchemy import select

from lrs.extensions import db
from lrs.forwarding.service import status
from lrs.models import Forwarder
from lrs.web.security import page, page_blueprint

bp = page_blueprint("web_forwarding", __name__, url_prefix="/admin/forwarding")


@bp.get("")
@page("admin")
def forwarding():
    rows = db.session.scalars(select(Forwarder).where(Forwarder.tenant_id == g.user.tenant_id)
                              .order_by(Forwarder.id))
    return render_template("web/admin/forwarding.html", forwarders=[status(db.session, f) for f in rows])


@bp.post("/<int:forwarder_id>/<any(enable, disable):action>")
@page("admin")
def switch(forwarder_id: int, action: str):
    forwarder = db.session.get(Forwarder, forwarder_id)
    if forwarder is None or forwarder.tenant_id != g.user.tenant_id:
        abort(404)
    forwarder.enabled = action == "enable"
    if forwarder.enabled:
        forwarder.next_attempt_at = None  # try again at once
    db.session.commit()
    flash(f"Forwarder {forwarder.name} is {action}d.", "success")
    return redirect(url_for("web_forwarding.forwarding"))
