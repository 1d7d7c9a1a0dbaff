"""The pages in a real browser: Debian's Chromium driven by Playwright against a real server on a free port.

Each role logs in through the login form and sees its own data and nothing else; an admin creates a goal;
a manager downloads every export format, whose contents are checked; screenshots of the three main pages
(desktop and phone widths) go to tests/artifacts/.
"""

from __future__ import annotations

import csv
import io
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.web.conftest import PASSWORD, seed_data

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason=f"{CHROMIUM} is absent (make browser installs Debian's Chromium)")


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # A fresh profile directory for every run; launch_persistent_context would keep one, launch makes one.
        engine = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS,
                                            env={"HOME": str(tmp_path_factory.mktemp("chromium-home"))})
        yield engine
        engine.close()


@pytest.fixture
def server(app, client) -> Iterator[tuple[str, object]]:
    """The app on a free port (werkzeug, threaded) with the page fixtures' data; (base URL, seed)."""
    seed = seed_data(app, client)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}", seed
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    # Console errors other than the status of a response a test asked for (a 403 it expects, say).
    tab.on("console", lambda message: errors.append(message.text) if message.type == "error"
           and not message.text.startswith("Failed to load resource") else None)
    tab.on("requestfailed", lambda request: errors.append(f"{request.url}: {request.failure}"))
    yield tab
    context.close()
    assert errors == [], f"the page reported errors: {errors}"


def log_in(page, base: str, email: str, tenant: str = "default") -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Tenant").fill(tenant)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def shot(page, name: str, database: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-{database}.png"), full_page=True)


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_learner_sees_their_own_learning_and_nothing_else(page, server, database_url):
    base, _ = server
    db_name = database_url.split(":", 1)[0].split("+")[0]
    log_in(page, base, "ada@example.com")
    assert page.url == f"{base}/me"
    main = page.locator("main")
    assert page.get_by_role("heading", name="Finish two Python courses").is_visible()
    page.get_by_text("What counted (1)").click()
    assert main.locator(".evidence").get_by_text("Intro to Python").is_visible()
    assert page.get_by_role("heading", name="Safety induction").is_visible()
    assert page.get_by_role("link", name="Download the badge Safety induction").get_attribute("href").startswith(
        "/api/v1/badges/")
    assert main.get_by_text("Great code review!").is_visible()
    text = main.inner_text()
    assert "cryptography" not in text.lower() and "kernel" not in text.lower()
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link").all_inner_texts() == ["My learning"]
    shot(page, "me", db_name)
    page.set_viewport_size({"width": 390, "height": 844})
    assert no_sideways_scroll(page)
    shot(page, "me-phone", db_name)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_label("To").select_option(label="Grace Hopper")
    page.get_by_label("Message").fill("Thanks for the mentoring")
    page.get_by_role("button", name="Send kudos").click()
    assert page.get_by_text("Kudos sent to Grace Hopper.").is_visible()

    response = page.goto(f"{base}/team")
    assert response.status == 403
    badge = page.request.get(f"{base}/api/v1/badges/{page_badge_id(page, base)}")
    assert badge.ok and "credential" in badge.json()


def page_badge_id(page, base: str) -> str:
    page.goto(f"{base}/me")
    href = page.get_by_role("link", name="Download the badge Safety induction").get_attribute("href")
    return href.rsplit("/", 1)[1]


def test_manager_sees_the_chain_and_downloads_every_export(page, server, database_url):
    base, _ = server
    db_name = database_url.split(":", 1)[0].split("+")[0]
    log_in(page, base, "grace@example.com")
    assert page.url == f"{base}/team"
    glance = page.get_by_role("table", name="Goals in the period, per person")
    rows = glance.locator("tbody th").all_inner_texts()
    assert rows == ["Ada Lovelace", "Alan Turing"]
    assert "Linus" not in page.locator("main").inner_text()
    charts = page.locator("svg.chart[role=img]")
    assert charts.count() == 3
    assert page.get_by_role("img", name="Progress per person (weighted mean of their goals)").is_visible()
    expiring = page.get_by_role("region", name="Certifications expiring in the next 90 days")
    assert "Safety induction" in expiring.inner_text() and "Ada Lovelace" in expiring.inner_text()
    shot(page, "team", db_name)
    page.set_viewport_size({"width": 390, "height": 844})
    assert no_sideways_scroll(page)
    shot(page, "team-phone", db_name)
    page.set_viewport_size({"width": 1280, "height": 900})

    contents = {}
    for kind in ("csv", "json", "xlsx", "pdf"):
        page.get_by_label("Format").select_option(kind)
        with page.expect_download() as info:
            page.get_by_role("button", name="Download the export").click()
        download = info.value
        assert download.suggested_filename.endswith(f".{kind}")
        contents[kind] = Path(download.path()).read_bytes()
        assert "Downloaded" in page.locator("[data-status]").inner_text()
    check_exports(contents)


