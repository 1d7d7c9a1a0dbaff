"""Property: incremental progress equals a rebuild from the log, for random statement streams with voids,
out-of-order timestamps and duplicate submissions (issue: "The progress engine")."""

from __future__ import annotations

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from lrs.extensions import db
from lrs.models import GoalEvidence, GoalProgress
from lrs.progress.engine import ProgressEngine
from tests.api.conftest import make_user_client
from tests.conftest import _empty_tables, statement

PEOPLE = "employee_id,name,email\nE1,A,a@example.com\nE2,B,b@example.com\n"
VERBS = ["http://adlnet.gov/expapi/verbs/completed", "http://adlnet.gov/expapi/verbs/passed"]
RULES = [
    {"match": {"verbs": [VERBS[0]]}, "measure": {"kind": "count", "target": 3}},
    {"measure": {"kind": "distinct_activities", "target": 2}},
    {"match": {"verbs": [VERBS[1]]}, "measure": {"kind": "duration", "target": "PT5M"}},
    {"measure": {"kind": "all_activities", "activities": ["http://x.example/a0", "http://x.example/a1"]}},
]

new_statement = st.fixed_dictionaries({
    "op": st.just("new"), "who": st.sampled_from(["a@example.com", "b@example.com", "c@example.com"]),
    "verb": st.sampled_from(VERBS), "activity": st.integers(0, 2), "day": st.integers(1, 28),
    "minutes": st.integers(0, 4),
})
repeat = st.fixed_dictionaries({"op": st.just("repeat"), "index": st.integers(0, 30)})
void = st.fixed_dictionaries({"op": st.just("void"), "index": st.integers(0, 30)})
streams = st.lists(st.one_of(new_statement, new_statement, repeat, void), min_size=1, max_size=14)


def _snapshot():
    progress = sorted(tuple(r) for r in db.session.execute(
        select(GoalProgress.goal_id, GoalProgress.value, GoalProgress.fraction, GoalProgress.achieved_us)))
    evidence = sorted(tuple(r) for r in db.session.execute(select(GoalEvidence.goal_id, GoalEvidence.statement_id)))
    return progress, evidence


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stream=streams)
def test_incremental_equals_rebuild(app, client, xapi, stream):
    with app.app_context():
        _empty_tables()
    from tests.conftest import issue_credential

    xapi.credential = issue_credential(app)
    admin = make_user_client(app, client, "admin", email=f"admin-{uuid.uuid4().hex[:8]}@example.com")
    admin.post("/people/import", data=PEOPLE, headers={"Content-Type": "text/csv"})
    person_ids = [p["id"] for p in admin.get("/people").get_json()]
    for person_id in person_ids:
        for rule in RULES:
            assert admin.post("/goals", json={"title": "g", "person_id": person_id, "rule": rule}).status_code == 201
    sent: list[dict] = []
    for step in stream:
        if step["op"] == "new":
            item = statement(id=str(uuid.uuid4()), actor={"mbox": f"mailto:{step['who']}"},
                             verb={"id": step["verb"]}, object={"id": f"http://x.example/a{step['activity']}"},
                             timestamp=f"2026-03-{step['day']:02d}T10:00:00Z",
                             result={"duration": f"PT{step['minutes']}M"})
            assert xapi.post(item).status_code == 200
            sent.append(item)
        elif sent:
            target = sent[step["index"] % len(sent)]
            if step["op"] == "repeat":
                assert xapi.post(target).status_code == 200
            else:
                xapi.post(statement(id=str(uuid.uuid4()), actor={"mbox": "mailto:admin@example.com"},
                                    verb={"id": "http://adlnet.gov/expapi/verbs/voided"},
                                    object={"objectType": "StatementRef", "id": target["id"]}))
    with app.app_context():
        incremental = _snapshot()
        ProgressEngine(db.session).rebuild()
        db.session.commit()
        assert _snapshot() == incremental
