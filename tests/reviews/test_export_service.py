"""Review exports from the database: the API and the CLI, each format, access by role and tenant."""

from __future__ import annotations

import csv
import io

import orjson
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from lrs.extensions import db
from lrs.models import Team, User
from tests.api.conftest import make_user_client
from tests.progress.test_engine import count_rule, done, setup_people


@pytest.fixture
def platform(app, client, xapi):
    admin, ids = setup_people(app, client)
    with app.app_context():
        team_id = db.session.query(Team).filter_by(name="Platform").one().id
    admin.post("/goals", json={"title": "Finish two courses", "team_id": team_id, "rule": count_rule(2),
                               "starts_on": "2026-01-01", "due_on": "2026-12-31"})
    xapi.store(done("ada@example.com", "http://x.example/c1", timestamp="2026-03-01T10:00:00Z",
                    result={"duration": "PT30M"}))
    xapi.store(done("ada@example.com", "http://x.example/c2", timestamp="2026-03-02T10:00:00Z"))
    xapi.store(done("alan@example.com", "http://x.example/c1", timestamp="2026-03-03T10:00:00Z"))
    return admin, ids, team_id


def test_csv_export_for_a_team(platform):
    admin, ids, team_id = platform
    response = admin.get(f"/reviews/export?team_id={team_id}&from=2026-01-01&to=2026-12-31&format=csv")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "attachment" in response.headers["Content-Disposition"]
    rows = {r["employee_id"]: r for r in csv.DictReader(io.StringIO(response.get_data(as_text=True)))}
    assert rows["E2"]["status"] == "achieved" and rows["E2"]["evidence_count"] == "2"
    assert rows["E3"]["status"] == "in_progress"
    assert rows["E2"]["objective"] == "Finish two courses"


def test_json_xlsx_and_pdf_exports(platform):
    admin, ids, team_id = platform
    data = orjson.loads(admin.get(f"/reviews/export?team_id={team_id}&format=json").data)
    ada = next(p for p in data["people"] if p["employee_id"] == "E2")
    assert ada["totals"]["learning_seconds"] == 1800 and ada["goals"][0]["evidence"][0]["source"] == "test client"
    workbook = load_workbook(io.BytesIO(admin.get(f"/reviews/export?team_id={team_id}&format=xlsx").data))
    assert {"Objectives", "Totals"} <= set(workbook.sheetnames)
    pdf = PdfReader(io.BytesIO(admin.get(f"/reviews/export?team_id={team_id}&format=pdf").data))
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "Ada Lovelace" in text and "Alan Turing" in text and "Finish two courses" in text


def test_period_limits_evidence(platform):
    admin, ids, team_id = platform
    data = orjson.loads(admin.get(f"/reviews/export?person_id={ids['E2']}&from=2026-03-02&to=2026-03-31"
                                  f"&format=json").data)
    assert [e["timestamp"][:10] for e in data["people"][0]["goals"][0]["evidence"]] == ["2026-03-02"]


def test_managers_export_their_chain_only(app, client, platform):
    admin, ids, team_id = platform
    manager = make_user_client(app, client, "manager", email="grace@example.com")
    with app.app_context():
        db.session.query(User).filter_by(email="grace@example.com").update({"person_id": ids["E1"]})
        db.session.commit()
    chain = orjson.loads(manager.get(f"/reviews/export?person_id={ids['E1']}&chain=true&format=json").data)
    assert sorted(p["employee_id"] for p in chain["people"]) == ["E1", "E2", "E3"]
    learner = make_user_client(app, client, "learner", email="alan@example.com")
    with app.app_context():
        db.session.query(User).filter_by(email="alan@example.com").update({"person_id": ids["E3"]})
        db.session.commit()
    assert learner.get(f"/reviews/export?person_id={ids['E2']}").status_code == 404
    own = orjson.loads(learner.get(f"/reviews/export?person_id={ids['E3']}&format=json").data)
    assert [p["employee_id"] for p in own["people"]] == ["E3"]
    team = orjson.loads(learner.get(f"/reviews/export?team_id={team_id}&format=json").data)
    assert [p["employee_id"] for p in team["people"]] == ["E3"]


@pytest.mark.parametrize("query, path", [
    ("format=doc&team_id=1", "format"), ("", "person_id"), ("person_id=1&team_id=1", "person_id"),
    ("team_id=1&from=2026-02-01&to=2026-01-01", "to"), ("team_id=1&from=yesterday", "from"),
])
def test_bad_export_requests(platform, query, path):
    admin, ids, team_id = platform
    response = admin.get(f"/reviews/export?{query}")
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.get_json()["path"].endswith(path)


def test_cli_export_writes_a_file(runner, platform, tmp_path):
    out = tmp_path / "review.xlsx"
    result = runner.invoke(args=["reviews", "export", "--team", "Platform", "--format", "xlsx", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert load_workbook(out)["Objectives"].max_row >= 3
    unknown = runner.invoke(args=["reviews", "export", "--team", "Nope", "--out", str(out)])
    assert unknown.exit_code != 0 and "no team" in unknown.output


def test_other_tenants_see_nothing(app, client, platform):
    admin, ids, team_id = platform
    other = make_user_client(app, client, "admin", tenant="other")
    assert other.get(f"/reviews/export?team_id={team_id}").status_code == 404
    assert other.get(f"/reviews/export?person_id={ids['E2']}").status_code == 404
