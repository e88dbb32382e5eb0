"""The workbench's pictures in Chromium (issue 14): the map with Natural Earth countries, zoom, pan, labels and a cohort
legend; the network laid out with each pilot beside its twins; the timeline; the small maps of resource pages; and
static/views.js choosing and drawing views for real answers of the live server (the views the editor offers).

Screenshots go to test-artifacts/screenshots/. The page fixture fails a test on any JavaScript error and on any request
that leaves the server.
"""
import itertools
import json
import re
import urllib.parse
import urllib.request

import pytest
from rdflib import BNode, Graph, Literal, URIRef

from .conftest import SHOTS
from .test_browser import write_query

pytestmark = pytest.mark.live

ID = "https://w3id.org/nzc-twinning/id/"
TW = "https://w3id.org/nzc-twinning/ontology#"


def drawn(page, selector: str = "[data-twinning-view]") -> None:
    page.wait_for_selector(f'{selector}[data-drawn="true"]', timeout=20000)


def transform(page) -> str:
    return page.locator("svg.map g.zoomed").first.get_attribute("transform") or ""


def scale_of(text: str) -> float:
    found = re.search(r"scale\(([\d.]+)", text)
    return float(found.group(1)) if found else 1.0


def test_get_map_draws_countries_zooms_pans_and_labels(page):
    page.goto("/map")
    drawn(page)
    svg = page.locator("svg.map")
    assert page.locator("svg.map path.country").count() > 150  # Natural Earth's countries, from world-atlas
    assert page.locator('svg.map path.country[data-name="Sweden"]').count() == 1
    assert len(page.locator("svg.map path.borders").get_attribute("d")) > 10000
    assert page.locator('svg.map [data-city="lund"] circle').count() == 1
    assert page.locator("svg.map path.pairing").count() > 20
    legend = page.locator(".view-legend").inner_text()
    assert "cohort 1" in legend and "cohort 2" in legend and "cohort 3" in legend
    assert "leads a pilot activity" in legend and page.locator("svg.map .marker.leads").count() > 10
    # Lund leads a pilot (CoPilot Lund) and is a twin city of Leuven's: both roles are named.
    roles = page.locator('svg.map [data-city="lund"]').get_attribute("data-role").split(", ")
    assert {"pilot", "twin"} <= set(roles) and "leads" in page.locator('svg.map [data-city="lund"]').get_attribute("class")
    # Cohort 1 has one colour on every line of cohort 1.
    assert len(set(page.locator('svg.map path.pairing[data-group="1"]').evaluate_all(
        "lines => lines.map(l => l.getAttribute('stroke'))"))) == 1
    page.screenshot(path=SHOTS / "map-world-atlas.png", full_page=True)

    # A label shows on hover only (the programme map is too full for all of them at once).
    label = page.locator('svg.map [data-city="reykjavik"] text.label')
    assert not label.is_visible()
    page.locator('svg.map [data-city="reykjavik"] circle').hover()
    assert label.is_visible() and label.text_content() == "Reykjavík"

    # Keyboard: + zooms, arrows pan, 0 resets; the wheel zooms too.
    svg.focus()
    before = transform(page)
    page.keyboard.press("+")
    page.keyboard.press("+")
    page.wait_for_function("document.querySelector('svg.map g.zoomed').getAttribute('transform') !== null")
    zoomed = transform(page)
    assert scale_of(zoomed) == pytest.approx(2.25) and zoomed != before
    page.keyboard.press("ArrowLeft")
    assert transform(page) != zoomed and scale_of(transform(page)) == pytest.approx(2.25)
    page.screenshot(path=SHOTS / "map-zoomed.png")
    page.keyboard.press("0")
    assert scale_of(transform(page)) == pytest.approx(1.0)
    box = svg.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -400)
    page.wait_for_function("/scale\\((?!1\\))/.test(document.querySelector('svg.map g.zoomed').getAttribute('transform'))")
    assert scale_of(transform(page)) > 1.0
    page.get_by_role("button", name="Reset the map").click()
    assert scale_of(transform(page)) == pytest.approx(1.0)

    # Tab from the map reaches the places, and a focused place shows its name.
    svg.focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.closest('.marker') && document.activeElement.getAttribute('href')")
    assert focused and focused.startswith("/id/city/")
    assert page.locator("svg.map .marker:focus text.label").is_visible()
    # Zoomed in far, a place reached by Tab is brought into sight.
    svg.focus()
    for _ in range(8):
        page.keyboard.press("+")
    page.locator('svg.map [data-city="reykjavik"]').focus()
    inside = page.evaluate("""() => {
        const map = document.querySelector('svg.map').getBoundingClientRect();
        const place = document.querySelector('svg.map [data-city="reykjavik"] circle').getBoundingClientRect();
        return place.left >= map.left && place.right <= map.right && place.top >= map.top && place.bottom <= map.bottom;
    }""")
    assert inside is True, inside
    assert scale_of(transform(page)) > 20, transform(page)
    page.screenshot(path=SHOTS / "map-zoomed-to-focus.png")


