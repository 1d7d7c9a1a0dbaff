"""The OIDC login and the launch over HTTP: the person, their login, the course's team, the landing page."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from lrs.extensions import db
from lrs.models import Identity, Person, Team, TeamMember, User
from lrs.models.lti import LtiContext, LtiMember
from tests.lti.platform import INSTRUCTOR, LaunchSpec


def test_login_initiation_redirects_to_the_platform_with_every_oidc_parameter(app, tool, platform, browser):
    hint = platform.prepare()
    response = browser.login(tool.url, platform.login_params(hint))
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == platform.auth_url
    query = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert query["scope"] == "openid" and query["response_type"] == "id_token"
    assert query["response_mode"] == "form_post" and query["prompt"] == "none"
    assert query["client_id"] == platform.client_id and query["redirect_uri"] == f"{tool.url}/lti/launch"
    assert query["login_hint"] == "learner-1" and query["lti_message_hint"] == hint
    assert len(query["state"]) >= 32 and len(query["nonce"]) >= 32
    cookie = response.headers["Set-Cookie"]
    assert f"lti_state_{query['state']}={query['state']}" in cookie
    assert "Secure" in cookie and "SameSite=None" in cookie and "Partitioned" in cookie and "HttpOnly" in cookie


def test_post_login_initiation_works_too(app, tool, platform, browser):
    hint = platform.prepare()
    response = browser.http.post(f"{tool.url}/lti/login", data=platform.login_params(hint), allow_redirects=False)
    assert response.status_code == 302 and response.headers["Location"].startswith(platform.auth_url)


def test_learner_launch_creates_person_identities_login_and_course_team(app, tool, platform, browser):
    response = browser.launch(tool, platform, platform.prepare())
    assert response.status_code == 303, response.text
    assert response.headers["Location"] in ("/me", "/lti/home")
    session_cookie = [c for c in response.raw.headers.getlist("Set-Cookie") if c.startswith("session=")][0]
    assert "Secure" in session_cookie and "SameSite=None" in session_cookie and "Partitioned" in session_cookie
    home = browser.get(f"{tool.url}/lti/home")
    assert home.status_code == 200 and "Ada Lovelace" in home.text
    with app.app_context():
        person = db.session.scalar(select(Person))
        values = set(db.session.scalars(select(Identity.value).where(Identity.person_id == person.id)))
        assert values == {"mbox:mailto:ada@example.com", f"account:{platform.issuer}\x1flearner-1"}
        user = db.session.scalar(select(User))
        assert (user.role, user.person_id, user.email) == ("learner", person.id, "ada@example.com")
        context = db.session.scalar(select(LtiContext))
        team = db.session.get(Team, context.team_id)
        assert team.name == "Course One"
        assert db.session.get(TeamMember, (team.id, person.id)) is not None
        assert db.session.get(LtiMember, (context.id, person.id)).role == "learner"


def test_launch_links_an_existing_person_by_email(app, tool, platform, browser):
    from lrs.people.directory import add_identity
    from lrs.people.identities import parse
    from lrs.tenancy.credentials import get_or_create_tenant

    with app.app_context():
        tenant = get_or_create_tenant(db.session, "default")
        person = Person(tenant_id=tenant.id, employee_id="E7", name="Ada (HR)", email="ada@example.com",
                        created=tenant.created)
        db.session.add(person)
        db.session.flush()
        add_identity(db.session, person, parse("mailto:ada@example.com"))
        db.session.commit()
        person_id = person.id
    assert browser.launch(tool, platform, platform.prepare()).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Person.id)) == person_id  # no second person
        assert db.session.scalar(select(Person.name)) == "Ada (HR)"  # the directory's data stays
        assert len(list(db.session.scalars(select(Identity).where(Identity.person_id == person_id)))) == 2
        assert db.session.scalar(select(User.person_id)) == person_id


def test_instructor_launch_makes_a_manager_of_the_course_not_a_team_member(app, tool, platform, browser):
    spec = LaunchSpec(sub="teacher-1", roles=[INSTRUCTOR], name="Grace Hopper", email="grace@example.com")
    response = browser.launch(tool, platform, platform.prepare(spec))
    assert response.headers["Location"] in ("/team", "/lti/home")
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.role == "manager"
        context = db.session.scalar(select(LtiContext))
        assert db.session.get(LtiMember, (context.id, user.person_id)).role == "manager"
        assert db.session.get(TeamMember, (context.team_id, user.person_id)) is None
    home = browser.get(f"{tool.url}/lti/home")
    assert "Courses you teach" in home.text and "Course One" in home.text


def test_a_second_launch_reuses_person_login_and_team(app, tool, platform, browser):
    browser.launch(tool, platform, platform.prepare())
    other = type(browser)(tool.certificate)
    assert other.launch(tool, platform, platform.prepare()).status_code == 303
    with app.app_context():
        assert len(list(db.session.scalars(select(Person)))) == 1
        assert len(list(db.session.scalars(select(User)))) == 1
        assert len(list(db.session.scalars(select(Team)))) == 1


def test_launch_without_email_gets_a_placeholder_login(app, tool, platform, browser):
    assert browser.launch(tool, platform, platform.prepare(LaunchSpec(sub="anon-7", email=None))).status_code == 303
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.email.endswith("@lti.invalid")
        person = db.session.get(Person, user.person_id)
        assert set(db.session.scalars(select(Identity.value))) == {f"account:{platform.issuer}\x1fanon-7"}
        assert person.email is None
