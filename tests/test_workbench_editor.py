"""The query editor as researchers meet it (issue 14), in headless Chromium against a real `twinning serve`: the
code editor's completion and error marks, history, share links holding long queries, the result table, the views
hook, downloads, code snippets, the citation of the release, and /api. Screenshots go to test-artifacts/."""
import csv
import io
import json
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from rdflib import Graph

from .conftest import PROJECT, SHOTS
from .test_browser import show_table, write_query

pytestmark = pytest.mark.live

TW = "https://w3id.org/nzc-twinning/ontology#"
CITIES = f"SELECT ?city ?country WHERE {{ ?city a <{TW}City> ; <{TW}country> ?country }}"


def editor_text(page) -> str:
    """The editor's whole text (which it keeps in the form's field; its display leaves out what is off screen)."""
    return page.input_value("#query")


def chosen(page, option: str):
    """Wait until the completion list has settled with `option` selected (so that Enter takes it)."""
    page.locator(".cm-tooltip-autocomplete li[aria-selected=true]", has_text=option).wait_for()
    page.wait_for_timeout(300)  # the list is refreshed once more after the last key; Enter must meet the final one


def run_and_wait(page):
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#answer:not([hidden])")


def long_query() -> str:
    """A query of more than 6,000 characters (a VALUES block of 400 strings) whose answer is the cities."""
    values = " ".join(f'"a padding string, number {i}"' for i in range(400))
    query = (f'SELECT ?city WHERE {{ VALUES ?pad {{ {values} }} ?city a <{TW}City> '
             f'FILTER(?pad = "a padding string, number 7") }} ORDER BY ?city')
    assert len(query) > 6000
    return query


def test_editor_completes_prefixes_and_ontology_terms(page):
    page.goto("/query")
    write_query(page, "")
    page.keyboard.type("SELECT ?c WHERE { ?c a Cit")
    chosen(page, "tw:City")
    page.screenshot(path=SHOTS / "editor-completion.png")
    page.keyboard.press("Enter")
    # The class is written as a prefixed name, and the prefix it needs is declared at the top (the editor closed
    # the brace as it was typed).
    assert editor_text(page).splitlines() == [f"PREFIX tw: <{TW}>", "SELECT ?c WHERE { ?c a tw:City}"]
    page.keyboard.type(" ; tw:coun")
    chosen(page, "tw:country")
    page.keyboard.press("Enter")
    assert editor_text(page).endswith("?c a tw:City ; tw:country}")  # the property, declared only once
    assert editor_text(page).count("PREFIX tw:") == 1
    # After PREFIX, the graph's own prefixes are offered with their namespaces.
    page.keyboard.press("Control+Home")
    page.keyboard.type("PREFIX cou")
    chosen(page, "country: <")
    page.keyboard.press("Enter")
    assert editor_text(page).startswith(
        "PREFIX country: <http://publications.europa.eu/resource/authority/country/>")


def test_editor_completes_resources_by_label_from_search_answers(page):
    """The editor's side of the search contract (GET /search?q=...&limit=N, JSON [{iri, label, type}]), with a
    stand-in answer, so the completion is checked whatever the server's search finds."""
    asked = []

    def search(route):
        asked.append(urllib.parse.urlsplit(route.request.url).query)
        route.fulfill(content_type="application/json", body=json.dumps([
            {"iri": "https://w3id.org/nzc-twinning/id/city/lulea", "label": "Luleå", "type": f"{TW}City"}]))

    page.route("**/search?*", search)
    page.goto("/query")
    write_query(page, "SELECT ?p WHERE { ")
    page.keyboard.type("lulea")
    chosen(page, "Luleå")
    page.keyboard.press("Enter")
    assert editor_text(page).splitlines() == ["PREFIX city: <https://w3id.org/nzc-twinning/id/city/>",
                                              "SELECT ?p WHERE { city:lulea"]
    assert urllib.parse.parse_qs(asked[-1]) == {"q": ["lulea"], "limit": ["20"]}


def test_editor_completes_resources_by_label(page):
    """Resources are completed from the server's search (GET /search, JSON)."""
    page.goto("/query")
    write_query(page, "SELECT ?p WHERE { ")
    page.keyboard.type("lulea")
    page.keyboard.press("Control+Space")
    option = page.locator(".cm-tooltip-autocomplete li", has_text="Luleå").first
    option.wait_for()
    option.click()
    assert "city:lulea" in editor_text(page)
    assert "PREFIX city: <https://w3id.org/nzc-twinning/id/city/>" in editor_text(page)


