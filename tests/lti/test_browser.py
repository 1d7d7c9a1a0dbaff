"""In a real browser: Debian's Chromium (Playwright, headless) opens a course page the platform serves, whose
iframe launches the tool (OIDC login, auto-posted id_token, launch) and shows the learner's goal inside the
LMS. The platform is http://localhost and the tool https://127.0.0.1: a cross-site frame, so the launch only
works with SameSite=None; Secure; Partitioned cookies and a frame-ancestors that names the platform.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import XapiClient, issue_credential
from tests.lti.conftest import completed, register_platform, team_goal
from tests.lti.platform import FakePlatform, LaunchSpec

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason=f"{CHROMIUM} is absent (make browser installs Debian's Chromium)")


@pytest.fixture(scope="module")
def chromium(tmp_path_factory) -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        engine = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS,
                                            env={"HOME": str(tmp_path_factory.mktemp("chromium-home"))})
        yield engine
        engine.close()


@pytest.fixture(scope="module")
def lms(tool) -> Iterator[FakePlatform]:
    """A platform whose pages are on http://localhost (another site than the tool's 127.0.0.1)."""
    platform = FakePlatform(host="localhost")
    platform.tool_url, platform.tool_certificate = tool.url, tool.certificate
    yield platform
    platform.close()


@pytest.fixture
def course(app, client, lms) -> str:
    """The platform registered, a placed team goal half done by Ada; the hint of her launch from the course."""
    lms.reset()
    register_platform(app, lms)
    goal_id = team_goal(app, "Finish two safety modules", target=2)
    XapiClient(client, issue_credential(app)).store(completed("ada@example.com"))
    return lms.prepare(LaunchSpec(custom={"lrs_goal": str(goal_id)}))


@pytest.fixture
def tab(chromium):
    context = chromium.new_context(ignore_https_errors=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    page.messages = messages
    yield page
    context.close()


def test_learner_page_opens_inside_the_platforms_iframe(app, tool, lms, course, tab):
    from playwright.sync_api import expect

    tab.goto(f"{lms.url}/course?hint={course}")
    frame = tab.frame_locator("#tool")
    expect(frame.locator("h1")).to_have_text("Finish two safety modules")
    expect(frame.locator("#progress [data-status]")).to_have_attribute("data-status", "in_progress")
    expect(frame.locator("#progress")).to_contain_text("50%")
    frame.get_by_role("link", name="All my goals").click()  # the session cookie is sent inside the frame
    expect(frame.locator("h1")).to_contain_text("Ada Lovelace")
    cookies = {c["name"]: c for c in tab.context.cookies()}
    session = cookies["session"]
    assert session["secure"] and session["sameSite"] == "None" and session["httpOnly"]
    assert session.get("partitionKey") == "http://localhost"
    assert not any(name.startswith("lti_state_") for name in cookies)  # the login's state cookie is spent


def test_a_site_that_is_not_the_platform_cannot_frame_the_tool(app, tool, lms, course, tab):
    from playwright.sync_api import expect

    elsewhere = lms.url.replace("localhost", "127.0.0.1")  # the same page, but not the registered origin
    tab.goto(f"{elsewhere}/course?hint={course}")
    tab.wait_for_timeout(2000)
    assert any(f'"frame-ancestors {lms.url}"' in m and ("blocked" in m or "Refused" in m)
               for m in tab.messages), tab.messages
    expect(tab.frame_locator("#tool").locator("body")).not_to_contain_text("Finish two safety modules")
