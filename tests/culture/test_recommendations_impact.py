"""Recommendations for open goals, and impact views for a team."""

from __future__ import annotations

import csv
import io

from lrs.extensions import db
from lrs.models import Team
from tests.api.conftest import make_user_client
from tests.conftest import statement
from tests.progress.test_engine import done, setup_people

CR = "https://w3id.org/xapi/lrs/profiles/code-review/verbs/"


def team_goal(app, admin, name="Platform", target=3):
    with app.app_context():
        team_id = db.session.query(Team).filter_by(name=name).one().id
    rule = {"match": {"verbs": ["http://adlnet.gov/expapi/verbs/completed"]},
            "measure": {"kind": "count", "target": target}}
    admin.post("/goals", json={"title": "Three courses", "team_id": team_id, "rule": rule})
    return team_id


def test_recommendations_come_from_peers_with_the_same_goal(app, client, xapi):
    admin, ids = setup_people(app, client)
    team_goal(app, admin)
    xapi.store(done("ada@example.com", "http://x.example/course-a"))
    xapi.store(done("ada@example.com", "http://x.example/course-b"))
    xapi.store(done("alan@example.com", "http://x.example/course-b"))
    found = admin.get(f"/people/{ids['E3']}/recommendations").get_json()
    suggestions = found[0]["suggestions"]
    assert [s["activity_id"] for s in suggestions] == ["http://x.example/course-a"]  # course-b done already
    assert suggestions[0]["why"] == "1 of 1 person with the same goal completed this for it"


def test_recommendations_include_activities_the_goal_names(app, client):
    admin, ids = setup_people(app, client)
    rule = {"measure": {"kind": "all_activities", "activities": ["http://x.example/a1", "http://x.example/a2"]}}
    admin.post("/goals", json={"title": "Both", "person_id": ids["E2"], "rule": rule})
    found = admin.get(f"/people/{ids['E2']}/recommendations").get_json()
    assert {s["activity_id"] for s in found[0]["suggestions"]} == {"http://x.example/a1", "http://x.example/a2"}
    assert found[0]["suggestions"][0]["why"] == "the goal names this activity"
    stranger = make_user_client(app, client, "learner")
    assert stranger.get(f"/people/{ids['E2']}/recommendations").status_code == 404


def test_impact_view_side_by_side_with_csv(app, client, xapi):
    admin, ids = setup_people(app, client)
    team_id = team_goal(app, admin, target=1)
    xapi.store(done("ada@example.com", "http://x.example/c1", timestamp="2026-03-05T10:00:00Z",
                    result={"duration": "PT2H"}))
    change = {"id": "https://git.example.com/acme/pulls/1"}
    xapi.store(statement(actor={"mbox": "mailto:alan@example.com"}, verb={"id": CR + "opened"}, object=change,
                         timestamp="2026-03-10T08:00:00Z"))
    xapi.store(statement(actor={"mbox": "mailto:grace@example.com"}, verb={"id": CR + "approved"}, object=change,
                         timestamp="2026-03-10T14:00:00Z"))
    view = admin.get(f"/teams/{team_id}/impact?from=2026-02-01&to=2026-04-30").get_json()
    march = next(m for m in view["months"] if m["month"] == "2026-03")
    assert march["learning_hours"] == 2.0 and march["review_turnaround_hours"] == 6.0
    assert [m["month"] for m in view["months"]] == ["2026-02", "2026-03", "2026-04"]
    assert "not show that one caused the other" in view["caveat"]
    text = admin.get(f"/teams/{team_id}/impact?from=2026-02-01&to=2026-04-30&format=csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO("\n".join(line for line in text.splitlines() if not line.startswith("#")))))
    assert rows[1]["review_turnaround_hours"] == "6.0"
    assert admin.get(f"/teams/{team_id}/impact?from=2026-05-01&to=2026-04-01").status_code == 400
    assert make_user_client(app, client, "learner").get(f"/teams/{team_id}/impact").status_code == 403
