"""Charts for the pages, drawn with reportlab.graphics.charts and embedded as inline SVG.

Each chart carries a title and a description (read by screen readers through ``role="img"``) and scales
to its container through its viewBox; ids inside the SVG are made unique so several charts can share a
page. The pages also give the numbers as a table beside each chart.
"""

from __future__ import annotations

import itertools
import re

from markupsafe import Markup, escape
from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors

WIDTH = 520  # points; a chart is drawn at about this many CSS pixels and scales down on narrow screens
LINE_WIDTH = 640
LABEL_WIDTH = 160
LABEL_CHARS = 24
BAR_PITCH = 26
INK = colors.HexColor("#1b1b1b")
GRID = colors.HexColor("#d6d6d6")
BAR = colors.HexColor("#1f5fa8")
LINE = colors.HexColor("#1f5fa8")
_counter = itertools.count(1)


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "\u2026"


def _inline(drawing: Drawing, title: str, description: str, kind: str) -> Markup:
    """The drawing as an ``<svg>`` element for an HTML page (no XML prolog, unique ids, accessible name)."""
    svg = renderSVG.drawToString(drawing)
    svg = svg[svg.index("<svg"):]
    uid = f"chart{next(_counter)}"
    svg = svg.replace('id="clip"', f'id="{uid}-clip"').replace("url(#clip)", f"url(#{uid}-clip)")
    svg = svg.replace('id="group"', f'id="{uid}-group"')
    svg = re.sub(r"<title>.*?</title>", f'<title id="{uid}-title">{escape(title)}</title>', svg, count=1,
                 flags=re.S)
    svg = re.sub(r"<desc>.*?</desc>", f'<desc id="{uid}-desc">{escape(description)}</desc>', svg, count=1,
                 flags=re.S)
    svg = re.sub(r'<svg width="[^"]*" height="[^"]*"',
                 f'<svg class="chart chart-{kind}" role="img" aria-labelledby="{uid}-title {uid}-desc"', svg, count=1)
    return Markup(svg)  # noqa: S704  (reportlab escapes every text it draws; title and desc are escaped above)


def _value_axis(axis, maximum: float, percent: bool) -> None:
    axis.valueMin = 0
    axis.valueMax = maximum
    axis.valueStep = 25 if percent else _step(maximum)
    axis.labelTextFormat = "%d%%" if percent else "%d"
    axis.visibleGrid = True
    axis.gridStrokeColor = GRID
    axis.strokeColor = INK
    axis.labels.fontSize = 10
    axis.labels.fillColor = INK


def _step(maximum: float) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if maximum / step <= 6:
            return step
    return int(maximum / 5) or 1


def bar_chart(labels: list[str], values: list[float], *, title: str, percent: bool = True) -> Markup:
    """Horizontal bars, one per label, top to bottom in the order given (values 0..1 when ``percent``)."""
    if not labels:
        return Markup("")
    shown = [round(max(0.0, min(1.0, v)) * 100, 1) for v in values] if percent else list(values)
    height = len(labels) * BAR_PITCH
    drawing = Drawing(WIDTH, height + 30)
    chart = HorizontalBarChart()
    chart.x, chart.y = LABEL_WIDTH, 20
    chart.width, chart.height = WIDTH - LABEL_WIDTH - 40, height
    chart.data = [shown[::-1]]  # the chart puts its first category at the bottom
    chart.bars.strokeColor = None
    chart.bars[0].fillColor = BAR
    chart.groupSpacing = 6
    chart.barLabelFormat = "%.0f%%" if percent else "%d"
    chart.barLabels.boxAnchor, chart.barLabels.dx = "w", 3
    chart.barLabels.fontSize, chart.barLabels.fillColor = 11, INK
    maximum = 100 if percent else max(1, max(shown))
    _value_axis(chart.valueAxis, maximum if percent else maximum * 1.15, percent)
    axis = chart.categoryAxis
    axis.categoryNames = [_short(label) for label in labels[::-1]]
    axis.labels.boxAnchor, axis.labels.dx = "e", -6
    axis.labels.fontSize, axis.labels.fillColor = 12, INK
    axis.strokeColor = INK
    axis.tickLeft = 0
    drawing.add(chart)
    unit = "%" if percent else ""
    description = "; ".join(f"{label}: {value:g}{unit}" for label, value in zip(labels, shown, strict=True))
    return _inline(drawing, title, description, "bar")


def line_chart(labels: list[str], values: list[int], *, title: str) -> Markup:
    """A line over categories (e.g. weeks), left to right, with a marker on each point."""
    if not labels:
        return Markup("")
    drawing = Drawing(LINE_WIDTH, 240)
    chart = HorizontalLineChart()
    chart.x, chart.y = 45, 50
    chart.width, chart.height = LINE_WIDTH - 70, 170
    chart.data = [list(values)]
    chart.joinedLines = 1
    chart.lines[0].strokeColor = LINE
    chart.lines[0].strokeWidth = 2
    chart.lines[0].symbol = makeMarker("FilledCircle", size=5, fillColor=LINE, strokeColor=LINE)
    _value_axis(chart.valueAxis, max(1, max(values)) * 1.15, percent=False)
    axis = chart.categoryAxis
    axis.categoryNames = list(labels)
    axis.labels.fontSize, axis.labels.fillColor = 10, INK
    axis.labels.angle = 45 if len(labels) > 8 else 0
    axis.labels.boxAnchor = "ne" if len(labels) > 8 else "n"
    axis.strokeColor = INK
    drawing.add(chart)
    description = "; ".join(f"{label}: {value}" for label, value in zip(labels, values, strict=True))
    return _inline(drawing, title, description, "line")
