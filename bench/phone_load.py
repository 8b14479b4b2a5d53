"""First visit of key pages on a phone over a slow 4G link: bytes transferred and time to the first
contentful paint, under Chromium's own network throttling (Lighthouse's "slow 4G": 150 ms round trip,
1.6 Mbit/s down, 750 kbit/s up). Usage, against a portal already serving the demo company:

    python -m bench.phone_load http://127.0.0.1:5000

The key pages: home, a board, a project (the first the demo's sales head sees), my approvals, and the
minutes of the last closed meeting (both found by following the portal's own links).
"""
import re
import sys

from playwright.sync_api import sync_playwright

SLOW_4G = {"offline": False, "latency": 150, "downloadThroughput": 1.6 * 1024 * 1024 / 8,
           "uploadThroughput": 750 * 1024 / 8}
PAGES = ["/", "/boards/department", "/requests/approvals"]
# Pages whose address holds an id, reached by following links: each step the first link that matches.
FOUND = [[("/projects/", r"^/projects/\d+$")],
         [("/meetings/", r"^/meetings/series/\d+$"), (None, r"^/meetings/\d+$")]]
FCP = "() => (performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || null"


def received_by(sizes):
    return lambda event: sizes.append(event["encodedDataLength"])


def measure(base, email="sales.head@example.com", password="demo-password"):
    """[(path, kB transferred, ms to first contentful paint)], each page a first visit (empty cache)."""
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        signed_in = browser.new_context(base_url=base, viewport={"width": 360, "height": 740}, is_mobile=True)
        page = signed_in.new_page()
        page.goto("/login")
        page.fill("#email", email)
        page.fill("#password", password)
        page.press("#password", "Enter")
        page.wait_for_url("**/")
        cookies = signed_in.cookies()
        found = []
        for steps in FOUND:
            for start, pattern in steps:
                page.goto(start or found.pop())
                hrefs = page.eval_on_selector_all("main a[href]", "links => links.map(a => a.getAttribute('href'))")
                found.append(next(href for href in hrefs if re.match(pattern, href)))
        signed_in.close()
        for path in PAGES + found:
            context = browser.new_context(base_url=base, viewport={"width": 360, "height": 740}, is_mobile=True)
            context.add_cookies(cookies)
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.emulateNetworkConditions", SLOW_4G)
            received = []
            cdp.on("Network.loadingFinished", received_by(received))
            page.goto(path, wait_until="load")
            page.wait_for_timeout(300)
            rows.append((path, sum(received) / 1024, page.evaluate(FCP)))
            context.close()
        browser.close()
    return rows


if __name__ == "__main__":
    print("| page | kB transferred | first contentful paint (ms) |\n|---|---|---|")
    for path, kilobytes, paint in measure(sys.argv[1]):
        print("| %s | %.1f | %s |" % (path, kilobytes, "%.0f" % paint if paint else "—"))
