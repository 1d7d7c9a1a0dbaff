"""PDF to attach to a review: a cover page (scope, period, summary), then one section per person, each from a
new page: a bar chart of goal progress, the objectives with their status, certifications, kudos and totals.

Long titles wrap (and are cut with an ellipsis past ``TITLE_LIMIT`` characters, so that one table row always
fits on a page); text is drawn in DejaVu Sans when available, so names in any script show (see pdf_fonts).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from lrs.reviews.data import PersonReview, ReviewExport, as_utc
from lrs.reviews.formats.pdf_chart import STATUS_COLOURS, progress_charts
from lrs.reviews.formats.pdf_fonts import DEFAULT_FONT_DIRS, Styles, find_fonts, styles
from lrs.reviews.formats.values import (
    CERTIFICATION_STATUS_LABELS,
    GOAL_STATUS_LABELS,
    hours,
    iso_date,
    number,
    percent,
    progress_text,
    shorten,
    utc_date,
    xml_safe,
)

TITLE_LIMIT = 600
MESSAGE_LIMIT = 1500
NAME_LIMIT = 200
MARGIN = 18 * mm
FRAME_WIDTH = A4[0] - 2 * MARGIN
GRID = colors.HexColor("#bbbbbb")
HEADER_FILL = colors.HexColor("#e8edf5")


def _text(value: str | None, limit: int = TITLE_LIMIT) -> str:
    """Paragraph markup for plain text: control characters dropped, markup characters escaped."""
    return escape(shorten(xml_safe(value or ""), limit))


def _day(value: date | datetime | None) -> str:
    if isinstance(value, datetime):
        return iso_date(utc_date(value))
    return iso_date(value) or "\u2013"


def period_text(export: ReviewExport) -> str:
    start, end = export.period_from, export.period_to
    if start and end:
        return f"{start.isoformat()} to {end.isoformat()}"
    if start:
        return f"from {start.isoformat()}"
    return f"until {end.isoformat()}" if end else "all time"


def _table(rows: list[list[Any]], widths: list[float], st: Styles, extra: Iterable[tuple] = ()) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), st.fonts.regular, 8),
        ("FONT", (0, 0), (-1, 0), st.fonts.bold, 8),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        *extra,
    ]))
    return table


def _cover(export: ReviewExport, st: Styles) -> list[Flowable]:
    generated = as_utc(export.generated_at).strftime("%Y-%m-%d %H:%M UTC")
    story: list[Flowable] = [
        Paragraph("Performance review export", st.title),
        Paragraph(_text(export.scope, NAME_LIMIT), st.heading),
        Spacer(1, 4),
        Paragraph(f"Period: {period_text(export)}", st.body),
        Paragraph(f"Generated: {generated}", st.body),
        Paragraph(f"People: {len(export.people)}", st.body),
    ]
    if not export.people:
        story.append(Paragraph("No people in this export.", st.body))
    elif len(export.people) > 1:
        story += [Paragraph("Summary", st.section), _summary(export.people, st)]
    return story


def _summary(people: list[PersonReview], st: Styles) -> Table:
    rows: list[list[Any]] = [["Name", "Employee ID", "Objectives\nachieved", "Weighted\nprogress",
                              "Certifications", "Kudos"]]
    for person in people:
        t = person.totals
        rows.append([Paragraph(_text(person.name, NAME_LIMIT), st.cell), shorten(person.employee_id, 24),
                     f"{t.achieved} / {t.goals}", f"{number(percent(t.weighted_fraction))}%",
                     str(t.certifications_active), str(t.kudos)])
    widths = [FRAME_WIDTH - 300, 90, 55, 55, 64, 36]
    return _table(rows, widths, st, [("ALIGN", (2, 1), (-1, -1), "RIGHT")])


def _person(export: ReviewExport, person: PersonReview, st: Styles) -> list[Flowable]:
    who = [f"Employee ID {_text(person.employee_id, NAME_LIMIT)}"]
    if person.email:
        who.append(_text(person.email, NAME_LIMIT))
    if person.manager:
        who.append(f"Manager: {_text(person.manager, NAME_LIMIT)}")
    story: list[Flowable] = [
        PageBreak(),
        Paragraph(_text(person.name, NAME_LIMIT), st.heading),
        Paragraph(" \u00b7 ".join(who), st.small),
        Paragraph(f"Period: {period_text(export)}", st.small),
        Paragraph("Objectives", st.section),
    ]
    if person.goals:
        story += progress_charts(person.goals, FRAME_WIDTH, st.fonts)
        story += [Spacer(1, 6), _objectives(person, st)]
    else:
        story.append(Paragraph("No objectives in this period.", st.body))
    story += _certifications(person, st) + _kudos(person, st) + _totals(person, st)
    return story


def _objectives(person: PersonReview, st: Styles) -> Table:
    rows: list[list[Any]] = [["Objective", "Progress", "%", "Status", "Due", "Weight"]]
    extra: list[tuple] = [("ALIGN", (2, 1), (2, -1), "RIGHT"), ("ALIGN", (5, 1), (5, -1), "RIGHT")]
    for row, goal in enumerate(person.goals, start=1):
        status = GOAL_STATUS_LABELS[goal.status]
        if goal.achieved_at is not None:
            status += f"\n{_day(goal.achieved_at)}"
        rows.append([Paragraph(_text(goal.title), st.cell), progress_text(goal),
                     f"{number(percent(goal.fraction))}%", status, _day(goal.due_on), number(goal.weight)])
        extra += [("TEXTCOLOR", (3, row), (3, row), STATUS_COLOURS[goal.status]),
                  ("FONT", (3, row), (3, row), st.fonts.bold, 8)]
    widths = [FRAME_WIDTH - 290, 100, 34, 60, 56, 40]
    return _table(rows, widths, st, extra)


def _certifications(person: PersonReview, st: Styles) -> list[Flowable]:
    story: list[Flowable] = [Paragraph("Certifications", st.section)]
    if not person.certifications:
        return [*story, Paragraph("No certifications.", st.body)]
    rows: list[list[Any]] = [["Certification", "Status", "Earned", "Expires"]]
    for c in person.certifications:
        rows.append([Paragraph(_text(c.title), st.cell), CERTIFICATION_STATUS_LABELS[c.status],
                     _day(c.earned_at), _day(c.expires_at)])
    return [*story, _table(rows, [FRAME_WIDTH - 180, 60, 60, 60], st)]


def _kudos(person: PersonReview, st: Styles) -> list[Flowable]:
    story: list[Flowable] = [Paragraph("Kudos", st.section)]
    if not person.kudos:
        return [*story, Paragraph("No kudos received in this period.", st.body)]
    rows: list[list[Any]] = [["From", "Date", "Message"]]
    for k in person.kudos:
        rows.append([Paragraph(_text(k.from_name, NAME_LIMIT), st.cell), _day(k.timestamp),
                     Paragraph(_text(k.message, MESSAGE_LIMIT), st.cell)])
    return [*story, _table(rows, [110, 60, FRAME_WIDTH - 170], st)]


def _totals(person: PersonReview, st: Styles) -> list[Flowable]:
    t = person.totals
    rows = [["Objectives", f"{t.goals}: {t.achieved} achieved, {t.in_progress} in progress, "
                           f"{t.not_started} not started, {t.overdue} overdue"],
            ["Weighted progress", f"{number(percent(t.weighted_fraction))}%"],
            ["Learning time", f"{number(hours(t.learning_seconds))} h"],
            ["Active certifications", str(t.certifications_active)],
            ["Kudos received", str(t.kudos)]]
    table = Table(rows, colWidths=[110, FRAME_WIDTH - 110])
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), st.fonts.regular, 8.5),
                               ("FONT", (0, 0), (0, -1), st.fonts.bold, 8.5),
                               ("LINEBELOW", (0, 0), (-1, -1), 0.4, GRID)]))
    return [Paragraph("Totals", st.section), table]


def _footer(export: ReviewExport, st: Styles):  # type: ignore[no-untyped-def]
    text = shorten(f"Review export \u00b7 {xml_safe(export.scope)} \u00b7 {period_text(export)}", 110)

    def draw(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(st.fonts.regular, 7.5)
        canvas.setFillColor(colors.HexColor("#666666"))
        canvas.drawString(MARGIN, 10 * mm, text)
        canvas.drawRightString(A4[0] - MARGIN, 10 * mm, f"Page {doc.page}")
        canvas.restoreState()

    return draw


def to_pdf(export: ReviewExport, *, font_dirs: Iterable[str] = DEFAULT_FONT_DIRS) -> bytes:
    """The export as a PDF document (A4). ``font_dirs``: where to look for DejaVu Sans (empty: Helvetica)."""
    st = styles(find_fonts(tuple(font_dirs)))
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN, title=f"Review export: {export.scope}", author="LRS",
                            subject=f"Period: {period_text(export)}", creator="LRS", invariant=True)
    story = _cover(export, st)
    for person in export.people:
        story += _person(export, person, st)
    footer = _footer(export, st)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
