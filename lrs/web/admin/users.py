"""/admin/users: logins of the tenant — create them, link them to a person, reset their password."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from lrs.accounts.service import MIN_PASSWORD, AccountError, create_user, set_password
from lrs.extensions import db
from lrs.models import Person, User
from lrs.models.accounts import ROLES
from lrs.web.admin import find_person, people_suggestions
from lrs.web.queries import link_by_email
from lrs.web.security import log_in, page, page_blueprint

bp = page_blueprint("web_users", __name__, url_prefix="/admin/users")
SHOWN = 1000


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.tenant_id != g.user.tenant_id:
        abort(404)
    return user


def _listing(form: dict | None = None, errors: dict | None = None, status: int = 200):
    rows = db.session.execute(
        select(User, Person.name, Person.employee_id).outerjoin(Person, Person.id == User.person_id)
        .where(User.tenant_id == g.user.tenant_id).order_by(User.email).limit(SHOWN)).all()
    return render_template("web/admin/users.html", rows=rows, shown=SHOWN, roles=ROLES,
                           form=form or {"role": "learner"}, errors=errors or {}, people=people_suggestions(),
                           min_password=MIN_PASSWORD), status


def _person_field(errors: dict, employee_id: str) -> Person | None:
    if not employee_id.strip():
        return None
    person = find_person(employee_id)
    if person is None:
        errors["person"] = f"No person with employee id {employee_id.strip()!r} in the directory."
    return person


@bp.get("")
@page("admin")
def users():
    return _listing()


@bp.post("")
@page("admin")
def create():
    form = {k: (request.form.get(k) or "").strip() for k in ("email", "name", "role", "person")}
    password = request.form.get("password") or None
    errors: dict[str, str] = {}
    person = _person_field(errors, form["person"])
    if form["role"] not in ROLES:
        errors["role"] = f"Choose a role: {', '.join(ROLES)}."
    if not errors:
        tenant = g.tenant.name
        try:
            user = create_user(db.session, email=form["email"], name=form["name"], role=form["role"],
                               tenant=tenant, password=password)
        except AccountError as exc:
            db.session.rollback()
            errors["password" if "password" in str(exc) else "email"] = f"{exc}."
        else:
            if person is not None:
                user.person_id = person.id
            else:
                person = link_by_email(db.session, user)
            db.session.commit()
            flash(f"Created {user.role} {user.email}" + (f", who is {person.name}." if person else "."), "success")
            return redirect(url_for("web_users.users"))
    return _listing(form, errors, 400)


@bp.get("/<int:user_id>")
@page("admin")
def edit(user_id: int):
    user = _user_or_404(user_id)
    return _edit_page(user, {}, 200)


def _edit_page(user: User, errors: dict, status: int):
    person = db.session.get(Person, user.person_id) if user.person_id else None
    return render_template("web/admin/user.html", user=user, person=person, roles=ROLES, errors=errors,
                           people=people_suggestions(), min_password=MIN_PASSWORD), status


@bp.post("/<int:user_id>")
@page("admin")
def update(user_id: int):
    """Change the role and the person the login is."""
    user = _user_or_404(user_id)
    errors: dict[str, str] = {}
    role = request.form.get("role", "")
    if role not in ROLES:
        errors["role"] = f"Choose a role: {', '.join(ROLES)}."
    elif user.id == g.user.id and role != user.role:
        errors["role"] = "You cannot change your own role (another admin can)."
    person = _person_field(errors, request.form.get("person", ""))
    if errors:
        return _edit_page(user, errors, 400)
    user.role = role
    user.person_id = person.id if person else None
    db.session.commit()
    flash(f"Saved {user.email}.", "success")
    return redirect(url_for("web_users.edit", user_id=user.id))


@bp.post("/<int:user_id>/password")
@page("admin")
def reset_password(user_id: int):
    """Set a new password; the user's open sessions end (their cookie names the old password)."""
    user = _user_or_404(user_id)
    password = request.form.get("password") or ""
    if password != (request.form.get("confirm") or ""):
        return _edit_page(user, {"password": "The two passwords differ."}, 400)
    try:
        set_password(user, password)
    except AccountError as exc:
        return _edit_page(user, {"password": f"{exc}."}, 400)
    db.session.commit()
    if user.id == g.user.id:
        log_in(user)  # keep the admin who changed their own password logged in
    flash(f"The password of {user.email} is reset.", "success")
    return redirect(url_for("web_users.edit", user_id=user.id))
