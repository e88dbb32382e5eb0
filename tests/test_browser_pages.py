"""The workbench's pages in Chromium: search suggestions by keyboard, browse facets and their CSV, accessibility
(axe-core finds no serious or critical violation), and no request leaving the server on any page.

axe-core is vendored for these tests only (tests/vendor/axe-core, with its licence and the script that fetched it).
The pages are named by URL, so the checks follow them wherever their templates change. The README's screenshots
(docs/screenshots/) are copies of the readme-*.png these tests write, so a test run never changes the checkout.
"""
import csv
import io
import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .conftest import SHOTS
from .test_browser import write_query

pytestmark = pytest.mark.live

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
EDITOR_WITH_RESULT = "/query?name=twins_of_pilot&pilot=umea-c1&run=1"
# Pages a visitor meets, by URL: (name, path). Pages that show a result after loading are given time to settle.
PAGES = [("home", "/"), ("editor with a result", EDITOR_WITH_RESULT), ("map", "/map"), ("network", "/network"),
         ("timeline", "/timeline"), ("city", "/id/city/umea"), ("search", "/search?q=lulea"),
         ("browse listing", "/browse"), ("browse", "/browse/cities?country=SWE")]
AXE_PAGES = ["home", "editor with a result", "map", "network", "timeline", "city", "search", "browse"]


def settle(page, path: str) -> None:
    """Open a page and wait until it has made every request it makes by itself."""
    page.goto(path, wait_until="networkidle")


def serious_violations(page) -> list[dict]:
    """axe-core's violations of serious or critical impact on the page as it stands (axe is added once a page)."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => {
        const results = await axe.run(document, {resultTypes: ["violations"]});
        return results.violations.filter(v => v.impact === "serious" || v.impact === "critical").map(v => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map(n => [n.target.join(" "), ...n.any.map(a => a.message)].join(": "))}));
    }""")


def test_search_box_suggests_and_opens_by_keyboard(page):
    page.goto("/timeline")
    box = page.get_by_role("combobox", name="Search")
    box.focus()
    page.keyboard.type("lulea")
    listbox = page.get_by_role("listbox", name="Suggestions")
    listbox.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    options = listbox.get_by_role("option")
    assert options.first.inner_text().startswith("Luleå")
    page.screenshot(path=SHOTS / "search-suggestions.png")
    page.keyboard.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == options.first.get_attribute("id")
    assert options.first.get_attribute("aria-selected") == "true"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/id/city/lulea")
    assert page.locator("h1").inner_text() == "Luleå"


def test_search_box_escape_closes_and_enter_submits(page):
    page.goto("/")
    box = page.get_by_role("combobox", name="Search")
    box.fill("wurzburg")
    page.get_by_role("listbox", name="Suggestions").wait_for()
    page.keyboard.press("Escape")
    assert box.get_attribute("aria-expanded") == "false"
    with page.expect_navigation():
        page.keyboard.press("Enter")  # no option chosen: the form goes to the results page
    assert "/search?q=wurzburg" in page.url
    first = page.locator("table.search-results tbody tr").first
    assert first.locator("a").inner_text() == "Würzburg" and "City" in first.inner_text()


def test_search_page_screenshot(page):
    page.set_viewport_size({"width": 1100, "height": 760})
    page.goto("/search?q=lulea")
    assert page.locator("table.search-results tbody tr").first.locator("a").inner_text() == "Luleå"
    box = page.get_by_role("combobox", name="Search")
    box.fill("malmo")
    page.get_by_role("listbox", name="Suggestions").wait_for()
    page.keyboard.press("ArrowDown")
    page.screenshot(path=SHOTS / "readme-search.png")
    page.screenshot(path=SHOTS / "search.png", full_page=True)


def test_city_page_screenshot(page):
    page.set_viewport_size({"width": 1100, "height": 900})
    page.goto("/id/city/umea")
    assert "Luleå" in page.locator("main").inner_text()
    page.wait_for_selector('[data-twinning-view][data-drawn="true"]')  # the small map, drawn by views.js
    page.screenshot(path=SHOTS / "readme-city-umea.png")


def test_browse_facets_by_link_and_csv_of_what_is_shown(page):
    page.goto("/browse/cities")
    total = page.locator("table.browse-table tbody tr").count()
    sweden = page.locator("#facet-country + ul a", has_text="SWE")
    count = int(sweden.locator("xpath=following-sibling::span[1]").inner_text())
    sweden.click()
    page.wait_for_url("**/browse/cities?country=SWE")
    rows = page.locator("table.browse-table tbody tr")
    assert rows.count() == count < total
    shown = [rows.nth(i).locator("td").first.inner_text() for i in range(rows.count())]
    assert "Luleå" in shown
    page.screenshot(path=SHOTS / "browse-cities-sweden.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download this table as CSV").click()
    table = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert [row["label"] for row in table] == shown


