"""The chart helper: reportlab charts as inline SVG that screen readers can name and describe."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from lrs.web.charts import bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_a_bar_chart_is_an_inline_svg_named_and_described():
    svg = str(bar_chart(["Ada", "Alan"], [0.5, 1.25], title="Progress per person"))
    assert svg.startswith('<svg class="chart chart-bar" role="img" aria-labelledby="')
    root = ET.fromstring(svg)
    labelled = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == labelled[0] and root.find(f"{SVG}title").text == "Progress per person"
    assert root.find(f"{SVG}desc").text == "Ada: 50%; Alan: 100%"  # fractions beyond the target show as 100%
    assert root.get("viewBox") and root.get("width") is None  # scales with the page
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Ada" in texts and "Alan" in texts and "50%" in texts


def test_two_charts_on_a_page_have_distinct_ids():
    first, second = (str(bar_chart(["A"], [0.1], title="t")) for _ in range(2))
    ids = lambda svg: set(re.findall(r'id="([^"]+)"', svg))  # noqa: E731
    assert ids(first) and not ids(first) & ids(second)
    assert "url(#clip)" not in first and 'id="clip"' not in first


def test_labels_from_users_are_escaped_and_long_ones_shortened():
    svg = str(bar_chart(["<script>alert(1)</script>", "A very long goal title that goes on and on"], [0.2, 0.3],
                        title="<b>t</b>"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "<b>" not in svg
    assert "A very long goal title th\u2026" in svg or "\u2026" in svg
    ET.fromstring(svg)  # still well-formed


def test_counts_and_lines():
    svg = str(bar_chart(["Template"], [42], title="Statements", percent=False))
    assert "Template: 42</desc>" in svg and ">42<" in svg
    line = str(line_chart(["06 Jan", "13 Jan", "20 Jan"], [3, 0, 7], title="Per week"))
    root = ET.fromstring(line)
    assert root.get("class") == "chart chart-line" and root.find(f"{SVG}desc").text == "06 Jan: 3; 13 Jan: 0; 20 Jan: 7"
    assert root.find(f".//{SVG}path") is not None


def test_no_data_draws_nothing():
    assert str(bar_chart([], [], title="t")) == "" and str(line_chart([], [], title="t")) == ""