def test_get_map_of_one_cohort(page):
    page.goto("/map?cohortNumber=2")
    drawn(page)
    groups = set(page.locator("svg.map path.pairing").evaluate_all("ls => ls.map(l => l.dataset.group)"))
    assert groups == {"2"}


def crossings(segments: list[tuple]) -> list[tuple[int, int]]:
    """Pairs of segments that cross at a point inside both (sharing an end is not crossing)."""
    def side(a, b, c):
        return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
    found = []
    for (i, (p1, p2)), (j, (q1, q2)) in itertools.combinations(enumerate(segments), 2):
        if {p1, p2} & {q1, q2}:
            continue
        if side(p1, p2, q1) * side(p1, p2, q2) < 0 and side(q1, q2, p1) * side(q1, q2, p2) < 0:
            found.append((i, j))
    return found


def test_get_network_crosses_only_where_pairings_force_it(page):
    page.goto("/network")
    drawn(page)
    edges = page.locator("svg.network line.edge").evaluate_all("""lines => lines.map(l => ({
        source: l.dataset.source, target: l.dataset.target,
        a: [+l.getAttribute('x1'), +l.getAttribute('y1')], b: [+l.getAttribute('x2'), +l.getAttribute('y2')]}))""")
    assert len(edges) >= 40
    # The groups a pilot-and-twins layout can keep apart: the connected parts of the pairing graph.
    parent: dict = {}

    def find(x):
        parent.setdefault(x, x)
        while parent[x] != x:
            x = parent[x]
        return x
    for e in edges:
        parent[find(e["source"])] = find(e["target"])
    part = [find(e["source"]) for e in edges]
    sources = {}
    for e, p in zip(edges, part):
        sources.setdefault(p, set()).add(e["source"])
    targets = {}
    for e, p in zip(edges, part):
        targets.setdefault(p, set()).add(e["target"])
    # A pilot with its twins (a star) can always be drawn without a crossing; other parts may need some.
    stars = {p for p in sources if len(sources[p]) == 1 or len(targets[p]) == 1}
    assert len(stars) >= 30
    measured = crossings([(tuple(e["a"]), tuple(e["b"])) for e in edges])
    allowed = [(i, j) for i, j in measured if part[i] == part[j] and part[i] not in stars]
    assert measured == allowed, f"{len(measured)} crossings, {len(allowed)} forced by the pairings"
    # The check can fail: the earlier layout (both columns alphabetical) crosses many lines.
    left = sorted({e["source"] for e in edges}, key=lambda k: page.locator(f'[data-key="{k}"] text').text_content())
    right = sorted({e["target"] for e in edges}, key=lambda k: page.locator(f'[data-key="{k}"] text').text_content())
    alphabetical = [((0.0, float(left.index(e["source"]))), (1.0, float(right.index(e["target"])))) for e in edges]
    assert len(crossings(alphabetical)) > 100
    # Twins sit beside their pilot: every line spans at most a few rows.
    assert max(abs(e["a"][1] - e["b"][1]) for e in edges) < 3 * 22
    # Labels do not overlap: nodes of one column are at least a row apart.
    for side in ("left", "right"):
        ys = sorted(page.locator(f"svg.network .node.{side} circle").evaluate_all("cs => cs.map(c => +c.getAttribute('cy'))"))
        assert min(b - a for a, b in itertools.pairwise(ys)) >= 20
    # Nodes are links reached by Tab, in the order they are drawn from the top.
    page.locator("svg.network .node").first.focus()
    first = page.evaluate("document.activeElement.getAttribute('href')")
    page.keyboard.press("Tab")
    second = page.evaluate("document.activeElement.getAttribute('href')")
    assert first.startswith("/id/pilot/") and second.startswith("/id/") and first != second
    assert "cohort 1" in page.locator(".view-legend").inner_text()
    page.screenshot(path=SHOTS / "network-grouped.png", full_page=True)


