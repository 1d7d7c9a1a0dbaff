"""Every page route as every role, anonymously and from another tenant; and no POST without a CSRF token."""

from __future__ import annotations

import pytest

from lrs.extensions import db
from lrs.forwarding.service import add_forwarder
from lrs.models import Team
from lrs.plugin_host.registry import registry
from lrs.plugin_host.sources import add_source
from tests.conftest import SECRET_KEY
from tests.web.conftest import csrf_token, log_in_as

ALL = ("learner", "manager", "admin")
MANAGERS = ("manager", "admin")
ADMIN = ("admin",)
# (method, path with {placeholders} from the ids fixture, roles that may use it)
ROUTES = [
    ("GET", "/", ALL),
    ("GET", "/me", ALL),
    ("POST", "/me/kudos", ALL),
    ("POST", "/me/leaderboard", ALL),
    ("POST", "/logout", ALL),
    ("GET", "/team", MANAGERS),
    ("GET", "/team/export?format=csv", MANAGERS),
    ("GET", "/admin", ADMIN),
    ("GET", "/admin/users", ADMIN),
    ("POST", "/admin/users", ADMIN),
    ("GET", "/admin/users/{user}", ADMIN),
    ("POST", "/admin/users/{user}", ADMIN),
    ("POST", "/admin/users/{user}/password", ADMIN),
    ("GET", "/admin/credentials", ADMIN),
    ("POST", "/admin/credentials", ADMIN),
    ("POST", "/admin/credentials/{credential}/revoke", ADMIN),
    ("GET", "/admin/sources", ADMIN),
    ("POST", "/admin/sources", ADMIN),
    ("POST", "/admin/sources/{source}/disable", ADMIN),
    ("GET", "/admin/forwarding", ADMIN),
    ("POST", "/admin/forwarding/{forwarder}/disable", ADMIN),
    ("POST", "/admin/forwarding/{forwarder}/enable", ADMIN),
    ("GET", "/admin/profiles", ADMIN),
    ("POST", "/admin/profiles", ADMIN),
    ("GET", "/admin/people", ADMIN),
    ("POST", "/admin/people/import", ADMIN),
    ("POST", "/admin/people/import/confirm", ADMIN),
    ("GET", "/admin/people/unmatched", ADMIN),
    ("POST", "/admin/people/unmatched/link", ADMIN),
    ("GET", "/admin/goals", ADMIN),
    ("POST", "/admin/goals", ADMIN),
    ("POST", "/admin/goals/recount", ADMIN),
    ("GET", "/admin/certifications", ADMIN),
    ("POST", "/admin/certifications", ADMIN),
    ("POST", "/admin/certifications/{certification}/assign", ADMIN),
    ("GET", "/admin/statements", ADMIN),
]
# Routes naming a row of the tenant: another tenant's admin gets 404 for them.
OWNED = [route for route in ROUTES if "{" in route[1]]
POSTS = [route for route in ROUTES if route[0] == "POST"]


@pytest.fixture(scope="module")
def ids(shared) -> dict:
    """Rows of tenant ``default`` that the routes name: a user, a credential, a source, a forwarder."""
    app, seed = shared
    with app.app_context():
        source = add_source(db.session, registry(), SECRET_KEY, "http://localhost", kind="github", name="gh",
                            tenant="default", options={})
        forwarder = add_forwarder(db.session, SECRET_KEY, tenant="default", name="warehouse", kind="http",
                                  url="http://127.0.0.1:9/statements")
        db.session.commit()
        return {"user": seed.users["linus"], "credential": seed.credential_key, "source": source.id,
               "forwarder": forwarder.id, "certification": seed.certification,
               "team": db.session.query(Team).filter_by(name="Platform").one().id}


@pytest.fixture
def app(shared):
    return shared[0]


@pytest.fixture
def seed(shared):
    return shared[1]



def _call(client, method: str, path: str, token: str | None):
    if method == "GET":
        return client.get(path)
    return client.post(path, data={"csrf_token": token} if token else {})


@pytest.mark.parametrize(("method", "template", "roles"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_anonymous_visitors_are_sent_to_the_login_page(app, client, ids, method, template, roles):
    path = template.format(**ids)
    response = _call(client, method, path, csrf_token(client))
    if path == "/":
        assert response.status_code == 302 and response.location == "/login"
        return
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")


@pytest.mark.parametrize("role", ALL)
@pytest.mark.parametrize(("method", "template", "roles"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_each_role_opens_its_pages_and_gets_403_elsewhere(app, client, seed, ids, method, template, roles, role):
    log_in_as(app, client, seed.users[role])
    response = _call(client, method, template.format(**ids), csrf_token(client))
    if template == "/logout":
        assert response.status_code == 302 and response.location == "/login"
    elif role in roles:
        assert response.status_code in (200, 201, 302, 400), response.get_data(as_text=True)[:500]
        assert not (response.location or "").startswith("/login")
    else:
        assert response.status_code == 403
        assert "Not for your role" in response.get_data(as_text=True)


@pytest.mark.parametrize(("method", "template", "roles"), OWNED, ids=[f"{m} {p}" for m, p, _ in OWNED])
def test_another_tenants_rows_are_not_found(app, client, seed, ids, method, template, roles):
    log_in_as(app, client, seed.users["acme_admin"])
    response = _call(client, method, template.format(**ids), csrf_token(client))
    assert response.status_code == 404
    assert "There is nothing here that you can see." in response.get_data(as_text=True)


@pytest.mark.parametrize(("method", "template", "roles"), POSTS, ids=[f"{m} {p}" for m, p, _ in POSTS])
def test_every_form_needs_its_csrf_token(app, client, seed, ids, method, template, roles):
    log_in_as(app, client, seed.users[roles[-1]])
    for data in ({}, {"csrf_token": "forged"}):
        response = client.post(template.format(**ids), data=data)
        assert response.status_code == 400
        assert "The form expired" in response.get_data(as_text=True)


def test_the_api_and_xapi_take_no_csrf_token(app, client, seed):
    """CSRF protection is the pages' only: token-authenticated resources answer as before."""
    from tests.api.conftest import make_user_client

    admin = make_user_client(app, client, "admin", tenant="csrf-free")
    assert admin.post("/credentials", json={"name": "x"}).status_code == 201
    assert client.get("/xapi/about").status_code == 200


def test_another_tenants_manager_cannot_export_this_tenants_team(app, client, seed, ids):
    log_in_as(app, client, seed.users["acme_manager"])
    response = client.get(f"/team/export?scope=team:{ids['team']}&format=csv")
    assert response.status_code == 400
    assert "Choose whom to export" in response.get_data(as_text=True)
