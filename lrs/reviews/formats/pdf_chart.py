"""The goal-progress bar chart of the PDF, drawn with reportlab.graphics.charts.

One horizontal bar per goal (percent of target, coloured by status), in the order of the goals, top to
bottom. Many goals are split into several charts of at most ``BARS_PER_CHART`` bars, so that no drawing is
taller than a page.
"""

from __future__ import annotations

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from lrs.reviews.data import GoalReview
from lrs.reviews.formats.pdf_fonts import Fonts

STATUS_COLOURS = {"achieved": colors.HexColor("#2e7d32"), "in_progress": colors.HexColor("#1565c0"),
                  "not_started": colors.HexColor("#9e9e9e"), "overdue": colors.HexColor("#c62828")}
BARS_PER_CHART = 20
BAR_PITCH = 15  # points per goal
LABEL_WIDTH = 175  # points left of the bars for the goal titles
LABEL_CHARS = 44
LABEL_SIZE = 7.5


def progress_charts(goals: list[GoalReview], width: float, fonts: Fonts) -> list[Drawing]:
    """Drawings (``width`` points wide) showing every goal's progress; none when there are no goals."""
    return [_chart(goals[start:start + BARS_PER_CHART], width, fonts)
            for start in range(0, len(goals), BARS_PER_CHART)]


def _label(title: str, font: str) -> str:
    """The title on one line, cut (with an ellipsis) to fit left of the bars."""
    text, limit = " ".join(title.split()), LABEL_WIDTH - 8
    if len(text) <= LABEL_CHARS and stringWidth(text, font, LABEL_SIZE) <= limit:
        return text
    text = text[:LABEL_CHARS]
    while len(text) > 1 and stringWidth(text + "\u2026", font, LABEL_SIZE) > limit:
        text = text[:-1]
    return text.rstrip() + "\u2026"


def _chart(goals: list[GoalReview], width: float, fonts: Fonts) -> Drawing:
    goals = goals[::-1]  # the chart puts its first category at the bottom
    drawing = Drawing(width, len(goals) * BAR_PITCH + 24)
    chart = HorizontalBarChart()
    chart.x, chart.y = LABEL_WIDTH, 16
    chart.width, chart.height = width - LABEL_WIDTH - 34, len(goals) * BAR_PITCH
    chart.data = [[round(min(1.0, max(0.0, goal.fraction)) * 100, 1) for goal in goals]]
    chart.groupSpacing = 4
    chart.bars.strokeColor = None
    for index, goal in enumerate(goals):
        chart.bars[(0, index)].fillColor = STATUS_COLOURS[goal.status]

    value_axis = chart.valueAxis
    value_axis.valueMin, value_axis.valueMax, value_axis.valueStep = 0, 100, 25
    value_axis.labelTextFormat = "%d%%"
    value_axis.visibleGrid = True
    value_axis.gridStrokeColor = colors.HexColor("#dddddd")
    value_axis.labels.fontName, value_axis.labels.fontSize = fonts.regular, 7

    category_axis = chart.categoryAxis
    category_axis.categoryNames = [_label(goal.title, fonts.regular) for goal in goals]
    category_axis.labels.fontName, category_axis.labels.fontSize = fonts.regular, LABEL_SIZE
    category_axis.labels.boxAnchor, category_axis.labels.dx = "e", -4
    category_axis.tickLeft = 0

    chart.barLabelFormat = "%.0f%%"
    chart.barLabels.fontName, chart.barLabels.fontSize = fonts.regular, 7
    chart.barLabels.boxAnchor, chart.barLabels.dx = "w", 3
    drawing.add(chart)
    return drawing
