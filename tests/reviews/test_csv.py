"""CSV: one row per person and objective, stable columns, quoting that survives any title."""

from __future__ import annotations

import csv
import io
import random

import pytest

from lrs.reviews.formats import CSV_COLUMNS, to_csv
from tests.reviews.factories import export_of, person_review, sample_export


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_csv_columns_are_the_documented_ones_in_order():
    text = to_csv(sample_export(1))
    assert next(csv.reader(io.StringIO(text))) == list(CSV_COLUMNS)
    assert CSV_COLUMNS == (
        "employee_id", "name", "email", "manager", "period_from", "period_to", "objective_id", "objective",
        "measure", "target", "unit", "progress_value", "progress_percent", "status", "weight", "starts_on",
        "due_on", "achieved_on", "evidence_count", "certifications_active", "kudos_received")


def test_csv_has_a_row_per_person_and_objective_with_its_values():
    export = sample_export(5, goals=4, evidence=3)
    rows = _rows(to_csv(export))
    assert len(rows) == 20
    for row, (person, goal) in zip(rows, [(p, g) for p in export.people for g in p.goals], strict=True):
        assert row["employee_id"] == person.employee_id
        assert row["name"] == person.name
        assert row["email"] == (person.email or "")
        assert row["manager"] == (person.manager or "")
        assert (row["period_from"], row["period_to"]) == ("2026-01-01", "2026-06-30")
        assert row["objective_id"] == str(goal.goal_id)
        assert row["objective"] == goal.title
        assert (row["measure"], row["unit"], row["status"]) == (goal.measure, goal.unit, goal.status)
        assert float(row["target"]) == goal.target
        assert float(row["progress_value"]) == goal.value
        assert float(row["progress_percent"]) == round(goal.fraction * 100, 1)
        assert float(row["weight"]) == goal.weight
        assert row["starts_on"] == goal.starts_on.isoformat()
        assert row["due_on"] == goal.due_on.isoformat()
        assert row["achieved_on"] == (goal.achieved_at.date().isoformat() if goal.achieved_at else "")
        assert row["evidence_count"] == "3"
        assert row["certifications_active"] == str(person.totals.certifications_active)
        assert row["kudos_received"] == str(person.totals.kudos)


def test_csv_numbers_are_plain():
    rows = _rows(to_csv(sample_export(20)))
    for row in rows:
        for column in ("target", "progress_value", "progress_percent", "weight"):
            assert "e" not in row[column].lower() and not row[column].endswith(".0"), row[column]


def test_csv_person_without_goals_gets_one_row_with_empty_objective_columns():
    person = person_review(random.Random(1), 7, name="Noor Haddad", goals=0, kudos=3)
    rows = _rows(to_csv(export_of(person)))
    assert len(rows) == 1
    row = rows[0]
    assert row["name"] == "Noor Haddad" and row["employee_id"] == "E00007"
    objective_columns = CSV_COLUMNS[CSV_COLUMNS.index("objective_id"):CSV_COLUMNS.index("evidence_count") + 1]
    assert all(row[column] == "" for column in objective_columns)
    assert row["kudos_received"] == "3"


def test_csv_with_no_people_is_the_header_alone():
    assert to_csv(export_of()) == ",".join(CSV_COLUMNS) + "\r\n"


@pytest.mark.parametrize("title", [
    'Lead the "Q3, Q4" migration',
    "Two lines:\nfirst, then\r\nsecond",
    "Zażółć gęślą jaźń — 東京 — Ελληνικά",
    "x" * 5000,
    ",,,\"\"\"'''",
])
def test_csv_titles_with_commas_quotes_newlines_unicode_survive(title):
    person = person_review(random.Random(2), 1, goal_titles=[title, "plain"])
    text = to_csv(export_of(person))
    rows = _rows(text)
    assert [row["objective"] for row in rows] == [title, "plain"]
    assert text.count("\r\n") >= 3  # CRLF record ends


def test_csv_unicode_names_are_kept():
    names = ["Дмитрий Иванов", "Σοφία Παπαδοπούλου", "Łukasz Żółć", "Nguyễn Thị Minh Khai", "李小龍"]
    rows = _rows(to_csv(sample_export(names=names, goals=1)))
    assert [row["name"] for row in rows] == names


def test_csv_text_that_would_be_a_formula_is_defused():
    titles = ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)"]
    person = person_review(random.Random(3), 1, name="=cmd|' /C calc'!A0", goal_titles=titles)
    rows = _rows(to_csv(export_of(person)))
    assert rows[0]["name"] == "'=cmd|' /C calc'!A0"
    assert [row["objective"] for row in rows] == ["'=HYPERLINK(\"x\")", "'+1", "'-2", "'@SUM(A1)"]
    raw = _rows(to_csv(export_of(person), guard_formulas=False))
    assert [row["objective"] for row in raw] == ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)"]