def test_get_timeline_draws_cohorts_and_activities(page):
    page.goto("/timeline")
    drawn(page)
    lanes = page.locator("svg.timeline text.lane").all_text_contents()
    assert "Twinning cohort 1" in lanes and any(lane.startswith("Exchange: ") for lane in lanes)
    assert page.locator("svg.timeline .items a").count() >= 20
    # Twinning cohort 1: sources give two lengths, so two bars from one start.
    bars = page.locator('svg.timeline .items a[href="/id/cohort/twinning-cohort-1"] rect')
    assert bars.count() == 2 and len(set(bars.evaluate_all("rs => rs.map(r => r.getAttribute('x'))"))) == 1
    assert "cohort 1" in page.locator(".view-legend").inner_text()
    page.screenshot(path=SHOTS / "timeline-views.png", full_page=True)


@pytest.mark.parametrize("path, places, focus", [
    ("/id/city/umea", {"umea", "lulea", "wurzburg"}, "umea"),
    ("/id/pilot/umea-c1", {"umea", "lulea", "wurzburg"}, None),
    ("/id/twin/lulea", {"umea", "lulea"}, "lulea"),
    ("/id/city/glasgow", {"glasgow"}, "glasgow"),  # a Mission city in no programme: located alone
])
def test_get_resource_page_locates_city_and_partners(page, path, places, focus):
    page.goto(path)
    drawn(page, "#pairing-map")
    shown = set(page.locator("#pairing-map .marker").evaluate_all("ms => ms.map(m => m.dataset.city)"))
    assert places <= shown
    assert page.locator("#pairing-map path.country").count() >= 10
    if focus:
        assert page.locator(f'#pairing-map .marker.focus[data-city="{focus}"]').count() == 1
    # Few places: every name is shown without hovering.
    assert page.locator(f'#pairing-map [data-city="{min(places)}"] text.label').is_visible()
    page.screenshot(path=SHOTS / f"resource-map-{path.rsplit('/', 1)[1]}.png", full_page=True)


def fetch_answer(base: str, query: str) -> dict:
    """A real answer of the live server, as the editor hands it to views.js."""
    request = urllib.request.Request(base + "/sparql", data=urllib.parse.urlencode({"query": query}).encode(),
                                     headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request) as response:
        body = json.load(response)
    return {"kind": "bindings", "vars": body["head"]["vars"], "rows": body["results"]["bindings"]}


def fetch_triples(base: str, query: str) -> dict:
    request = urllib.request.Request(base + "/sparql", data=urllib.parse.urlencode({"query": query}).encode(),
                                     headers={"Accept": "application/n-triples"})
    with urllib.request.urlopen(request) as response:
        graph = Graph().parse(data=response.read().decode(), format="nt")

    def term(t):
        if isinstance(t, URIRef):
            return {"type": "uri", "value": str(t)}
        if isinstance(t, BNode):
            return {"type": "bnode", "value": str(t)}
        assert isinstance(t, Literal)
        return {"type": "literal", "value": str(t), **({"datatype": str(t.datatype)} if t.datatype else {}),
                **({"xml:lang": t.language} if t.language else {})}
    return {"kind": "triples", "triples": [{"s": term(s), "p": term(p), "o": term(o)} for s, p, o in graph]}


