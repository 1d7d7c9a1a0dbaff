"""XLSX: a sheet per section, typed cells, frozen headers, sized columns; read back with openpyxl."""

from __future__ import annotations

import io
import random
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from lrs.reviews.formats import to_xlsx
from lrs.reviews.formats.xlsx_export import SHEETS
from tests.reviews.factories import export_of, person_review, sample_export

SHEET_NAMES = ["Objectives", "Certifications", "Evidence", "Kudos", "Totals"]


def _book(export):  # type: ignore[no-untyped-def]
    return load_workbook(io.BytesIO(to_xlsx(export)))


def _records(sheet) -> list[dict]:  # type: ignore[no-untyped-def]
    header = [cell.value for cell in sheet[1]]
    return [dict(zip(header, row, strict=False)) for row in sheet.iter_rows(min_row=2)]


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


@pytest.fixture(scope="module")
def export():  # type: ignore[no-untyped-def]
    return sample_export(4, goals=3, evidence=5)


@pytest.fixture(scope="module")
def book(export):  # type: ignore[no-untyped-def]
    return _book(export)


def test_xlsx_has_a_sheet_per_section_with_bold_frozen_headers_and_widths(book):
    assert book.sheetnames == SHEET_NAMES
    for name in SHEET_NAMES:
        sheet = book[name]
        assert [cell.value for cell in sheet[1]] == [column.header for column in SHEETS[name]]
        assert all(cell.font.bold for cell in sheet[1])
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref.startswith("A1:")
        # A <col> element may size a range of columns that share a width.
        widths = {index: dimension.width for dimension in sheet.column_dimensions.values()
                  for index in range(dimension.min, dimension.max + 1)}
        assert sorted(widths) == list(range(1, len(SHEETS[name]) + 1))
        assert all(8 <= width <= 60 for width in widths.values())


def test_xlsx_objectives_are_typed(book, export):
    rows = _records(book["Objectives"])
    goals = [(p, g) for p in export.people for g in p.goals]
    assert len(rows) == len(goals)
    for row, (person, goal) in zip(rows, goals, strict=True):
        assert row["Employee ID"].value == person.employee_id and row["Name"].value == person.name
        assert row["Objective ID"].value == goal.goal_id
        assert row["Objective"].value == goal.title
        assert row["Target"].value == goal.target and row["Progress value"].value == goal.value
        assert row["Progress"].value == pytest.approx(goal.fraction)
        assert row["Progress"].number_format == "0.0%"
        assert row["Status"].value == goal.status.replace("_", " ").capitalize()
        assert row["Due on"].is_date and row["Due on"].value.date() == goal.due_on
        assert row["Starts on"].value.date() == goal.starts_on
        if goal.achieved_at:
            assert row["Achieved at"].is_date and row["Achieved at"].value == _naive(goal.achieved_at)
        else:
            assert row["Achieved at"].value is None
        assert row["Evidence"].value == 5


def test_xlsx_evidence_certifications_kudos_totals(book, export):
    evidence = _records(book["Evidence"])
    items = [(p, g, e) for p in export.people for g in p.goals for e in g.evidence]
    assert len(evidence) == len(items) == 60
    for row, (person, goal, item) in zip(evidence, items, strict=True):
        assert (row["Employee ID"].value, row["Objective ID"].value) == (person.employee_id, goal.goal_id)
        assert row["Statement ID"].value == item.statement_id
        assert row["Timestamp"].is_date and row["Timestamp"].value == _naive(item.timestamp)
        assert (row["Verb"].value, row["Source"].value) == (item.verb, item.source)
    certs = _records(book["Certifications"])
    assert [r["Certification"].value for r in certs] == [
        c.title for p in export.people for c in p.certifications]
    kudos = _records(book["Kudos"])
    assert [r["Message"].value for r in kudos] == [k.message for p in export.people for k in p.kudos]
    assert all(r["Received at"].is_date for r in kudos)
    totals = _records(book["Totals"])
    for row, person in zip(totals, export.people, strict=True):
        assert row["Objectives"].value == person.totals.goals
        assert row["Weighted progress"].value == pytest.approx(person.totals.weighted_fraction)
        assert row["Weighted progress"].number_format == "0.0%"
        assert row["Learning hours"].value == pytest.approx(person.totals.learning_seconds / 3600, abs=0.01)
        assert row["Period from"].value == datetime(2026, 1, 1)


def test_xlsx_person_without_goals_and_export_without_people():
    person = person_review(random.Random(1), 3, name="Noor Haddad", goals=0, certifications=0, kudos=0)
    book = _book(export_of(person))
    rows = _records(book["Objectives"])
    assert len(rows) == 1 and rows[0]["Name"].value == "Noor Haddad" and rows[0]["Objective"].value is None
    assert book["Evidence"].max_row == 1 and book["Totals"].max_row == 2
    empty = _book(export_of())
    assert [empty[name].max_row for name in SHEET_NAMES] == [1] * 5


def test_xlsx_text_is_text_even_when_it_looks_like_a_formula_or_has_controls():
    titles = ["=SUM(A1:A9)", "=1+1", "Tab\tand\x00null\x07bell", "東京 — Zażółć", "y" * 40_000]
    person = person_review(random.Random(2), 1, name="Ἀριστοτέλης", goal_titles=titles)
    rows = _records(_book(export_of(person))["Objectives"])
    cells = [row["Objective"] for row in rows]
    assert [cell.data_type for cell in cells] == ["s"] * 5
    assert [cell.value for cell in cells[:4]] == ["=SUM(A1:A9)", "=1+1", "Tab\tandnullbell", "東京 — Zażółć"]
    assert len(cells[4].value) == 32_767
    assert rows[0]["Name"].value == "Ἀριστοτέλης"


def test_xlsx_dates_of_open_periods_are_empty():
    export = sample_export(1, goals=1, evidence=1)
    export = type(export)(None, date(2026, 6, 30), export.generated_at, export.scope, export.people)
    row = _records(_book(export)["Totals"])[0]
    assert row["Period from"].value is None and row["Period to"].value == datetime(2026, 6, 30)
