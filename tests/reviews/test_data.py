"""The export's data classes: validation, totals, and a JSON form that round-trips."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from lrs.reviews.data import (
    CertificationReview,
    GoalReview,
    KudosReview,
    ReviewExport,
    Totals,
    format_datetime,
)
from tests.reviews.factories import GENERATED_AT, goal_review, sample_export


def _goal(status: str, fraction: float, weight: float = 1.0, goal_id: int = 1) -> GoalReview:
    return GoalReview(goal_id=goal_id, title="Read", measure="count", target=10, unit="statements",
                      value=fraction * 10, fraction=fraction, status=status, weight=weight, starts_on=None,
                      due_on=None, achieved_at=None, evidence=[])


def test_export_json_round_trips_to_an_equal_export():
    export = sample_export(4, goals=3, evidence=2)
    data = export.to_json()
    assert ReviewExport.from_json(json.loads(json.dumps(data))) == export


def test_export_json_has_the_documented_shape():
    data = sample_export(1, goals=1, evidence=1).to_json()
    assert set(data) == {"period_from", "period_to", "generated_at", "scope", "people"}
    person = data["people"][0]
    assert set(person) == {"person_id", "employee_id", "name", "email", "manager", "goals", "certifications",
                           "kudos", "totals"}
    goal = person["goals"][0]
    assert set(goal) == {"goal_id", "title", "measure", "target", "unit", "value", "fraction", "status",
                         "weight", "starts_on", "due_on", "achieved_at", "evidence"}
    assert set(goal["evidence"][0]) == {"statement_id", "timestamp", "verb", "activity_id", "activity_name",
                                        "source"}
    assert set(person["totals"]) == {"goals", "achieved", "in_progress", "not_started", "overdue",
                                     "weighted_fraction", "learning_seconds", "certifications_active",
                                     "kudos"}
    assert data["period_from"] == "2026-01-01"
    assert data["generated_at"] == "2026-05-15T08:30:00.000Z"


def test_datetimes_naive_are_utc_and_aware_are_converted():
    assert format_datetime(datetime(2026, 3, 1, 9, 30, 0, 123456)) == "2026-03-01T09:30:00.123Z"
    paris = timezone(timedelta(hours=1))
    assert format_datetime(datetime(2026, 3, 1, 10, 30, tzinfo=paris)) == "2026-03-01T09:30:00.000Z"
    assert format_datetime(None) is None


@pytest.mark.parametrize("field, value", [("measure", "sum"), ("unit", "hours"), ("status", "done")])
def test_goal_with_unknown_enumeration_is_refused_naming_the_goal(field, value):
    fields = _goal("achieved", 1.0).to_json() | {field: value}
    with pytest.raises(ValueError, match=f"goal 1 {field} is '{value}'"):
        GoalReview.from_json(fields)


def test_certification_with_unknown_status_is_refused():
    with pytest.raises(ValueError, match="certification 7 status"):
        CertificationReview(7, "First aid", "lapsed", None, None)


def test_totals_count_statuses_and_weigh_fractions():
    goals = [_goal("achieved", 1.0, weight=3, goal_id=1), _goal("in_progress", 0.5, goal_id=2),
             _goal("not_started", 0.0, goal_id=3), _goal("overdue", 0.2, weight=2, goal_id=4)]
    certs = [CertificationReview(1, "A", "active", GENERATED_AT, None),
             CertificationReview(2, "B", "expiring", GENERATED_AT, GENERATED_AT),
             CertificationReview(3, "C", "expired", GENERATED_AT, GENERATED_AT),
             CertificationReview(4, "D", "not_earned", None, None)]
    kudos = [KudosReview("Grace", "Thanks", GENERATED_AT)]
    totals = Totals.compute(goals, certs, kudos, learning_seconds=5400.0)
    assert totals == Totals(goals=4, achieved=1, in_progress=1, not_started=1, overdue=1,
                            weighted_fraction=round((3 + 0.5 + 0 + 0.4) / 7, 4), learning_seconds=5400.0,
                            certifications_active=2, kudos=1)


def test_totals_of_nothing_are_zero():
    assert Totals.compute([], [], []) == Totals(0, 0, 0, 0, 0, 0.0, 0.0, 0, 0)


def test_factory_goals_are_consistent():
    rng = random.Random(3)
    for goal_id in range(200):
        goal = goal_review(rng, goal_id)
        assert 0 <= goal.fraction <= 1
        assert (goal.status == "achieved") == (goal.achieved_at is not None)
        assert goal.evidence == sorted(goal.evidence, key=lambda item: item.timestamp)


def test_export_with_no_people_and_open_period():
    export = ReviewExport(None, None, datetime(2026, 1, 1, tzinfo=UTC), "person Nobody", [])
    assert export.to_json() == {"period_from": None, "period_to": None,
                                "generated_at": "2026-01-01T00:00:00.000Z", "scope": "person Nobody",
                                "people": []}
    assert ReviewExport.from_json(export.to_json()) == export
    assert export.period_from is None and isinstance(export.generated_at, datetime)
    assert date(2026, 1, 1) == export.generated_at.date()