def show(page, name: str, answer: dict) -> tuple[list[str], dict]:
    """views.js's choice for an answer, then the named view drawn into a fresh element of the page."""
    return page.evaluate("""async ([name, answer]) => {
        await TwinningViews.ready();
        const fits = TwinningViews.fits(answer);
        document.getElementById("probe-" + name)?.remove();
        const box = document.createElement("section");
        box.id = "probe-" + name;
        document.querySelector("main").prepend(box);
        await TwinningViews.render(name, box, answer);
        return [fits, {svg: box.querySelectorAll("svg").length, bars: box.querySelectorAll("rect.bar").length,
                       markers: box.querySelectorAll(".marker").length, nodes: box.querySelectorAll(".node").length,
                       edges: box.querySelectorAll(".edge").length, items: box.querySelectorAll(".items a").length,
                       countries: box.querySelectorAll("path.country").length, legend: box.innerText,
                       series: box.querySelectorAll("path.series").length}];
    }""", [name, answer])


PREFIXES = f"PREFIX tw: <{TW}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> " \
           "PREFIX geo: <http://www.opengis.net/ont/geosparql#> PREFIX wgs: <http://www.w3.org/2003/01/geo/wgs84_pos#> "


def test_views_fit_and_draw_real_answers(page, live_server):
    page.goto("/timeline")  # any page that loads views.js
    drawn(page)

    wkt = fetch_answer(live_server, PREFIXES + "SELECT ?city ?wkt WHERE { ?city geo:hasGeometry/geo:asWKT ?wkt } LIMIT 25")
    fits, seen = show(page, "map", wkt)
    assert fits[0] == "map" and seen["markers"] == 25 and seen["countries"] > 150

    cities = fetch_answer(live_server, PREFIXES + "SELECT DISTINCT ?city WHERE { ?twin a tw:Twin ; tw:twinCity ?city }")
    fits, seen = show(page, "map", cities)
    assert fits == ["map"] and seen["markers"] == len(cities["rows"])  # cities of the graph, located by the app
    page.locator("#probe-map").screenshot(path=SHOTS / "view-map-cities.png")

    sizes = fetch_answer(live_server, PREFIXES + """SELECT ?cohort (COUNT(?twin) AS ?twins)
        WHERE { ?twin a tw:Twin ; tw:cohort ?cohort } GROUP BY ?cohort ORDER BY ?cohort""")
    fits, seen = show(page, "chart", sizes)
    assert fits[0] == "chart" and seen["bars"] == len(sizes["rows"]) >= 3
    page.locator("#probe-chart").screenshot(path=SHOTS / "view-chart.png")

    by_date = fetch_answer(live_server, PREFIXES + """SELECT ?startDate (COUNT(?a) AS ?activities)
        WHERE { ?a a tw:ExchangeActivity ; tw:startDate ?startDate } GROUP BY ?startDate""")
    fits, seen = show(page, "chart", by_date)
    assert fits[:2] == ["chart", "timeline"] and seen["series"] == 1 and seen["bars"] == 0  # a line through time

    activities = fetch_answer(live_server, PREFIXES + """SELECT ?activity ?label ?startDate ?endDate WHERE {
        ?activity a tw:ExchangeActivity ; rdfs:label ?label ; tw:startDate ?startDate OPTIONAL { ?activity tw:endDate ?endDate } }""")
    fits, seen = show(page, "timeline", activities)
    assert "timeline" in fits and seen["items"] == len(activities["rows"]) >= 10
    page.locator("#probe-timeline").screenshot(path=SHOTS / "view-timeline.png")

    pairings = fetch_answer(live_server, PREFIXES + """SELECT ?pilot ?twin ?cohortNumber WHERE {
        ?twin a tw:Twin ; tw:pairedWith ?pilot ; tw:cohort/tw:cohortNumber ?cohortNumber }""")
    fits, seen = show(page, "network", pairings)
    assert "network" in fits and "map" not in fits
    assert seen["edges"] == len(pairings["rows"]) and "cohort 1" in seen["legend"]

    triples = fetch_triples(live_server, PREFIXES + """CONSTRUCT { ?twin tw:pairedWith ?pilot . ?pilot tw:ledBy ?city .
        ?city rdfs:label ?label } WHERE { ?twin tw:cohort/tw:cohortNumber 1 ; tw:pairedWith ?pilot . ?pilot tw:ledBy ?city .
        ?city rdfs:label ?label FILTER(lang(?label) = "en") }""")
    fits, seen = show(page, "network", triples)
    links = {(t["s"]["value"], t["o"]["value"]) for t in triples["triples"] if t["o"]["type"] == "uri"}
    assert fits == ["network"] and seen["edges"] == len(links) > 10
    page.locator("#probe-network").screenshot(path=SHOTS / "view-network-construct.png")
    # A labelled node shows the label the CONSTRUCT gave it, not its IRI.
    assert page.locator('#probe-network .node[href="/id/city/umea"] text').text_content() == "Umeå"

    # Thousands of links: the first 1,500 are drawn, and a note says so.
    links = fetch_answer(live_server, "SELECT ?s ?o WHERE { ?s ?p ?o FILTER(isIRI(?s) && isIRI(?o)) }")
    assert len(links["rows"]) > 1500
    fits, seen = show(page, "network", links)
    assert "network" in fits and seen["edges"] == 1500
    assert page.locator("#probe-network .note").inner_text().startswith("Showing the first 1500 of ")

    words = fetch_answer(live_server, PREFIXES + 'SELECT ?label WHERE { ?x rdfs:label ?label } LIMIT 5')
    assert page.evaluate("answer => TwinningViews.fits(answer)", words) == []
    fits, seen = show(page, "map", words)  # asked anyway, the map says why it is empty
    assert seen["svg"] == 0 and "No place in this answer" in seen["legend"]


