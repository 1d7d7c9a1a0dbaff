"""Goal rules: parsing (malformed rules rejected with the path), matching, and how progress adds up."""

import pytest

from lrs.progress.rules import (
    Evidence,
    RuleError,
    achieved_at,
    duration_seconds,
    evidence_of,
    matches,
    parse_rule,
    progress_value,
)

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
PASSED = "http://adlnet.gov/expapi/verbs/passed"


def st(verb=COMPLETED, activity="http://x.example/a1", **extra):
    statement = {"id": extra.pop("id", "00000000-0000-4000-8000-000000000001"),
                 "actor": {"mbox": "mailto:a@example.com"}, "verb": {"id": verb},
                 "object": {"id": activity, "definition": {"type": "http://x.example/types/course"}},
                 "timestamp": "2026-01-01T00:00:00Z"}
    statement.update(extra)
    return statement


@pytest.mark.parametrize("rule, path", [
    ([], "$.rule"),
    ({"measure": {"kind": "count", "target": 1}, "extra": 1}, "$.rule.extra"),
    ({"match": [], "measure": {"kind": "count", "target": 1}}, "$.rule.match"),
    ({"match": {"colour": "red"}, "measure": {"kind": "count", "target": 1}}, "$.rule.match.colour"),
    ({"match": {"verbs": []}, "measure": {"kind": "count", "target": 1}}, "$.rule.match.verbs"),
    ({"match": {"verbs": ["completed"]}, "measure": {"kind": "count", "target": 1}}, "$.rule.match.verbs[0]"),
    ({"match": {"registration": "r1"}, "measure": {"kind": "count", "target": 1}}, "$.rule.match.registration"),
    ({"match": {"success": "yes"}, "measure": {"kind": "count", "target": 1}}, "$.rule.match.success"),
    ({"match": {"min_scaled": 2}, "measure": {"kind": "count", "target": 1}}, "$.rule.match.min_scaled"),
    ({"match": {}}, "$.rule.measure"),
    ({"measure": {"kind": "sum"}}, "$.rule.measure.kind"),
    ({"measure": {"kind": "count", "target": 0}}, "$.rule.measure.target"),
    ({"measure": {"kind": "count", "target": 2.5}}, "$.rule.measure.target"),
    ({"measure": {"kind": "count", "target": 1, "activities": []}}, "$.rule.measure.activities"),
    ({"measure": {"kind": "duration", "target": "10 hours"}}, "$.rule.measure.target"),
    ({"measure": {"kind": "duration", "target": "PT0S"}}, "$.rule.measure.target"),
    ({"measure": {"kind": "all_activities", "activities": ["nope"]}}, "$.rule.measure.activities[0]"),
])
def test_malformed_rules_name_the_path(rule, path):
    with pytest.raises(RuleError) as caught:
        parse_rule(rule)
    assert caught.value.path == path


def test_conditions_all_hold():
    rule = parse_rule({"match": {"verbs": [PASSED], "activity_types": ["http://x.example/types/course"],
                                 "success": True, "min_scaled": 0.8}, "measure": {"kind": "count", "target": 1}})
    assert matches(rule, st(PASSED, result={"success": True, "score": {"scaled": 0.9}}))
    assert not matches(rule, st(PASSED, result={"success": True, "score": {"scaled": 0.5}}))
    assert not matches(rule, st(PASSED, result={"success": False, "score": {"scaled": 0.9}}))
    assert not matches(rule, st(COMPLETED, result={"success": True, "score": {"scaled": 0.9}}))
    assert not matches(rule, st(PASSED, result={"success": True}))


def test_measures_add_up():
    items = [Evidence("s1", "a1", 600, 3), Evidence("s2", "a1", 1200, 1), Evidence("s3", "a2", 0, 2)]
    count = parse_rule({"measure": {"kind": "count", "target": 2}})
    distinct = parse_rule({"measure": {"kind": "distinct_activities", "target": 2}})
    duration = parse_rule({"measure": {"kind": "duration", "target": "PT30M"}})
    assert progress_value(count, items) == 3 and achieved_at(count, items) == 2
    assert progress_value(distinct, items) == 2 and achieved_at(distinct, items) == 2
    assert progress_value(duration, items) == 1800 and achieved_at(duration, items) == 3


def test_all_activities_counts_only_the_listed_ones():
    rule = parse_rule({"measure": {"kind": "all_activities", "activities": ["http://x.example/a1",
                                                                            "http://x.example/a2"]}})
    assert matches(rule, st(activity="http://x.example/a1"))
    assert not matches(rule, st(activity="http://x.example/a3"))
    assert rule.target == 2


@pytest.mark.parametrize("text, seconds", [("PT1H30M", 5400), ("P1D", 86400), ("PT0.5S", 0.5), ("P1W", 604800),
                                           (None, 0), ("garbage", 0)])
def test_duration_seconds(text, seconds):
    assert duration_seconds(text) == seconds


def test_evidence_records_activity_duration_and_time():
    item = evidence_of(st(result={"duration": "PT2M"}))
    assert (item.activity_id, item.seconds, item.timestamp_us) == ("http://x.example/a1", 120, 1767225600000000)
