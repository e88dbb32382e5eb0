"""The research workbench in a real browser: headless Chromium driven by Playwright against the live server.

Screenshots go to test-artifacts/screenshots/ for a person to look at after the run.
"""
from pathlib import Path

import pytest

from .conftest import SHOTS, start_server, stop_server

pytestmark = pytest.mark.live


def write_query(page, text: str) -> None:
    """Replace the editor's text as a person would: focus the code editor, select all, type (pasted at once)."""
    page.click("#query-editor .cm-content")
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.insert_text(text)


def show_table(page) -> None:
    """Wait for the answer and open its "Table" tab (the editor opens on the view that fits best)."""
    page.wait_for_selector("#answer:not([hidden])")
    page.click("#view-tab-table")
    page.wait_for_selector("#results table tbody tr")


def test_home_page(page):
    page.goto("/")
    assert page.locator("h1").inner_text() == "NetZeroCities twinning knowledge graph"
    counts = page.locator("ul.counts").inner_text()
    assert "twin-city participations" in counts and "source documents" in counts
    assert page.locator("table caption").inner_text().startswith("Twinning cohorts")
    page.screenshot(path=SHOTS / "home.png", full_page=True)


def test_named_query_with_parameter_and_csv_download(page):
    page.goto("/query")
    page.select_option("#named", "twins_of_pilot")
    page.fill("#param-pilot", "umea-c1")
    page.click("#run")
    show_table(page)
    table = page.locator("#results table").inner_text()
    assert "Luleå" in table and "Würzburg" in table
    assert page.locator("#results table tbody tr").count() == 2
    assert "pilot=umea-c1" in page.url  # the query lives in the address
    page.screenshot(path=SHOTS / "editor-named-query.png", full_page=True)
    with page.expect_download() as download:
        page.click('#download-links button[data-format="csv"]')
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("pilot,pilotLabel,twinCity")
    assert "Luleå" in text and "Würzburg" in text


def test_shared_address_reopens_query(page):
    page.goto("/query?name=twins_of_pilot&pilot=leuven-c1&run=1")
    show_table(page)
    assert "Lund" in page.locator("#results table").inner_text()


def test_editor_shows_parser_error_with_position(page):
    page.goto("/query")
    write_query(page, "SELECT ?x WHERE {\n  ?x ?y\n}")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#error:not([hidden])")
    error = page.locator("#error").inner_text()
    assert "Error 400" in error and "(line 3, column 2)" in error
    # The editor marks the spot and puts the cursor there: line 3 is the closing brace.
    assert page.locator("#query-editor .cm-lintRange-error").count() == 1
    assert page.locator("#query-editor .cm-activeLine").inner_text() == "}"
    page.screenshot(path=SHOTS / "editor-error.png")


def test_editor_pagination_and_labelled_links(page):
    page.goto("/query")
    write_query(page, "SELECT ?city WHERE { ?city a <https://w3id.org/nzc-twinning/ontology#City> } ORDER BY ?city")
    page.click("#run")
    show_table(page)
    assert page.locator("#results table tbody tr").count() == 50
    first = page.locator("#results table tbody tr").first.locator("a")
    assert first.get_attribute("href").startswith("/id/city/")
    assert first.inner_text() == "Aachen"  # the English label, not the IRI
    page.click("#next")
    page.wait_for_function("document.getElementById('page-info').textContent.startsWith('page 2 of')")
    assert page.locator("#results table tbody tr").first.locator("a").inner_text() != "Aachen"


def test_map_shows_lund(page):
    page.goto("/map")
    page.wait_for_selector('[data-twinning-view][data-drawn="true"]')  # drawn by static/views.js
    marker = page.locator('svg.map [data-city="lund"] circle')
    assert marker.count() == 1 and marker.is_visible()
    assert page.locator("svg.map .pairings path").count() > 20
    assert "SPARQL behind" in page.locator("details.behind summary").inner_text()
    page.screenshot(path=SHOTS / "map.png", full_page=True)


def test_network_timeline_and_city_page(page):
    page.goto("/network")
    page.wait_for_selector('[data-twinning-view][data-drawn="true"]')
    assert page.locator("svg.network").is_visible()
    page.screenshot(path=SHOTS / "network.png", full_page=True)
    page.goto("/timeline")
    page.wait_for_selector('[data-twinning-view][data-drawn="true"]')
    assert page.locator("svg.timeline .items circle").count() >= 10
    page.screenshot(path=SHOTS / "timeline.png", full_page=True)
    page.goto("/id/city/umea")
    assert "Luleå" in page.locator("main").inner_text()
    page.wait_for_selector('[data-twinning-view][data-drawn="true"]')
    assert page.locator('figure.small-map [data-city="lulea"]').count() == 1
    page.screenshot(path=SHOTS / "city-umea.png", full_page=True)


def test_keyboard_only_run(page):
    page.goto("/query?name=cohort_sizes")
    page.focus("#query-editor .cm-content")
    page.keyboard.press("Tab")  # from the editor to the Run button: the editor does not trap Tab
    page.keyboard.press("Enter")
    show_table(page)
    assert page.locator("#results table tbody tr").count() >= 5


def test_capped_result_shows_a_note(page_at, store_path):
    process, base = start_server(store_path, {"TWINNING_MAX_RESULT_ROWS": "5"})
    try:
        page = page_at(base)
        page.goto("/query")
        write_query(page, "SELECT ?s WHERE { ?s ?p ?o } LIMIT 20")
        page.click("#run")
        page.wait_for_selector("#capped:not([hidden])")
        assert "capped at 5 rows" in page.locator("#capped").inner_text()
        assert page.locator("#results table tbody tr").count() == 5
        page.screenshot(path=SHOTS / "editor-capped.png")
    finally:
        stop_server(process)


def test_cross_origin_script_reads_every_twinning_header(browser, live_server):
    """A page of another origin (localhost is not 127.0.0.1 to a browser) sends headers of its own, which needs a
    preflight, and reads the answer's X-Twinning-* headers."""
    other_origin = live_server.replace("127.0.0.1", "localhost")
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(other_origin + "/limits")
        seen = page.evaluate("""async (endpoint) => {
            const query = "SELECT ?s WHERE { ?s ?p ?o }";
            const response = await fetch(endpoint + "/sparql?query=" + encodeURIComponent(query), {headers: {
                "Accept": "application/sparql-results+json", "X-Requested-With": "XMLHttpRequest",
                "Cache-Control": "no-cache"}});
            const names = ["X-Twinning-Release", "X-Twinning-Row-Limit", "X-Twinning-Capped", "Link", "ETag"];
            return Object.fromEntries(names.map(name => [name, response.headers.get(name)]));
        }""", live_server)
    finally:
        context.close()
    assert seen["X-Twinning-Release"] and seen["X-Twinning-Row-Limit"]
    # The app's row limit (100,000) is above this graph's size, so the answer is not capped: no such headers.
    assert seen["X-Twinning-Capped"] is None