def test_editor_offers_the_views_that_fit_its_answer(page):
    """The editor's tabs (see test_workbench_editor.py) with the real views.js: for cities with coordinates the
    map is shown at once, with its countries; otherwise the table, and the views that fit as tabs drawn when chosen."""
    page.goto("/query")
    page.wait_for_function("window.TwinningViews && window.TwinningVendor")
    write_query(page, PREFIXES + """SELECT ?city ?label ?lat ?long ?cohortNumber WHERE {
        ?twin a tw:Twin ; tw:twinCity ?city ; tw:cohort/tw:cohortNumber ?cohortNumber .
        ?city rdfs:label ?label ; wgs:lat ?lat ; wgs:long ?long FILTER(lang(?label) = "en") }""")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#view-map svg.map path.country")
    tabs = page.locator("#view-tabs [role=tab]").all_inner_texts()
    # cohortNumber names a cohort, it is no quantity: no chart; the twins' cohorts colour the map.
    assert tabs == ["Table", "Map"]
    assert page.locator("#view-map .marker").count() > 20
    assert "cohort 1" in page.locator("#view-map .view-legend").inner_text()
    page.screenshot(path=SHOTS / "editor-map-result.png", full_page=True)
    page.set_viewport_size({"width": 1100, "height": 900})
    page.screenshot(path=SHOTS / "readme-editor-map.png", full_page=True)  # copied to docs/screenshots/editor-map.png

    write_query(page, PREFIXES + """SELECT ?cohort (COUNT(?twin) AS ?twins) (MIN(?start) AS ?firstActivity) WHERE {
        ?twin a tw:Twin ; tw:cohort ?cohort OPTIONAL { ?a tw:cohort ?cohort ; a tw:ExchangeActivity ; tw:startDate ?start } }
        GROUP BY ?cohort""")
    page.keyboard.press("Control+Enter")
    page.wait_for_function("document.querySelectorAll('#view-tabs [role=tab]').length === 3")
    # No coordinates: the table first, the views that fit as tabs, best first.
    assert page.locator("#view-tabs [role=tab]").all_inner_texts() == ["Table", "Chart", "Timeline"]
    assert page.locator("#view-table").is_visible()
    page.locator("#view-tab-chart").click()
    page.wait_for_selector("#view-chart svg.chart rect.bar")
    page.locator("#view-tab-timeline").click()
    page.wait_for_selector("#view-timeline svg.timeline")
    assert page.locator("#view-chart").is_hidden() and page.locator("#view-timeline").is_visible()
