"""PDF: a cover, then a section per person from a new page with a chart, objectives, certifications, kudos,
totals; read back with pypdf."""

from __future__ import annotations

import io
import random

import pytest
from pypdf import PdfReader
from reportlab.graphics.charts.barcharts import HorizontalBarChart

from lrs.reviews.formats import to_pdf
from lrs.reviews.formats.pdf_chart import BARS_PER_CHART, progress_charts
from lrs.reviews.formats.pdf_fonts import HELVETICA, find_fonts
from lrs.reviews.formats.values import GOAL_STATUS_LABELS
from tests.reviews.factories import export_of, person_review, sample_export

UNICODE_NAMES = ["Дмитрий Иванов", "Σοφία Παπαδοπούλου", "Łukasz Żółć", "Nguyễn Thị Minh Khai", "Ömer Çelik"]
LATIN1_NAMES = ["Zoë Ångström", "José Muñoz", "Søren Kierkegaard", "Anaïs Nin"]
needs_dejavu = pytest.mark.skipif(not find_fonts().embedded, reason="DejaVu Sans is not installed")


def _pages(pdf: bytes) -> list[str]:
    """Each page's text, whitespace collapsed (wrapped lines join with a space)."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def _flat(text: str) -> str:
    return " ".join(text.split())


def _assert_people_present(export, pages: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Person n starts on page n + 1 (after the cover) with their name; their goals and statuses follow."""
    assert len(pages) >= len(export.people) + 1
    for number, person in enumerate(export.people, start=1):
        assert person.name in pages[number]
        section = " ".join(pages[number:])  # a long section may run onto the next page
        for goal in person.goals:
            assert _flat(goal.title) in section
        body = section.split("Objective Progress % Status Due Weight", 1)[1]
        statuses = [GOAL_STATUS_LABELS[goal.status] for goal in person.goals]
        found = [status for status in statuses if status in body]
        assert found == statuses


def test_pdf_has_a_page_per_person_with_name_goals_and_statuses():
    export = sample_export(4)
    pages = _pages(to_pdf(export))
    assert len(pages) == 5
    _assert_people_present(export, pages)
    assert "Performance review export" in pages[0] and "team Platform" in pages[0]
    assert "Period: 2026-01-01 to 2026-06-30" in pages[0]
    for person in export.people:
        assert person.name in pages[0]  # the summary table


def test_pdf_person_section_lists_certifications_kudos_and_totals():
    export = sample_export(1)
    person = export.people[0]
    page = _pages(to_pdf(export))[1]
    for cert in person.certifications:
        assert cert.title in page
    for kudos in person.kudos:
        assert _flat(kudos.message) in page and kudos.from_name in page
    totals = person.totals
    assert f"Objectives {totals.goals}: {totals.achieved} achieved, {totals.in_progress} in progress" in page
    assert f"Kudos received {totals.kudos}" in page


def test_pdf_of_no_people_is_a_cover_saying_so():
    pages = _pages(to_pdf(export_of(scope="team Empty")))
    assert len(pages) == 1
    assert "team Empty" in pages[0] and "No people in this export." in pages[0]


def test_pdf_person_without_goals_certifications_or_kudos():
    person = person_review(random.Random(1), 1, name="Noor Haddad", goals=0, certifications=0, kudos=0)
    pages = _pages(to_pdf(export_of(person)))
    assert len(pages) == 2
    assert "Noor Haddad" in pages[1]
    for text in ("No objectives in this period.", "No certifications.", "No kudos received in this period."):
        assert text in pages[1]


@needs_dejavu
def test_pdf_shows_unicode_names_with_an_embedded_font():
    export = sample_export(names=UNICODE_NAMES, goals=2)
    pages = _pages(to_pdf(export))
    _assert_people_present(export, pages)


def test_pdf_falls_back_to_helvetica_for_latin1_names():
    assert find_fonts(()) == HELVETICA
    export = sample_export(names=LATIN1_NAMES, goals=2)
    pdf = to_pdf(export, font_dirs=())
    assert b"DejaVu" not in pdf
    _assert_people_present(export, _pages(pdf))


def test_pdf_with_helvetica_survives_text_it_cannot_show():
    export = sample_export(names=["李小龍", "Дмитрий"], goals=1)
    assert PdfReader(io.BytesIO(to_pdf(export, font_dirs=()))).pages


def test_pdf_wraps_long_titles_and_cuts_huge_ones():
    long_title = " ".join(["Complete the advanced distributed-systems reliability curriculum"] * 5)
    unbroken = "Z" * 400
    huge = "word " * 2000
    titles = [long_title, unbroken, huge, "<b>Escaped</b> & kept"]
    person = person_review(random.Random(4), 1, name="Ada Lovelace", goal_titles=titles)
    pages = _pages(to_pdf(export_of(person)))
    text = " ".join(pages[1:])
    assert long_title in text
    assert "<b>Escaped</b> & kept" in text
    assert text.count("word") < 1000  # cut with an ellipsis, not laid out in full
    assert "…" in text


def test_pdf_splits_many_goals_into_charts_and_pages():
    person = person_review(random.Random(5), 1, name="Grace Hopper", goals=45, evidence=1)
    pages = _pages(to_pdf(export_of(person)))
    assert len(pages) >= 3
    text = " ".join(pages[1:])
    assert all(_flat(goal.title) in text for goal in person.goals)


def test_progress_charts_draw_a_bar_per_goal_coloured_by_status():
    person = person_review(random.Random(6), 1, goals=45, evidence=0)
    drawings = progress_charts(person.goals, 480, HELVETICA)
    assert len(drawings) == 3
    charts = [shape for drawing in drawings for shape in drawing.contents
              if isinstance(shape, HorizontalBarChart)]
    assert [len(chart.data[0]) for chart in charts] == [BARS_PER_CHART, BARS_PER_CHART, 5]
    first = charts[0]
    expected = [round(goal.fraction * 100, 1) for goal in person.goals[:BARS_PER_CHART]]
    assert first.data[0] == expected[::-1]  # the chart draws bottom up; the first goal is on top
    assert all(drawing.height < 500 for drawing in drawings)
    assert progress_charts([], 480, HELVETICA) == []


def test_pdf_is_deterministic():
    export = sample_export(2)
    assert to_pdf(export) == to_pdf(export)