@pytest.mark.parametrize("name", AXE_PAGES)
def test_accessibility_no_serious_violation(page, name):
    """axe-core's WCAG 2 A/AA rules and best practices on each page: no violation of serious or critical impact."""
    settle(page, dict(PAGES)[name])
    if name == "search":  # with the suggestions open
        page.get_by_role("combobox", name="Search").fill("umea")
        page.get_by_role("listbox", name="Suggestions").wait_for()
        page.keyboard.press("ArrowDown")
    violations = serious_violations(page)
    assert violations == [], f"{name}: {violations}"


def test_no_page_requests_anything_outside_the_server(browser, live_server):
    """Every request each page makes (documents, scripts, styles, images, fonts, fetches), typed into too, goes to
    the server's own origin: the workbench works with no internet access."""
    pages = list(PAGES)
    try:
        with urllib.request.urlopen(live_server + "/api"):
            pages.append(("API docs", "/api"))
    except urllib.error.HTTPError as error:
        assert error.code == 404
    context = browser.new_context(base_url=live_server)
    # Anything that would leave is stopped here as well as recorded, so a machine with a network stays quiet.
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(live_server)
                  else route.abort())
    urls: dict[str, list[str]] = {}
    try:
        page = context.new_page()
        page.on("request", lambda request: urls[current].append(request.url))
        for current, path in pages:
            urls[current] = []
            settle(page, path)
            if current == "search":  # the suggestions fetch as well
                page.get_by_role("combobox", name="Search").fill("umea")
                page.get_by_role("listbox", name="Suggestions").wait_for()
                page.wait_for_load_state("networkidle")
    finally:
        context.close()
    assert all(urls.values()), urls  # every page was loaded and seen
    assert any("/search?" in url for url in urls["search"][1:])  # the suggestions' request was recorded
    outside = {name: [url for url in found if not url.startswith(live_server + "/")] for name, found in urls.items()}
    assert outside == {name: [] for name in urls}, outside


TW = "https://w3id.org/nzc-twinning/ontology#"
# Activities with their host city, cohort number and start date: an answer every result view fits.
EVERY_VIEW = (f"PREFIX tw: <{TW}>\nSELECT ?activity ?city ?cohort ?startDate WHERE {{\n"
              "  ?activity a tw:ExchangeActivity ; tw:hostCity ?city ; tw:startDate ?startDate ;\n"
              "    tw:cohort/tw:cohortNumber ?cohort .\n}")


def test_accessibility_of_the_editor_in_use(page):
    """The editor as a researcher leaves it after typing and running queries: a query long enough to scroll, a
    CONSTRUCT answer, a syntax error marked, each result view and the code snippets; then /api with an operation
    run. Each state is one axe-core run, on one page, so the test stays short."""
    found = {}
    settle(page, "/query")

    def check(state):
        found[state] = serious_violations(page)

    write_query(page, EVERY_VIEW + "\n" * 60 + "# the editor scrolls")
    page.wait_for_function("(s => s.scrollHeight > s.clientHeight)(document.querySelector('.cm-scroller'))")
    check("a query that scrolls the editor")
    write_query(page, f"PREFIX tw: <{TW}>\nCONSTRUCT {{ ?c tw:country ?k }} WHERE {{ ?c tw:country ?k }} LIMIT 3")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#answer:not([hidden])")
    page.keyboard.press("Control+Home")  # the active line's tint behind the prefix's IRI, CodeMirror's lightest pair
    check("a CONSTRUCT answer, the cursor on its PREFIX line")
    write_query(page, "SELECT ?c WHERE { ?c a <urn:x> ")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(".cm-lintRange-error")
    check("a syntax error marked")
    write_query(page, EVERY_VIEW)
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#answer:not([hidden])")
    tabs = page.locator("#view-tabs [role=tab]")
    page.locator("#view-tab-timeline").wait_for()
    assert {"Table", "Map", "Chart", "Timeline", "Network"} <= set(tabs.all_inner_texts())
    for tab in tabs.all():
        name = tab.inner_text()
        tab.click()
        page.wait_for_function("""name => {
            const view = document.getElementById("view-" + name.toLowerCase());
            return view && !view.hidden && view.children.length > 0; }""", arg=name)
        check(f"the {name} view")
    page.click("#code > summary")
    page.wait_for_selector("#code[open]")
    check("the Code snippets open")
    settle(page, "/api")
    page.wait_for_selector("#swagger .opblock")
    check("the API page")
    operation = "#operations-named_queries-cohort_sizes"
    page.click(f"{operation} .opblock-summary")
    page.click(f"{operation} .execute")
    page.wait_for_selector(f"{operation} .live-responses-table")
    check("the API page with an operation run")
    failing = {state: v for state, v in found.items() if v}
    assert not failing, json.dumps(failing, indent=1)