def test_editor_history_is_kept_in_the_browser(page):
    page.goto("/query")
    for n in (3, 4):
        write_query(page, f"SELECT ?s WHERE {{ ?s ?p ?o }} LIMIT {n}")
        run_and_wait(page)
    page.reload()
    options = page.locator("#history option")
    assert options.count() == 3  # the prompt and the two queries, newest first
    assert "LIMIT 4" in options.nth(1).inner_text()
    page.select_option("#history", "1")
    assert editor_text(page) == "SELECT ?s WHERE { ?s ?p ?o } LIMIT 3"


def test_long_query_runs_by_post_from_the_editor_and_from_a_shared_link(page, browser):
    sent = []
    page.on("request", lambda r: sent.append((r.method, r.url)) if "/sparql" in r.url else None)
    page.goto("/query")
    write_query(page, long_query())
    run_and_wait(page)
    first = page.locator("#results tbody tr").first.inner_text()
    assert page.locator("#results caption").inner_text().endswith(" rows")
    method, url = sent[0]
    assert method == "POST" and "query=" not in url  # the query travels in the body
    shared = page.url
    assert "#query=" in shared and len(shared) > 6000
    page.screenshot(path=SHOTS / "editor-long-query.png")
    # The link, opened in a new browser context, brings the query back and runs it.
    other = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        opened = other.new_page()
        opened.goto(shared)
        opened.wait_for_selector("#answer:not([hidden])")
        assert editor_text(opened) == long_query()
        assert opened.locator("#results tbody tr").first.inner_text() == first
        assert opened.locator("#results caption").inner_text() == page.locator("#results caption").inner_text()
    finally:
        other.close()


def test_result_table_sorts_filters_and_labels(page):
    page.goto("/query")
    write_query(page, CITIES)
    run_and_wait(page)
    show_table(page)
    header = page.locator('#results th[data-variable="city"]')
    header.locator("button").focus()
    page.keyboard.press("Enter")  # sorting by keyboard
    assert page.locator('#results th[data-variable="city"]').get_attribute("aria-sort") == "ascending"
    first = page.locator("#results tbody tr").first.locator("a").first
    assert first.inner_text() == "Aachen" and first.get_attribute("href") == "/id/city/aachen"
    page.locator('#results th[data-variable="city"] button').click()
    assert page.locator('#results th[data-variable="city"]').get_attribute("aria-sort") == "descending"
    assert page.locator("#results tbody tr").first.locator("a").first.inner_text() != "Aachen"
    # The filter reads labels, ignoring case and accents.
    page.fill("#filter", "lulea")
    assert page.locator("#results tbody tr").count() == 1
    assert page.locator("#results tbody tr").inner_text().startswith("Luleå")
    assert "country:SWE" in page.locator("#results tbody tr").inner_text()  # an IRI outside the graph, compacted
    assert "match the filter" in page.locator("#results caption").inner_text()
    page.fill("#filter", "")
    page.screenshot(path=SHOTS / "editor-table.png", full_page=True)


def test_result_table_links_only_web_iris(page):
    """An answer may hold any IRI, and a shared link runs its query at once: a javascript: IRI stays text."""
    page.goto("/query")
    write_query(page, "SELECT ?x WHERE { VALUES ?x { <javascript:alert(document.domain)> <https://example.org/a> } }")
    run_and_wait(page)
    show_table(page)
    cells = page.locator("#results tbody td")
    assert cells.count() == 2
    assert [a.get_attribute("href") for a in page.locator("#results tbody a").all()] == ["https://example.org/a"]
    assert "javascript:alert(document.domain)" in page.locator("#results tbody").inner_text()


def test_construct_answer_becomes_triples(page):
    page.goto("/query")
    write_query(page, f"CONSTRUCT {{ ?c <{TW}country> ?k }} WHERE {{ ?c <{TW}country> ?k }} LIMIT 7")
    run_and_wait(page)
    assert page.locator("#status").inner_text().startswith("7 triples")
    headers = page.locator("#results th").all_inner_texts()
    assert headers == ["s", "p", "o"]
    assert page.locator("#results tbody tr").count() == 7
    assert "country" in page.locator("#results tbody tr").first.inner_text()  # the property's label


