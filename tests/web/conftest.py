"""Fixtures for the pages: a directory with a reporting chain, users of every role in two tenants, goals,
statements, a certification (earned, expiring within 90 days, with its badge) and kudos.

Tenant ``default``: Grace (E1) manages Ada (E2), who manages Alan (E3); Linus (E4) reports to nobody.
Users: an admin (no person), Grace as manager, Ada and Linus as learners. Tenant ``acme`` has an admin, a
manager and a learner of its own, and a person with a goal nobody in ``default`` may see.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from lrs.accounts.service import create_user
from lrs.extensions import db
from lrs.models import Badge, Person, Tenant
from lrs.people.directory import import_csv
from lrs.progress.cert_service import assign, create_certification
from lrs.progress.goals import GoalSpec, create_goal
from lrs.progress.recognition import give_kudos
from lrs.tenancy.credentials import create_credential
from lrs.web.security import session_values
from lrs.xapi.service import Writer
from tests.conftest import SECRET_KEY, XapiClient, _empty_tables, issue_credential, statement

PASSWORD = "correct horse battery"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
PEOPLE = """employee_id,name,email,manager_id,teams
E1,Grace Hopper,grace@example.com,,Leads
E2,Ada Lovelace,ada@example.com,E1,Platform
E3,Alan Turing,alan@example.com,E2,Platform
E4,Linus Torvalds,linus@example.com,,Kernel
"""
ACME_PEOPLE = """employee_id,name,email
M1,Mallory Acme,mallory@acme.example
"""
# check_password reads the method from the hash: a cheap one keeps fixtures fast.
FAST_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def count_rule(target: int, verb: str = COMPLETED) -> dict:
    return {"match": {"verbs": [verb]}, "measure": {"kind": "count", "target": target}}


def completed(mbox: str, activity: str, name: str) -> dict:
    return statement(actor={"mbox": f"mailto:{mbox}"},
                     object={"id": activity, "definition": {"name": {"en-US": name}}})


@dataclass
class Seed:
    people: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    goals: dict[str, int] = field(default_factory=dict)
    certification: int = 0
    badge: int = 0
    acme_people: dict[str, int] = field(default_factory=dict)
    acme_certification: int = 0
    credential_key: str = ""
    acme_credential_key: str = ""


def _users(tenant: str, people: dict[str, int], spec: list[tuple[str, str, str, str | None]]) -> dict[str, int]:
    made = {}
    for key, email, role, employee in spec:
        user = create_user(db.session, email=email, name=key.title(), role=role, tenant=tenant)
        user.password_hash = FAST_HASH  # the login tests also check the service's own (slow) hash
        user.person_id = people[employee] if employee else None
        made[key] = user.id
    return made


def _people(tenant: str, csv: str) -> dict[str, int]:
    tenant_id = db.session.query(Tenant).filter_by(name=tenant).one().id
    import_csv(db.session, tenant_id, csv, dry_run=False)
    return {p.employee_id: p.id for p in db.session.query(Person).filter_by(tenant_id=tenant_id)}


def seed_data(app, client: FlaskClient) -> Seed:
    """The data every page test starts from (statements through the xAPI, the rest through services)."""
    seed = Seed()
    issued = issue_credential(app)
    seed.credential_key = issued.key
    xapi = XapiClient(client, issued)
    today = date.today()
    with app.app_context():
        acme = create_credential(db.session, SECRET_KEY, name="acme tool", tenant="acme")
        seed.acme_credential_key = acme.key
        db.session.commit()
        seed.people = _people("default", PEOPLE)
        seed.acme_people = _people("acme", ACME_PEOPLE)
        seed.users = _users("default", seed.people, [
            ("admin", "admin@default.example.com", "admin", None),
            ("manager", "grace@example.com", "manager", "E1"),
            ("learner", "ada@example.com", "learner", "E2"),
            ("linus", "linus@example.com", "learner", "E4")])
        seed.users |= {f"acme_{k}": v for k, v in _users("acme", seed.acme_people, [
            ("admin", "admin@acme.example", "admin", None),
            ("manager", "boss@acme.example", "manager", None),
            ("learner", "mallory@acme.example", "learner", "M1")]).items()}
        tenant_id = db.session.query(Tenant).filter_by(name="default").one().id
        acme_id = db.session.query(Tenant).filter_by(name="acme").one().id
        for key, employee, title, due in (("ada", "E2", "Finish two Python courses", today + timedelta(days=30)),
                                          ("alan", "E3", "Complete the cryptography module", None),
                                          ("linus", "E4", "Review kernel patches", None)):
            goal = create_goal(db.session, tenant_id, GoalSpec(title=title, rule=count_rule(2), person_id=seed.people[
                employee], due_on=due), None)[0]
            seed.goals[key] = goal.id
        seed.goals["mallory"] = create_goal(db.session, acme_id, GoalSpec(
            title="Acme confidential goal", rule=count_rule(1), person_id=seed.acme_people["M1"]), None)[0].id
        db.session.commit()
    xapi.store(completed("ada@example.com", "http://courses.example.com/python-1", "Intro to Python"))
    xapi.store(completed("alan@example.com", "http://courses.example.com/crypto", "Cryptography basics"))
    with app.app_context():
        certification = create_certification(db.session, tenant_id, "Safety induction", "", {
            "requirements": [{"title": "Complete a course", "rule": count_rule(1)}], "validity_months": 1,
            "renewal_days": 7})
        assign(db.session, certification, [seed.people["E2"]])
        seed.certification = certification.id
        seed.acme_certification = create_certification(db.session, acme_id, "Acme licence", "", {
            "requirements": [{"title": "Anything", "rule": count_rule(1)}]}).id
        seed.badge = db.session.query(Badge).filter_by(person_id=seed.people["E2"]).one().id
        db.session.commit()
        writer = Writer(tenant_id, None, {"objectType": "Agent", "name": "lrs",
                                          "account": {"homePage": "http://localhost", "name": "lrs"}}, False)
        give_kudos(db.session, writer, db.session.get(Person, seed.people["E3"]),
                   db.session.get(Person, seed.people["E2"]), "Great code review!", 3)
    return seed


@pytest.fixture
def seed(app, client) -> Seed:
    return seed_data(app, client)


@pytest.fixture(scope="module")
def shared(session_app) -> Iterator[tuple[Flask, Seed]]:
    """The same data, seeded once for a module whose tests only look (or change what none looks at)."""
    config = dict(session_app.config)
    with session_app.app_context():
        _empty_tables()
    seed = seed_data(session_app, session_app.test_client())
    yield session_app, seed
    with session_app.app_context():
        db.session.remove()
    session_app.config.clear()
    session_app.config.update(config)


def log_in_as(app, client: FlaskClient, user_id: int | None) -> FlaskClient:
    """Log the client in without the slow password check (the login page has tests of its own)."""
    with client.session_transaction() as cookie:
        cookie.clear()
        if user_id is not None:
            from lrs.models import User

            with app.app_context():
                cookie.update(session_values(db.session.get(User, user_id)))
    return client


def csrf_token(client: FlaskClient) -> str:
    page = client.get("/me", follow_redirects=True)
    found = CSRF_RE.search(page.get_data(as_text=True))
    assert found, "no CSRF token on the page"
    return found.group(1)


def post(client: FlaskClient, path: str, data: dict | None = None, **kw):
    """POST a form with a valid CSRF token."""
    return client.post(path, data={"csrf_token": csrf_token(client), **(data or {})}, **kw)
