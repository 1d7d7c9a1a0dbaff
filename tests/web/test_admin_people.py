"""/admin/people: the directory, CSV import in two steps (the plan, then the import), unmatched identities."""

from __future__ import annotations

import html
import io
import re

from lrs.extensions import db
from lrs.models import GoalProgress, Identity, Person, Tenant
from tests.conftest import XapiClient, issue_credential, statement
from tests.web.conftest import log_in_as, post

NEW_PEOPLE = """employee_id,name,email,manager_id,teams
E3,Alan M. Turing,alan@example.com,E2,Platform
E5,Katherine Johnson,katherine@example.com,E1,Leads
"""


def _admin(app, client, seed):
    return log_in_as(app, client, seed.users["admin"])


def _upload(client, path: str, text: str):
    return post(client, path, {"file": (io.BytesIO(text.encode()), "people.csv")}, content_type="multipart/form-data")


def _count(app) -> int:
    """People in tenant default."""
    with app.app_context():
        return db.session.query(Person).join(Tenant, Tenant.id == Person.tenant_id).filter(
            Tenant.name == "default").count()


def test_the_directory_lists_and_searches_people(app, client, seed):
    page = _admin(app, client, seed).get("/admin/people").get_data(as_text=True)
    assert "4 people" in page and "Mallory" not in page
    alan = page.split("<th scope=\"row\">Alan Turing</th>")[1].split("</tr>")[0]
    assert "E3" in alan and "Ada Lovelace" in alan and "Platform" in alan
    found = client.get("/admin/people?q=lovelace").get_data(as_text=True)
    assert "1 person matching" in found and "Ada Lovelace" in found and "Alan Turing</th>" not in found


def test_an_import_shows_its_plan_first_and_changes_nothing(app, client, seed):
    _admin(app, client, seed)
    before = _count(app)
    response = _upload(client, "/admin/people/import", NEW_PEOPLE)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r"<strong>1</strong> to create", page) and re.search(r"<strong>1</strong> to update", page)
    assert "Katherine Johnson" in page and "name: Alan Turing → Alan M. Turing" in page
    assert "Import 2 change(s)" in page and 'data-busy="Importing people' in page
    assert _count(app) == before
    hidden = html.unescape(re.search(r'name="csv" value="([^"]*)"', page).group(1))
    assert hidden == NEW_PEOPLE

    response = post(client, "/admin/people/import/confirm", {"csv": hidden})
    assert response.status_code == 302
    assert "Imported: 1 created, 1 updated, 0 unchanged." in client.get("/admin/people").get_data(as_text=True)
    assert _count(app) == before + 1


def test_an_import_with_errors_lists_each_by_line_and_column_and_imports_nothing(app, client, seed):
    _admin(app, client, seed)
    bad = "employee_id,name,email,manager_id\nE6,,x@example.com,\nE7,Someone,not-an-email,E99\n"
    for path in ("/admin/people/import", "/admin/people/import/confirm"):
        response = _upload(client, path, bad)
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and "nothing was imported" in page
        assert "line 2, column name" in page and "line 3, column email" in page
    assert _count(app) == 4


def test_an_import_needs_a_utf8_file(app, client, seed):
    _admin(app, client, seed)
    response = post(client, "/admin/people/import", {"file": (io.BytesIO("name\nZoë".encode("latin-1")), "p.csv")},
                    content_type="multipart/form-data")
    assert response.status_code == 400 and "must be UTF-8" in response.get_data(as_text=True)
    empty = post(client, "/admin/people/import", {})
    assert empty.status_code == 400 and "Choose a CSV file" in empty.get_data(as_text=True)


def test_an_unmatched_identity_is_linked_and_its_statements_count(app, client, seed):
    xapi = XapiClient(client, issue_credential(app, name="lms"))
    xapi.store(statement(actor={"account": {"homePage": "https://lms.example.com", "name": "alan-7"},
                                "name": "Alan (LMS)"}))
    _admin(app, client, seed)
    page = client.get("/admin/people/unmatched").get_data(as_text=True)
    assert "Alan (LMS) (account:https://lms.example.com|alan-7)" in page
    assert 'value="account:https://lms.example.com|alan-7"' in page
    response = post(client, "/admin/people/unmatched/link",
                    {"identity": "account:https://lms.example.com|alan-7", "person": "E3"})
    assert response.status_code == 302
    assert "is now Alan Turing’s" in client.get("/admin/people/unmatched").get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Identity).filter_by(person_id=seed.people["E3"]).count() == 2
        assert db.session.get(GoalProgress, seed.goals["alan"]).value == 2  # his two statements now count


def test_linking_to_an_unknown_person_or_a_taken_identity_says_why(app, client, seed):
    _admin(app, client, seed)
    post(client, "/admin/people/unmatched/link", {"identity": "mailto:x@example.com", "person": "E99"})
    assert "No person with employee id" in client.get("/admin/people/unmatched").get_data(as_text=True)
    post(client, "/admin/people/unmatched/link", {"identity": "mailto:ada@example.com", "person": "E3"})
    assert "belongs to another person already" in client.get("/admin/people/unmatched").get_data(as_text=True)
    post(client, "/admin/people/unmatched/link", {"identity": "bogus", "person": "E3"})
    assert "Not linked" in client.get("/admin/people/unmatched").get_data(as_text=True)
