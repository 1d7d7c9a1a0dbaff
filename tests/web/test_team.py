"""/team: a manager's whole reporting chain at a glance — charts, expiring certifications, trend, exports."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from lrs.extensions import db
from lrs.models import Team
from tests.web.conftest import log_in_as


@pytest.fixture
def app(shared):
    """These tests only look: one seeded database serves the module."""
    return shared[0]


@pytest.fixture
def seed(shared):
    return shared[1]


def _page(client, query: str = "") -> str:
    response = client.get(f"/team{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _glance(page: str) -> str:
    return page.split('id="glance-caption"')[1].split("</table>")[0]


def test_a_manager_sees_the_whole_chain_below_them_and_nobody_else(app, client, seed):
    page = _page(log_in_as(app, client, seed.users["manager"]))
    glance = _glance(page)
    assert "Ada Lovelace" in glance and "Alan Turing" in glance  # Alan reports to Ada, who reports to Grace
    assert "Grace Hopper" not in glance
    for stranger in ("Linus Torvalds", "Review kernel patches", "Mallory", "Acme confidential goal"):
        assert stranger not in page
    assert "2 people" in page


def test_the_team_page_draws_progress_per_person_and_goal_and_the_weekly_trend(app, client, seed):
    page = _page(log_in_as(app, client, seed.users["manager"]))
    assert page.count('<svg class="chart') == 3 and page.count('role="img"') == 3
    assert "<title id=" in page and "Progress per person (weighted mean of their goals)</title>" in page
    assert "Ada Lovelace: 50%; Alan Turing: 50%</desc>" in page
    assert "Complete the cryptography module: 50%; Finish two Python courses: 50%</desc>" in page
    today = datetime.now(UTC).date()
    this_week = today - timedelta(days=today.weekday())
    # Ada's and Alan's completions, the kudos between them, the earning of Safety induction: four statements.
    assert f"<th scope=\"row\">Week of {this_week.isoformat()}</th><td>4</td>" in page
    assert "<?xml" not in page and "DOCTYPE svg" not in page


def test_certifications_expiring_within_90_days_are_listed(app, client, seed):
    page = _page(log_in_as(app, client, seed.users["manager"]))
    expiring = page.split('id="expiring-h"')[1].split("</section>")[0]
    assert "Ada Lovelace" in expiring and "Safety induction" in expiring
    days = expiring.split("</time></td><td>")[1].split("<")[0]
    assert 28 <= int(days) <= 31


def test_a_team_is_shown_alone_with_only_the_members_one_may_see(app, client, seed):
    with app.app_context():
        teams = {t.name: t.id for t in db.session.query(Team)}
    log_in_as(app, client, seed.users["manager"])
    platform = _glance(_page(client, f"?scope=team:{teams['Platform']}"))
    assert "Ada Lovelace" in platform and "Alan Turing" in platform
    leads = _page(client, f"?scope=team:{teams['Leads']}")  # Grace's own team: she alone is in it
    assert "Team Leads: 1 person." in leads and "Grace Hopper" in _glance(leads)
    kernel = _page(client, f"?scope=team:{teams['Kernel']}")  # not hers: her chain instead
    assert "Everyone reporting to you" in kernel and "Linus" not in kernel
    log_in_as(app, client, seed.users["admin"])
    assert "Linus Torvalds" in _glance(_page(client, f"?scope=team:{teams['Kernel']}"))


def test_a_large_group_is_shown_in_part_with_a_notice(app, client, seed, monkeypatch):
    monkeypatch.setattr("lrs.web.team.MAX_PEOPLE", 3)
    page = _page(log_in_as(app, client, seed.users["admin"]))
    assert "Only 3 people are shown at once" in page and _glance(page).count('<th scope="row">') == 3


def test_an_admin_without_a_person_sees_the_whole_tenant(app, client, seed):
    page = _page(log_in_as(app, client, seed.users["admin"]))
    glance = _glance(page)
    for name in ("Grace Hopper", "Ada Lovelace", "Alan Turing", "Linus Torvalds"):
        assert name in glance
    assert "Mallory" not in page
    assert 'value="chain"' not in page and "Team Kernel" in page  # no chain of their own: teams to export


@pytest.mark.parametrize(("query", "notice"), [
    ("?from=2025-13-01", "Dates are written YYYY-MM-DD"), ("?from=2025-03-01&to=2025-01-01", "ends before"),
    ("?from=2015-01-01&to=2025-01-01", "at most three years")])
def test_a_bad_period_falls_back_with_a_notice(app, client, seed, query, notice):
    page = _page(log_in_as(app, client, seed.users["manager"]), query)
    assert notice in page and 'role="alert"' in page


def test_a_chosen_period_is_kept_in_the_forms(app, client, seed):
    page = _page(log_in_as(app, client, seed.users["manager"]), "?from=2025-01-06&to=2025-03-30")
    assert page.count('value="2025-01-06"') == 2 and page.count('value="2025-03-30"') == 2
    assert "Week of 2025-01-06" in page and "Week of 2025-03-24" in page and "Week of 2025-03-31" not in page


def _export(client, kind: str, scope: str = "chain"):
    today = datetime.now(UTC).date()
    response = client.get(f"/team/export?scope={scope}&format={kind}&from={today - timedelta(days=30)}&to={today}")
    assert response.status_code == 200, response.get_data(as_text=True)[-500:]
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return response


def test_a_manager_downloads_each_format_with_the_chain_inside(app, client, seed):
    log_in_as(app, client, seed.users["manager"])
    rows = list(csv.DictReader(io.StringIO(_export(client, "csv").get_data(as_text=True).lstrip("\ufeff"))))
    names = {value for row in rows for value in row.values()}
    assert {"Grace Hopper", "Ada Lovelace", "Alan Turing"} <= names and "Linus Torvalds" not in names
    document = _export(client, "json").get_json()
    assert "Finish two Python courses" in json.dumps(document) and "Linus" not in json.dumps(document)
    book = load_workbook(io.BytesIO(_export(client, "xlsx").data), read_only=True)
    cells = {str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row if c}
    assert "Alan Turing" in cells and "Linus Torvalds" not in cells
    pdf = _export(client, "pdf")
    assert pdf.mimetype == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Ada Lovelace" in text and "Linus" not in text


def test_a_manager_exports_a_team_but_only_the_people_they_may_see(app, client, seed):
    with app.app_context():
        kernel = db.session.query(Team).filter_by(name="Kernel").one().id
        platform = db.session.query(Team).filter_by(name="Platform").one().id
    log_in_as(app, client, seed.users["manager"])
    page = _page(client)
    assert f'value="team:{platform}"' in page and f'value="team:{kernel}"' not in page
    names = _export(client, "csv", f"team:{platform}").get_data(as_text=True)
    assert "Ada Lovelace" in names and "Alan Turing" in names
    assert client.get(f"/team/export?scope=team:{kernel}&format=csv").status_code == 400


@pytest.mark.parametrize(("query", "message"), [
    ("?format=docx", "Choose a format"), ("?format=csv&from=2025-02-01&to=2025-01-01", "ends before"),
    ("?format=csv&scope=everyone", "Choose whom to export")])
def test_a_bad_export_request_is_explained(app, client, seed, query, message):
    log_in_as(app, client, seed.users["manager"])
    response = client.get(f"/team/export{query}")
    assert response.status_code == 400 and message in response.get_data(as_text=True)
