"""The learning-culture pages in Chromium (the fixtures of test_browser): a manager opens a pulse check; a
learner shares a learning moment, sees it in the team's feed and answers the pulse check; once enough
people answered, the manager sees the aggregates, closes the check and looks at the team's impact."""

from __future__ import annotations

import pytest

from lrs.culture.pulse import answer
from lrs.extensions import db
from lrs.models import Pulse, Team, TeamMember
from tests.conftest import SECRET_KEY
from tests.web.test_browser import CHROMIUM, browser, log_in, page, server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent")


def log_out(page) -> None:  # noqa: F811
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()


def test_moments_pulse_checks_and_impact(app, page, server):  # noqa: F811
    base, seed = server
    app.config["LRS_PULSE_MIN_ANSWERS"] = 3
    main = page.locator("main")

    # A manager opens a pulse check for the Platform team.
    log_in(page, base, "grace@example.com")
    page.get_by_role("link", name="Pulse checks").click()
    form = page.locator("form", has=page.get_by_role("button", name="Open the pulse check"))
    form.get_by_label("Team").select_option(label="Platform")
    form.get_by_label("Title").fill("Python course pulse")
    form.get_by_label("Learning initiative").fill("Finish two Python courses")
    for i, question in enumerate(("The course helps me", "I have time for it", "I would recommend it"), 1):
        form.get_by_label(f"Question {i}").fill(question)
    form.get_by_role("button", name="Open the pulse check").click()
    assert page.get_by_text("Pulse check “Python course pulse” opened.").is_visible()
    assert page.get_by_text("Fewer than 3 answers so far").is_visible()
    log_out(page)

    # A learner shares a moment and sees it at the top of the team's feed.
    log_in(page, base, "ada@example.com")
    page.get_by_role("link", name="Learning moments of team Platform").click()
    share = page.locator("form", has=page.get_by_role("button", name="Share the moment"))
    share.get_by_label("Title").fill("Rollbacks need a plan")
    share.get_by_label("What happened").fill("The deploy failed at night")
    share.get_by_label("What I learned").fill("Rehearse the rollback")
    share.get_by_label("Link (optional)").fill("https://tracker.example.com/INC-7")
    share.get_by_role("button", name="Share the moment").click()
    assert page.get_by_text("Shared with team Platform.").is_visible()
    feed = page.get_by_role("list", name="Learning moments")
    assert feed.get_by_role("heading").first.inner_text() == "Rollbacks need a plan"
    assert "What I learned: Rehearse the rollback" in feed.inner_text()

    # ... and answers the pulse check on her page, once.
    page.goto(f"{base}/me")
    pulse = page.locator("article", has=page.get_by_role("heading", name="Python course pulse"))
    for question, rating in (("The course helps me", "4"), ("I have time for it", "2"),
                             ("I would recommend it", "5")):
        pulse.get_by_role("group", name=question).get_by_label(rating, exact=True).check()
    pulse.get_by_label("Anything else?").fill("More time please")
    pulse.get_by_role("button", name="Send my answer").click()
    assert page.get_by_text("your answer was recorded anonymously").is_visible()
    assert page.get_by_text("You have answered this pulse check.").is_visible()
    assert page.get_by_role("button", name="Send my answer").count() == 0
    log_out(page)

    with app.app_context():  # two more members answer through the service
        platform = db.session.query(Team).filter_by(name="Platform").one().id
        db.session.add(TeamMember(team_id=platform, person_id=seed.people["E1"]))
        stored = db.session.query(Pulse).one()
        answer(db.session, SECRET_KEY, stored, seed.people["E3"], [2, 2, 3], None)
        answer(db.session, SECRET_KEY, stored, seed.people["E1"], [3, 5, 4], "Good pace")
        db.session.commit()

    # The manager sees the aggregates, closes the check and looks at the team's impact.
    log_in(page, base, "grace@example.com")
    page.goto(f"{base}/team/pulses")
    results = page.get_by_role("table", name="Results of Python course pulse (3 answers)")
    assert results.get_by_role("row", name="The course helps me").inner_text().split("\t")[1] == "3.0"
    assert main.get_by_text("More time please").is_visible() and main.get_by_text("Good pace").is_visible()
    page.get_by_role("button", name="Close Python course pulse").click()
    assert page.get_by_text("“Python course pulse” closed.").is_visible()

    page.goto(f"{base}/team")
    page.get_by_role("link", name="Impact view").click()
    page.get_by_label("Team", exact=True).select_option(label="Platform")
    page.get_by_role("button", name="Show").click()
    table = page.get_by_role("table", name="Impact per month")
    assert table.locator("tbody tr").count() >= 6
    assert page.get_by_text("does not show that one caused the other").is_visible()
    assert page.locator("svg.chart[role=img]").count() == 1
    href = page.get_by_role("link", name="Download as CSV").get_attribute("href")
    csv = page.request.get(f"{base}{href}")
    assert csv.ok and csv.text().startswith("month,learning_hours")
