"""A real browser: Playwright driving Debian's chromium, at desktop and phone sizes."""
import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
# Without these the browser reaches for Google's services, which this closed network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 3}


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def app_config():
    # Plain http on 127.0.0.1: the session cookie must not be Secure-only here.
    return {"BASE_URL": "http://127.0.0.1"}


def _page(browser, live_server, **options):
    context = browser.new_context(base_url=live_server.url, locale="en-US", **options)
    page = context.new_page()
    page.csp_violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text
            and page.csp_violations.append(message.text))
    page.set_default_timeout(10_000)
    return context, page


@pytest.fixture
def page(browser, live_server):
    context, page = _page(browser, live_server, viewport={"width": 1280, "height": 800})
    yield page
    assert page.csp_violations == []
    context.close()


@pytest.fixture
def phone(browser, live_server):
    context, page = _page(browser, live_server, **PHONE)
    yield page
    assert page.csp_violations == []
    context.close()


def sign_in(page, user, password):
    page.goto("/login")
    page.fill("#email", user.email)
    page.fill("#password", password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
