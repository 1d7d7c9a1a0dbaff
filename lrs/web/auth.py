"""Logging in and out, and the home page that sends each role to its page."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from lrs.accounts.service import check_password
from lrs.extensions import db
from lrs.tenancy.credentials import DEFAULT_TENANT
from lrs.web import queries
from lrs.web.security import log_in, log_out, page, page_blueprint, safe_next

bp = page_blueprint("web", __name__, template_folder="templates", static_folder="static",
                    static_url_path="/web-static")
HOME = {"admin": "web_admin.index", "manager": "web_team.team", "learner": "web_me.me"}


@bp.get("/")
def home():
    if g.user is None:
        return redirect(url_for("web.login"))
    return redirect(url_for(HOME[g.user.role]))


@bp.route("/login", methods=["GET", "POST"])
def login():
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        if g.user is not None:
            return redirect(target or url_for("web.home"))
        return render_template("web/login.html", tenant=DEFAULT_TENANT, email="", next=target)
    tenant = (request.form.get("tenant") or "").strip()
    email = (request.form.get("email") or "").strip()
    password = request.form.get("password") or ""
    user = check_password(db.session, tenant, email, password) if tenant and email and password else None
    if user is None:
        return render_template("web/login.html", tenant=tenant, email=email, next=target,
                               error="The tenant, e-mail or password is not right."), 200
    if queries.link_by_email(db.session, user) is not None:  # e.g. a login made with `lrs users create`
        db.session.commit()
    log_in(user)
    return redirect(target or url_for(HOME[user.role]))


@bp.post("/logout")
@page()
def logout():
    log_out()
    flash("You are logged out.", "success")
    return redirect(url_for("web.login"))