def check_exports(contents: dict[str, bytes]) -> None:
    rows = list(csv.DictReader(io.StringIO(contents["csv"].decode("utf-8-sig"))))
    names = {value for row in rows for value in row.values()}
    assert {"Ada Lovelace", "Alan Turing", "Grace Hopper"} <= names and "Linus Torvalds" not in names
    document = json.loads(contents["json"])
    text = json.dumps(document)
    assert "Finish two Python courses" in text and "Linus" not in text

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(contents["xlsx"]), read_only=True)
    cells = {str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row if c}
    assert "Ada Lovelace" in cells and "Linus Torvalds" not in cells

    from pypdf import PdfReader

    pdf = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(contents["pdf"])).pages)
    assert "Ada Lovelace" in pdf and "Finish two Python courses" in pdf and "Linus" not in pdf


def test_admin_creates_a_goal_and_sees_rule_errors(page, server, database_url):
    base, _ = server
    db_name = database_url.split(":", 1)[0].split("+")[0]
    log_in(page, base, "admin@default.example.com")
    assert page.url == f"{base}/admin"
    shot(page, "admin", db_name)
    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Goals").click()
    page.get_by_label("Title").fill("Ship three reviews")
    page.get_by_label("Person (employee id)").fill("E3")
    page.get_by_label("Rule (JSON)").fill('{"match": {"verbs": ["not an iri"]}, "measure": {"kind": "count", '
                                           '"target": 3}}')
    page.get_by_role("button", name="Create the goal").click()
    alert = page.get_by_role("alert")
    assert "is not an IRI" in alert.inner_text() and "$.rule.match.verbs[0]" in alert.inner_text()
    assert page.get_by_label("Title").input_value() == "Ship three reviews"
    page.get_by_label("Rule (JSON)").fill('{"match": {"verbs": ["http://adlnet.gov/expapi/verbs/completed"]}, '
                                           '"measure": {"kind": "count", "target": 2}}')
    page.get_by_role("button", name="Create the goal").click()
    assert page.get_by_text("Goal “Ship three reviews” created for 1 person(s)").is_visible()
    row = page.get_by_role("row", name="Ship three reviews")
    assert "Alan Turing" in row.inner_text() and "50%" in row.inner_text()  # his one statement counted
    shot(page, "admin-goals", db_name)

    # A long action says it is working: the button is disabled and relabelled, the live region speaks.
    page.goto(f"{base}/admin/people")
    page.get_by_label("CSV file").set_input_files(files=[{"name": "people.csv", "mimeType": "text/csv",
                                                          "buffer": b"employee_id,name\nE9,Nina\n"}])
    page.evaluate("document.addEventListener('submit', event => event.preventDefault())")  # stay on the page
    button = page.get_by_role("button", name="Check the file")
    button.click()
    working = page.get_by_role("button", name="Working…")
    assert working.is_disabled() and page.locator("#live").inner_text() == "Reading the file…"

    page.set_viewport_size({"width": 390, "height": 844})
    sections = page.get_by_role("navigation", name="Admin sections").get_by_role("link")
    for href in [link.get_attribute("href") for link in sections.all()]:
        page.goto(f"{base}{href}")
        assert no_sideways_scroll(page), f"{href} scrolls sideways on a phone"
        assert page.locator("h1").count() == 1
    page.goto(f"{base}/admin")
    shot(page, "admin-phone", db_name)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{base}/me")
    assert page.get_by_text("not linked to a person").is_visible()
    page.get_by_role("button", name="Log out").click()
    assert page.get_by_text("You are logged out.").is_visible()
    assert page.goto(f"{base}/admin").url.startswith(f"{base}/login?next=/admin")
