"""Browser journeys: Playwright driving Debian's Chromium against pytest-django's live server.

Never downloads a browser: Chromium is ``/usr/bin/chromium`` (``apt-get install chromium``);
without it every test in this folder is skipped. Each page records console errors (a CSP
violation is one), uncaught exceptions, and any request that leaves the live server —
deployments sit on intranets, so the pages must load nothing from outside.
"""

import os
import re
from pathlib import Path

import pytest
from django.conf import settings

# Playwright's sync API runs an event loop in this thread; Django would otherwise refuse
# the ORM calls the tests and fixtures make next to it.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT_DIR = Path(settings.BASE_DIR) / "var" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
HERE = Path(__file__).resolve().parent
PASSWORD = "pass-Word-123"  # the journeys give their people this password


def sign_in(page, username, next_url, password=PASSWORD):
    """Log in through the login page and land on ``next_url``."""
    from playwright.sync_api import expect

    page.goto(f"/accounts/login/?next={next_url}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(next_url) + "$"))


def assert_fits(page, width):
    """Nothing scrolls sideways at this width."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(
        reason=f"e2e: no Chromium at {CHROMIUM} (apt-get install chromium); browsers are never downloaded"
    )
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageLog:
    """What went wrong in the browser while a test ran."""

    def __init__(self):
        self.errors = []  # console errors (CSP violations included) and uncaught exceptions
        self.external_requests = []  # requests to anything but the live server (all aborted)

    def assert_clean(self):
        assert self.errors == [], self.errors
        assert self.external_requests == [], self.external_requests


@pytest.fixture
def page_log():
    return PageLog()


@pytest.fixture
def new_page(browser, live_server, page_log):
    """Open a page in a fresh browser context (its own cookies): ``new_page(viewport=DESKTOP)``.
    Relative URLs go to the live server; ``page_log`` collects errors and outside requests."""
    contexts = []

    def make(*, viewport=PHONE, locale="zh-CN"):
        phone = viewport["width"] < 768
        context = browser.new_context(
            base_url=live_server.url,
            viewport=viewport,
            device_scale_factor=2 if phone else 1,
            is_mobile=phone,
            has_touch=phone,
            locale=locale,
            timezone_id="Asia/Shanghai",
        )
        contexts.append(context)

        def only_live_server(route):
            if route.request.url.startswith(live_server.url):
                route.continue_()
            else:
                page_log.external_requests.append(route.request.url)
                route.abort()

        context.route("**/*", only_live_server)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("console", lambda msg: page_log.errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: page_log.errors.append(str(exc)))
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A phone-sized page (390×844, touch), the size most unit staff use."""
    return new_page()


@pytest.fixture
def screenshot():
    """``screenshot(page, "home-phone")`` saves var/screenshots/home-phone.png (full page)."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)

    def save(page, name):
        path = SCREENSHOT_DIR / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
