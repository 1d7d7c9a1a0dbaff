"""People from CSV: dry run, import, updates, all-or-nothing errors by line; the directory API."""

from __future__ import annotations

import json

import pytest

from lrs.people import csv_import
from tests.api.conftest import make_user_client

CSV = """employee_id,name,email,manager_id,teams,identities,github
E1,Grace Hopper,grace@example.com,,Leadership,,
E2,Ada Lovelace,ada@example.com,E1,Platform;Reviewers,account:https://lms.example.com|ada-7,adal
E3,Alan Turing,alan@example.com,E2,Platform,sha1:ebd31e95054c018b10727ccffd2ef2ec3a016ee9,
"""


def _write(tmp_path, text):
    path = tmp_path / "people.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_dry_run_lists_changes_and_changes_nothing(runner, tmp_path, app):
    result = runner.invoke(args=["people", "import", _write(tmp_path, CSV), "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    assert [p["employee_id"] for p in plan["create"]] == ["E1", "E2", "E3"]
    admin = make_user_client(app, app.test_client(), "admin")
    assert admin.get("/people").get_json() == []


def test_import_creates_people_with_managers_teams_and_identities(runner, tmp_path, app, client):
    assert runner.invoke(args=["people", "import", _write(tmp_path, CSV)]).exit_code == 0
    admin = make_user_client(app, client, "admin")
    people = {p["employee_id"]: p for p in admin.get("/people").get_json()}
    ada = people["E2"]
    assert ada["manager"]["employee_id"] == "E1"
    assert ada["teams"] == ["Platform", "Reviewers"]
    assert set(ada["identities"]) == {"mailto:ada@example.com", "account:https://lms.example.com|ada-7",
                                      "account:https://github.com|adal"}


def test_reimport_updates_only_what_changed(runner, tmp_path):
    runner.invoke(args=["people", "import", _write(tmp_path, CSV)])
    changed = CSV.replace("Alan Turing,alan@example.com,E2,Platform", "Alan M. Turing,alan@example.com,E1,Platform")
    plan = json.loads(runner.invoke(args=["people", "import", _write(tmp_path, changed), "--json"]).output)
    assert plan["create"] == []
    assert plan["unchanged"] == 2
    assert plan["update"][0]["changes"] == {"name": {"from": "Alan Turing", "to": "Alan M. Turing"},
                                            "manager_id": {"from": "E2", "to": "E1"}}


@pytest.mark.parametrize("text, line, column", [
    ("name\nAda\n", 1, "employee_id"),
    ("employee_id,name,shoe_size\nE1,Ada,7\n", 1, "shoe_size"),
    ("employee_id,name\nE1,\n", 2, "name"),
    ("employee_id,name,email\nE1,Ada,not-an-email\n", 2, "email"),
    ("employee_id,name\nE1,Ada\nE1,Bea\n", 3, "employee_id"),
    ("employee_id,name,manager_id\nE1,Ada,E9\n", 2, "manager_id"),
    ("employee_id,name,manager_id\nE1,Ada,E1\n", 2, "manager_id"),
    ("employee_id,name,manager_id\nE1,Ada,E2\nE2,Bea,E1\n", 2, "manager_id"),
    ("employee_id,name,identities\nE1,Ada,telephone:123\n", 2, "identities"),
    ("employee_id,name,identities\nE1,Ada,account:not a url|x\n", 2, "identities"),
    ("employee_id,name,identities\nE1,Ada,sha1:xyz\n", 2, "identities"),
    ("employee_id,name,github\nE1,Ada,has space\n", 2, "github"),
    ("employee_id,name,email\nE1,Ada,a@example.com\nE2,Bea,a@example.com\n", 3, "identities"),
    ("employee_id,name\nE1,Ada,extra\n", 2, "row"),
])
def test_malformed_rows_are_reported_by_line_and_nothing_is_imported(runner, tmp_path, app, client, text, line,
                                                                       column):
    result = runner.invoke(args=["people", "import", _write(tmp_path, text)])
    assert result.exit_code != 0
    assert f"line {line}, column {column}" in result.output
    assert "Traceback" not in result.output
    admin = make_user_client(app, client, "admin")
    assert admin.get("/people").get_json() == []


def test_identity_collision_with_the_directory_is_refused(runner, tmp_path):
    runner.invoke(args=["people", "import", _write(tmp_path, CSV)])
    clash = "employee_id,name,github\nE9,Eve,adal\n"
    result = runner.invoke(args=["people", "import", _write(tmp_path, clash)])
    assert result.exit_code != 0
    assert "belongs to employee E2" in result.output


def test_import_over_the_api_with_dry_run(app, client):
    admin = make_user_client(app, client, "admin")
    dry = admin.post("/people/import?dry_run=true", data=CSV, headers={"Content-Type": "text/csv"})
    assert dry.status_code == 200, dry.get_json()
    assert dry.get_json()["dry_run"] is True
    assert admin.get("/people").get_json() == []
    bad = admin.post("/people/import", data="employee_id,name\nE1,\n", headers={"Content-Type": "text/csv"})
    assert bad.status_code == 400
    assert bad.get_json()["path"] == "line 2, column name"
    assert bad.get_json()["errors"][0]["line"] == 2
    done = admin.post("/people/import", data=CSV, headers={"Content-Type": "text/csv"})
    assert len(done.get_json()["create"]) == 3
    assert len(admin.get("/people").get_json()) == 3


def test_people_are_visible_by_role(app, client, runner, tmp_path):
    runner.invoke(args=["people", "import", _write(tmp_path, CSV)])
    from lrs.extensions import db
    from lrs.models import Person, User

    manager = make_user_client(app, client, "manager", email="ada@example.com")
    learner = make_user_client(app, client, "learner", email="alan@example.com")
    other_tenant = make_user_client(app, client, "admin", tenant="other")
    with app.app_context():
        ids = {p.employee_id: p.id for p in db.session.query(Person)}
        for email, eid in (("ada@example.com", "E2"), ("alan@example.com", "E3")):
            db.session.query(User).filter_by(email=email).update({"person_id": ids[eid]})
        db.session.commit()
    assert sorted(p["employee_id"] for p in manager.get("/people").get_json()) == ["E2", "E3"]
    assert [p["employee_id"] for p in learner.get("/people").get_json()] == ["E3"]
    assert learner.get(f"/people/{ids['E1']}").status_code == 404
    assert other_tenant.get("/people").get_json() == []
    assert other_tenant.get(f"/people/{ids['E1']}").status_code == 404


def test_admin_links_an_identity_and_collisions_are_409(app, client, runner, tmp_path):
    runner.invoke(args=["people", "import", _write(tmp_path, CSV)])
    admin = make_user_client(app, client, "admin")
    people = {p["employee_id"]: p for p in admin.get("/people").get_json()}
    linked = admin.post(f"/people/{people['E3']['id']}/identities", json={"identity": "openid:https://id.example/alan"})
    assert linked.status_code == 200
    assert "openid:https://id.example/alan" in linked.get_json()["identities"]
    clash = admin.post(f"/people/{people['E1']['id']}/identities", json={"identity": "mailto:ada@example.com"})
    assert clash.status_code == 409
    assert admin.post(f"/people/{people['E1']['id']}/identities", json={"identity": "bogus"}).status_code == 400


def test_parse_is_pure_and_reports_every_error():
    with pytest.raises(csv_import.ImportError_) as caught:
        csv_import.parse("employee_id,name,email\nE1,,x\nE2,Bea,y\n")
    assert [(e.line, e.column) for e in caught.value.errors] == [(2, "name"), (2, "email"), (3, "email")]
