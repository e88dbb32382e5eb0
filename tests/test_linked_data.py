"""Linked Data publishing: dereferenceable IRIs, the ontology, VoID, the DCAT-AP record, dumps and their checks."""
import gzip
import hashlib
import json
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request
from html.parser import HTMLParser

import pytest
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, RDF, RDFS

from graph.release import current_release

from .conftest import PROJECT, SHARED, csv_rows

ALL_BACKENDS = True  # see conftest.py: these tests run on the embedded store and on each remote engine

LUND = URIRef("https://w3id.org/nzc-twinning/id/city/lund")
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"
VOID = Namespace("http://rdfs.org/ns/void#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
DUMPS = ["ttl", "nt", "nq", "trig", "jsonld"]
RDFLIB = {"ttl": "turtle", "nt": "nt", "nq": "nquads", "trig": "trig", "jsonld": "json-ld"}


class Text(HTMLParser):
    """Visible text and link targets of an HTML page."""

    def __init__(self):
        super().__init__()
        self.text, self.links = [], []

    def handle_data(self, data):
        self.text.append(data)

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.links.append(dict(attrs).get("href"))


def parse_html(body: str) -> Text:
    parser = Text()
    parser.feed(body)
    return parser


# --- resources ---------------------------------------------------------------------------------------------------

def test_get_id_turtle(client):
    response = client.get("/id/city/lund", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    assert (LUND, RDFS.label, Literal("Lund", lang="sv")) in graph
    assert (URIRef("https://w3id.org/nzc-twinning/id/twin/lund"),
            URIRef("https://w3id.org/nzc-twinning/ontology#twinCity"), LUND) in graph  # statements in, too


def test_get_id_browser_gets_html(client):
    response = client.get("/id/city/lund", headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = parse_html(response.get_data(as_text=True))
    text = " ".join(page.text)
    assert "Lund" in text and "(sv)" in text  # labels in every language
    assert "/id/twin/lund" in page.links  # statements in, linked
    assert "https://sws.geonames.org/2693678/" in page.links  # external link
    assert "https://viablecities.se/lulea-och-lund-utvalda-som-tvillingstader-i-netzerocities/" in page.links  # source
    assert any(link.startswith("/query?query=DESCRIBE") for link in page.links)  # query this
    assert "Luleå och Lund utvalda som tvillingstäder i NetZeroCities" in text  # source titles


@pytest.mark.parametrize("suffix, media, fmt", [("ttl", "text/turtle", "turtle"), ("nt", "application/n-triples", "nt"),
                                                ("jsonld", "application/ld+json", "json-ld"),
                                                ("rdf", "application/rdf+xml", "xml")])
def test_get_id_suffix(client, suffix, media, fmt):
    response = client.get(f"/id/pilot/leuven-c1.{suffix}", headers={"Accept": BROWSER})
    assert response.mimetype == media
    graph = Graph().parse(data=response.get_data(as_text=True), format=fmt)
    assert (URIRef("https://w3id.org/nzc-twinning/id/pilot/leuven-c1"),
            URIRef("https://w3id.org/nzc-twinning/ontology#ledBy"),
            URIRef("https://w3id.org/nzc-twinning/id/city/leuven")) in graph


@pytest.mark.parametrize("accept", ["text/turtle", BROWSER])
def test_get_id_unknown_404(client, accept):
    response = client.get("/id/city/atlantis", headers={"Accept": accept})
    assert response.status_code == 404
    assert response.get_json()["status"] == 404


def test_get_id_bad_path_404(client):
    assert client.get("/id/city/<script>").status_code == 404


def test_get_id_not_acceptable(client):
    assert client.get("/id/city/lund", headers={"Accept": "image/png"}).status_code == 406


def test_get_id_escapes_literals(client):
    """Labels are text, never markup (a label holding <script> renders as text)."""
    body = client.get("/id/activity/wiesbaden-visit-malmo-2024-06", headers={"Accept": BROWSER}).get_data(as_text=True)
    assert "Wiesbaden delegation visit to Malmö" in body
    assert "<script" not in body.split('<main id="main">', 1)[1]  # the page's data (the header has the search script)


def test_get_id_conditional(client):
    first = client.get("/id/city/lund", headers={"Accept": "text/turtle"})
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    again = client.get("/id/city/lund", headers={"Accept": "text/turtle", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    html = client.get("/id/city/lund", headers={"Accept": BROWSER})
    assert html.headers["ETag"] != first.headers["ETag"]  # one variant, one tag


def test_get_ontology_html_and_turtle(client):
    html = client.get("/ontology", headers={"Accept": BROWSER})
    assert html.mimetype == "text/html"
    text = " ".join(parse_html(html.get_data(as_text=True)).text)
    for term in ("tw:Twin", "tw:pairedWith", "tw:cohortNumber"):
        assert term in text
    turtle = client.get("/ontology", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=turtle.get_data(as_text=True), format="turtle")
    assert (URIRef("https://w3id.org/nzc-twinning/ontology#Twin"), RDFS.label, Literal("Twin", lang="en")) in graph
    ontology_file = Graph().parse(PROJECT / "ontology" / "twinning.ttl", format="turtle")
    assert len(graph) == len(ontology_file) + 1  # plus the graph's prov:wasDerivedFrom
    assert client.get("/ontology.ttl").mimetype == "text/turtle"


# --- dataset metadata --------------------------------------------------------------------------------------------

def test_get_void(client, store_path):
    response = client.get("/.well-known/void")
    assert response.mimetype == "text/turtle"
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    dataset = URIRef("https://w3id.org/nzc-twinning/id/dataset/twinning")
    stats = current_release(store_path).info["statistics"]
    count = client.get("/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?p ?o "
                                                          "{ ?s ?p ?o } }"}).get_json()
    assert int(graph.value(dataset, VOID.triples)) == stats["triples"] == \
        int(count["results"]["bindings"][0]["n"]["value"])
    city = next(graph.subjects(VOID["class"], URIRef("https://w3id.org/nzc-twinning/ontology#City")))
    assert int(graph.value(city, VOID.entities)) == len(csv_rows("cities.csv"))
    linksets = {str(graph.value(ls, VOID.objectsTarget)).rsplit("/", 1)[1]: int(graph.value(ls, VOID.triples))
                for ls in graph.subjects(RDF.type, VOID.Linkset)}
    cities = csv_rows("cities.csv")
    assert linksets["geonames"] == sum(1 for c in cities if c["geonames_id"])
    assert linksets["eu-country"] == len(cities)
    assert linksets["wikidata"] == len(csv_rows("wikidata_links.csv"))  # one link per cross-checked row


def test_get_sparql_service_description_links_metadata(client):
    graph = Graph().parse(data=client.get("/sparql").get_data(as_text=True), format="turtle")
    see_also = {str(o) for o in graph.objects(None, RDFS.seeAlso)}
    assert see_also == {"http://localhost/.well-known/void", "http://localhost/catalog"}


@pytest.fixture(scope="module")
def catalog_graph(app):
    response = app.test_client().get("/catalog")
    assert response.mimetype == "text/turtle"
    return Graph().parse(data=response.get_data(as_text=True), format="turtle")


@pytest.mark.skipif(not (SHARED / "dcat-ap-3.0.1").exists(), reason="../shared/dcat-ap-3.0.1 is not beside this checkout")
def test_catalog_validates_against_dcat_ap_shapes(catalog_graph):
    from pyshacl import validate

    shapes = Graph()
    for name in ("shapes.ttl", "shapes_recommended.ttl", "range.ttl", "mdr-vocabularies.shape.ttl"):
        shapes.parse(SHARED / "dcat-ap-3.0.1" / name, format="turtle")
    conforms, results, text = validate(catalog_graph, shacl_graph=shapes, inference="none", allow_warnings=True)
    violations = list(results.subjects(URIRef("http://www.w3.org/ns/shacl#resultSeverity"),
                                       URIRef("http://www.w3.org/ns/shacl#Violation")))
    top_level = [v for v in violations if (None, URIRef("http://www.w3.org/ns/shacl#result"), v) in results]
    assert conforms and not top_level, text


def test_catalog_every_access_url_answers_200(client, catalog_graph):
    urls = {str(o) for o in catalog_graph.objects(None, DCAT.accessURL)} | \
           {str(o) for o in catalog_graph.objects(None, DCAT.downloadURL)} | \
           {str(o) for o in catalog_graph.objects(None, DCAT.endpointURL)}
    assert len(urls) >= 11  # the endpoint and ten dumps
    for url in urls:
        assert client.get(urllib.parse.urlsplit(url).path, buffered=True).status_code == 200, url


def test_catalog_checksums_and_sizes_match_dumps(client, catalog_graph):
    for distribution in catalog_graph.subjects(RDF.type, DCAT.Distribution):
        url = catalog_graph.value(distribution, DCAT.downloadURL)
        if url is None:
            continue
        body = client.get(urllib.parse.urlsplit(str(url)).path, buffered=True).data
        checksum = catalog_graph.value(distribution, SPDX.checksum)
        assert str(catalog_graph.value(checksum, SPDX.checksumValue)) == hashlib.sha256(body).hexdigest()
        assert int(catalog_graph.value(distribution, DCAT.byteSize)) == len(body)


def test_catalog_other_rdf_formats(client):
    response = client.get("/catalog", headers={"Accept": "application/ld+json"})
    assert response.mimetype == "application/ld+json"
    json.loads(response.get_data(as_text=True))


# --- dumps -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", DUMPS)
def test_get_dump_and_gzip(client, suffix):
    plain = client.get(f"/dumps/twinning.{suffix}", buffered=True)
    packed = client.get(f"/dumps/twinning.{suffix}.gz", buffered=True)
    assert plain.status_code == packed.status_code == 200
    assert packed.mimetype == "application/gzip"
    assert gzip.decompress(packed.data) == plain.data
    assert client.get(f"/dumps/twinning.{suffix}", headers={"If-None-Match": plain.headers["ETag"]}).status_code == 304


def test_get_dump_unknown_404(client):
    assert client.get("/dumps/twinning.xlsx").status_code == 404
    assert client.get("/dumps/secrets.ttl").status_code == 404


def test_get_dump_one_graph(client):
    response = client.get("/dumps/twinning.nt", query_string={"graph": "https://w3id.org/nzc-twinning/ontology"})
    graph = Graph().parse(data=response.get_data(as_text=True), format="nt")
    assert len(graph) == len(Graph().parse(PROJECT / "ontology" / "twinning.ttl", format="turtle")) + 1
    unknown = client.get("/dumps/twinning.nt", query_string={"graph": "https://example.org/none"})
    assert unknown.status_code == 404


def test_turtle_dump_readable(client):
    text = client.get("/dumps/twinning.ttl", buffered=True).get_data(as_text=True)
    assert text.startswith("@prefix ")
    assert "city:lund " in text or "city:lund\n" in text  # prefixed names, not only full IRIs
    subjects = [line.split(" ", 1)[0] for line in text.splitlines() if line and not line[0].isspace()
                and not line.startswith("@prefix")]
    assert len(subjects) == len(set(subjects))  # each subject's statements grouped once


@pytest.mark.parametrize("suffix", DUMPS)
def test_export_byte_identical_and_equal_to_served_dump(client, store_path, tmp_path, suffix):
    outputs = []
    for i in range(2):
        out = tmp_path / f"{i}.{suffix}"
        subprocess.run([sys.executable, "-m", "cli", "export", "--store", str(store_path), "-f", suffix, "-o", str(out)],
                       cwd=PROJECT, check=True)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[0] == client.get(f"/dumps/twinning.{suffix}", buffered=True).data


def rapper_count(path, syntax: str) -> int:
    result = subprocess.run(["rapper", "-i", syntax, "-c", str(path)], capture_output=True, text=True, check=True)
    return int(result.stderr.split("returned")[1].split()[0])


@pytest.mark.parametrize("suffix", DUMPS)
def test_dump_independent_parsers_agree(store_path, suffix):
    release = current_release(store_path)
    path = release.path / "dumps" / f"twinning.{suffix}"
    expected = release.info["statistics"]["triples"] if suffix in ("ttl", "nt") else release.info["quads"]
    if suffix in ("nq", "trig", "jsonld"):
        rdflib_count = len(list(Dataset().parse(path, format=RDFLIB[suffix]).quads()))
    else:
        rdflib_count = len(Graph().parse(path, format=RDFLIB[suffix]))
    assert rdflib_count == expected
    if suffix == "jsonld":  # rapper has no JSON-LD parser; PyLD is an independent implementation
        from pyld import jsonld

        nquads = jsonld.to_rdf(json.loads(path.read_text()), {"format": "application/n-quads"})
        assert len({line for line in nquads.splitlines() if line.strip()}) == expected
    elif shutil.which("rapper"):
        assert rapper_count(path, {"ttl": "turtle", "nt": "ntriples", "nq": "nquads", "trig": "trig"}[suffix]) == expected
    else:
        pytest.skip("rapper (Debian raptor2-utils) is not installed; .ci/run installs it")


@pytest.mark.live
def test_curl_style_turtle_and_browser_html_live(live_server):
    turtle = urllib.request.urlopen(urllib.request.Request(live_server + "/id/city/lund",
                                                           headers={"Accept": "text/turtle"}))
    assert turtle.headers.get_content_type() == "text/turtle"
    assert (LUND, RDFS.label, Literal("Lund", lang="en")) in Graph().parse(data=turtle.read().decode(), format="turtle")
    html = urllib.request.urlopen(urllib.request.Request(live_server + "/id/city/lund", headers={"Accept": BROWSER}))
    assert html.headers.get_content_type() == "text/html"