# A stand-in for web/static/views.js that fits a map then a chart to any bindings, prefers the map to the table, and
# draws the answer it is given: the test checks the editor's side of the contract (fits, preferred, render, tabs),
# whatever views the real file draws.
STUB_VIEWS = """window.TwinningViews = {
  fits(answer) { return answer.kind === "bindings" ? ["map", "chart"] : ["network"]; },
  preferred(answer) { return answer.kind === "bindings" ? "map" : null; },
  render(name, element, answer) {
    element.textContent = name + " of " + (answer.rows || answer.triples).length + " " + answer.kind;
  },
};"""


def test_result_views_from_views_js_are_tabs_chosen_best_first(page):
    page.route("**/static/views.js", lambda route: route.fulfill(body=STUB_VIEWS, content_type="text/javascript"))
    page.goto("/query")
    write_query(page, CITIES)
    run_and_wait(page)
    tabs = page.locator("#view-tabs [role=tab]")
    assert tabs.all_inner_texts() == ["Table", "Map", "Chart"]
    assert tabs.nth(1).get_attribute("aria-selected") == "true"  # the best view is shown first
    rows = int(page.locator("#status").inner_text().split()[0])
    assert page.locator("#view-map").inner_text() == f"map of {rows} bindings"
    assert page.locator("#view-table").is_hidden()
    tabs.nth(1).focus()
    page.keyboard.press("ArrowLeft")  # keyboard: the arrow keys move between the tabs
    assert tabs.nth(0).get_attribute("aria-selected") == "true"
    assert page.locator("#view-table").is_visible() and page.locator("#view-map").is_hidden()
    page.keyboard.press("End")
    assert page.locator("#view-chart").inner_text() == f"chart of {rows} bindings"


def test_result_views_of_the_real_views_js(page):
    """With the views the project ships: an answer of cities opens on its table (nothing in it asks for a picture)
    and offers its map as the next tab, drawn when chosen."""
    page.goto("/query")
    write_query(page, CITIES)
    run_and_wait(page)
    tabs = page.locator("#view-tabs [role=tab]")
    tabs.nth(1).wait_for()
    assert tabs.nth(0).inner_text() == "Table" and tabs.nth(1).inner_text() == "Map"
    assert tabs.nth(0).get_attribute("aria-selected") == "true"
    tabs.nth(1).click()
    page.locator("#view-map svg").first.wait_for()
    assert page.locator("#view-table").is_hidden()
    page.screenshot(path=SHOTS / "editor-map-result.png", full_page=True)


def downloads(page) -> dict[str, str]:
    """Every download button of the answer, clicked: file name -> text."""
    got = {}
    for button in page.locator("#download-links button").all():
        with page.expect_download() as download:
            button.click()
        got[download.value.suggested_filename] = Path(download.value.path()).read_text(encoding="utf-8")
    return got


def test_downloads_every_format_the_endpoint_offers(page):
    page.goto("/query")
    write_query(page, CITIES + " ORDER BY ?city LIMIT 3")
    run_and_wait(page)
    got = downloads(page)
    assert set(got) == {"result.srj", "result.srx", "result.csv", "result.tsv"}
    assert len(json.loads(got["result.srj"])["results"]["bindings"]) == 3
    assert got["result.csv"].splitlines()[0] == "city,country"
    assert got["result.tsv"].splitlines()[0] == "?city\t?country"
    assert "<sparql" in got["result.srx"]
    write_query(page, f"CONSTRUCT {{ ?c <{TW}country> ?k }} WHERE {{ ?c <{TW}country> ?k }} ORDER BY ?c LIMIT 3")
    run_and_wait(page)
    graphs = downloads(page)
    formats = {"result.ttl": "turtle", "result.nt": "nt", "result.rdf": "xml", "result.jsonld": "json-ld",
               "result.nq": "nquads", "result.trig": "trig"}
    assert set(graphs) == set(formats)
    for name, text in graphs.items():  # every file parses as what it says, with the three triples
        assert len(Graph().parse(data=text, format=formats[name])) == 3, name


