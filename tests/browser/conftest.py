"""A real browser: Playwright driving Debian's chromium, at desktop and phone sizes."""
import pytest
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
# Without these the browser reaches for Google's services, which this closed network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 3}
# The narrowest phone still sold in numbers (many Android phones are 360 CSS pixels wide).
SMALL_PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True,
               "device_scale_factor": 2}
# What each test reads, in each language a person may choose.
LANGUAGES = ["zh_CN", "en"]


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


def _page(browser, live_server, locale="en-US", **options):
    context = browser.new_context(base_url=live_server.url, locale=locale, **options)
    page = context.new_page()
    page.csp_violations, page.console_errors = [], []
    page.on("console", lambda message: "Content Security Policy" in message.text
            and page.csp_violations.append(message.text))
    page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
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


@pytest.fixture(params=LANGUAGES)
def language(request):
    return request.param


@pytest.fixture
def small_phone(request, browser, live_server):
    """A 360 px phone, set to the test's language if it has one; the test fails on any script error
    or refused resource in its console."""
    language = request.getfixturevalue("language") if "language" in request.fixturenames else "en"
    context, page = _page(browser, live_server, **SMALL_PHONE, locale="zh-CN" if language == "zh_CN" else "en-US")
    yield page
    assert page.csp_violations == []
    assert [e for e in page.console_errors if "401" not in e] == []
    context.close()


def speaking(user, language):
    """The user, set to read the portal in `language`."""
    user.update_preferences(language, user.timezone)
    return user


def sign_in(page, user, password):
    page.goto("/login")
    page.fill("#email", user.email)
    page.fill("#password", password)
    page.press("#password", "Enter")
    page.wait_for_url("**/")
