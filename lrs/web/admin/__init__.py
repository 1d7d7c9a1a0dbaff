"""/admin: the tenant's overview, and helpers the admin pages share."""

from __future__ import annotations

from flask import g, render_template
from sqlalchemy import func, select

from lrs.extensions import db
from lrs.models import Credential, Forwarder, Goal, Identity, Person, SeenActor, Source, Team, User
from lrs.web.security import page, page_blueprint

bp = page_blueprint("web_admin", __name__, url_prefix="/admin")
PEOPLE_SUGGESTED = 500


def find_person(employee_id: str) -> Person | None:
    """The person of the admin's tenant with this employee id (what forms name people by)."""
    employee_id = (employee_id or "").strip()
    if not employee_id:
        return None
    return db.session.scalar(select(Person).where(Person.tenant_id == g.user.tenant_id,
                                                  Person.employee_id == employee_id))


def people_suggestions() -> list[tuple[str, str]]:
    """(employee id, name) of the tenant's first people, for the forms' suggestion lists."""
    return list(db.session.execute(select(Person.employee_id, Person.name).where(
        Person.tenant_id == g.user.tenant_id).order_by(Person.name).limit(PEOPLE_SUGGESTED)))


def tenant_teams() -> list[Team]:
    return list(db.session.scalars(select(Team).where(Team.tenant_id == g.user.tenant_id).order_by(Team.name)))


def _count(model, *conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(
        model.tenant_id == g.user.tenant_id, *conditions)) or 0


@bp.get("")
@page("admin")
def index():
    counts = {
        "people": _count(Person), "users": _count(User), "goals": _count(Goal, Goal.person_id.is_not(None),
                                                                          Goal.holder_id.is_(None)),
        "credentials": _count(Credential, Credential.revoked.is_(None)),
        "sources": _count(Source, Source.enabled.is_(True)),
        "failing_sources": _count(Source, Source.last_error.is_not(None)),
        "forwarders": _count(Forwarder), "failing_forwarders": _count(Forwarder, Forwarder.failures > 0),
        "unmatched": _count(SeenActor, SeenActor.value.not_in(
            select(Identity.value).where(Identity.tenant_id == g.user.tenant_id))),
    }
    return render_template("web/admin/index.html", counts=counts)
