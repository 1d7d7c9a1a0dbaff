"""JSON: the same data nested, encoded with orjson."""

from __future__ import annotations

import random

import orjson

from lrs.reviews.data import ReviewExport
from lrs.reviews.formats import to_json
from tests.reviews.factories import export_of, person_review, sample_export


def test_json_is_the_export_nested():
    export = sample_export(3, goals=2, evidence=4)
    data = orjson.loads(to_json(export))
    assert data == export.to_json()
    assert ReviewExport.from_json(data) == export
    assert data["scope"] == "team Platform"
    first = export.people[0]
    person = data["people"][0]
    assert (person["name"], person["employee_id"]) == (first.name, first.employee_id)
    assert [g["title"] for g in person["goals"]] == [g.title for g in first.goals]
    assert [len(g["evidence"]) for g in person["goals"]] == [4, 4]
    assert person["goals"][0]["evidence"][0]["timestamp"].endswith("Z")
    assert person["totals"]["goals"] == 2


def test_json_keeps_unicode_and_awkward_text():
    person = person_review(random.Random(1), 1, name="Σοφία \"Sofi\" Παπαδοπούλου",
                           goal_titles=["Line one\nline two, \"quoted\" <b>&amp;</b>"])
    data = orjson.loads(to_json(export_of(person)))
    assert data["people"][0]["name"] == "Σοφία \"Sofi\" Παπαδοπούλου"
    assert data["people"][0]["goals"][0]["title"] == "Line one\nline two, \"quoted\" <b>&amp;</b>"


def test_json_of_no_people_and_of_a_person_without_goals():
    assert orjson.loads(to_json(export_of()))["people"] == []
    person = person_review(random.Random(1), 1, goals=0, certifications=0, kudos=0)
    data = orjson.loads(to_json(export_of(person)))["people"][0]
    assert (data["goals"], data["certifications"], data["kudos"]) == ([], [], [])
    assert data["totals"]["weighted_fraction"] == 0.0


def test_json_can_be_indented():
    export = sample_export(1, goals=1, evidence=1)
    assert orjson.loads(to_json(export, indent=True)) == orjson.loads(to_json(export))
    assert b"\n  " in to_json(export, indent=True)