def test_code_snippets_run_as_pasted(page, live_server):
    page.goto("/query")
    write_query(page, f"SELECT ?city WHERE {{ ?city a <{TW}City> ; <{TW}country> ?k FILTER(?k = "
                      "<http://publications.europa.eu/resource/authority/country/SWE>) } ORDER BY ?city")
    page.click("#code summary")
    snippets = {}
    for tab in page.locator("#code-tabs [role=tab]").all():
        tab.click()
        snippets[tab.get_attribute("data-language")] = page.locator("#code-text").inner_text()
    page.screenshot(path=SHOTS / "editor-code.png", full_page=True)
    endpoint = live_server + "/sparql"
    assert all(endpoint in text for text in snippets.values())
    assert "library(httr)" in snippets["r"] and "POST(" in snippets["r"]
    # curl, in a shell, as pasted
    out = subprocess.run(["bash", "-c", snippets["curl"]], capture_output=True, text=True, timeout=60, check=True)
    cities = [row["city"] for row in csv.DictReader(io.StringIO(out.stdout))]
    assert "https://w3id.org/nzc-twinning/id/city/lulea" in cities and len(cities) >= 3
    # Python with SPARQLWrapper, as pasted
    out = subprocess.run([sys.executable, "-c", snippets["python"]], capture_output=True, text=True, timeout=60,
                         check=True)
    assert out.stdout.count("'city': ") == len(cities)
    # JavaScript (fetch), in the browser, as pasted (inside an async function for its top-level await)
    logged = []
    page.on("console", lambda message: logged.append(message.text) if message.type == "log" else None)
    page.evaluate("async () => { " + snippets["javascript"] + " }")
    page.wait_for_timeout(100)
    assert logged and logged[0].startswith("[")


def test_every_answer_names_its_release_and_the_editor_cites_the_pinned_endpoint(page, live_server):
    page.goto("/query")
    write_query(page, CITIES + " ORDER BY ?city LIMIT 5")
    with page.expect_response("**/sparql") as answered:
        run_and_wait(page)
    headers = answered.value.all_headers()
    release = headers["x-twinning-release"]
    pinned = f"{live_server}/releases/{release}/sparql"
    assert f'<{pinned}>; rel="memento"' in headers["link"]
    provenance = page.locator("#provenance")
    assert release in provenance.inner_text() and "Cite as: NetZeroCities twinning knowledge graph" in \
        provenance.inner_text()
    assert provenance.locator("a").get_attribute("href") == pinned
    cite = page.locator("#cite-text").inner_text()
    assert cite.startswith(pinned + "?query=")
    # The cited address answers the same query on that release.
    request = urllib.request.Request(cite, headers={"Accept": "text/csv"})
    with urllib.request.urlopen(request, timeout=30) as response:
        rows = list(csv.reader(io.StringIO(response.read().decode())))
    assert rows[0] == ["city", "country"] and len(rows) == 6
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(cite).query)["query"] == [CITIES + " ORDER BY ?city LIMIT 5"]
    page.screenshot(path=SHOTS / "editor-citation.png", full_page=True)


def test_api_page_runs_an_operation_offline(page):
    page.goto("/")
    page.click("header >> text=API")
    page.wait_for_selector("#swagger .opblock")
    page.click("#operations-named_queries-cohort_sizes .opblock-summary")
    # "Try it out" is on from the start (tryItOutEnabled): Execute sends the request.
    page.click("#operations-named_queries-cohort_sizes .execute")
    body = page.locator("#operations-named_queries-cohort_sizes .responses-wrapper .live-responses-table")
    body.wait_for()
    assert "200" in body.inner_text()
    page.screenshot(path=SHOTS / "api.png", full_page=True)


def test_vendored_code_carries_every_licence():
    """Each package the bundle was built from has its licence in vendor/LICENSES.txt (with its version)."""
    vendor = PROJECT / "web" / "static" / "vendor"
    lock = json.loads((vendor / "source" / "editor" / "package-lock.json").read_text())
    licences = (vendor / "LICENSES.txt").read_text()
    direct = json.loads((vendor / "source" / "editor" / "package.json").read_text())["dependencies"]
    assert direct, "no dependencies listed"
    for name in direct:
        version = lock["packages"][f"node_modules/{name}"]["version"]
        assert f"{name} {version} (" in licences, name
    assert "Apache License" in (vendor / "swagger-ui" / "LICENSE").read_text()
