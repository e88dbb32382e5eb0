"""The real server (`twinning serve`, under each HTTP server it offers) on a loopback port, asked by the clients
researchers use."""
import csv
import json
import socket
import subprocess
import sys
import urllib.parse
import urllib.request

import pytest
from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TSV, TURTLE, XML, SPARQLWrapper
from SPARQLWrapper import POST as POST_METHOD
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, URITooLong

from .conftest import PROJECT, build, environment, start_server, stop_server
from .test_loaders import line_of, rewrite

ALL_BACKENDS = True  # see conftest.py: these tests run on the embedded store and on each remote engine

pytestmark = pytest.mark.live

CITY = "https://w3id.org/nzc-twinning/id/city/"
# Only the contract terms of DESIGN.md section 3.
PAIRED_PILOT_CITIES = """
PREFIX tw: <https://w3id.org/nzc-twinning/ontology#>
SELECT DISTINCT ?leadCity ?cohortNumber WHERE {
  ?twin a tw:Twin ; tw:twinCity <%s> ; tw:cohort ?cohort ; tw:pairedWith ?pilot .
  ?cohort tw:cohortNumber ?cohortNumber .
  ?pilot a tw:Pilot ; tw:ledBy ?leadCity .
}"""

# hyper, under granian, refuses a request target longer than this (docs/deploy.md).
GRANIAN_LONGEST_URL = 65_534


@pytest.fixture(scope="module", params=["gunicorn", "granian"])
def http_server(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def live_server(http_server, store_path, served):
    """`twinning serve` with this HTTP server, on the session's store or engine."""
    process, base = start_server(store_path, environment({**served, "HTTP_SERVER": http_server}))
    yield base
    stop_server(process)


def wrapper(base: str, query: str, fmt) -> SPARQLWrapper:
    client = SPARQLWrapper(base + "/sparql")
    client.setQuery(query)
    client.setReturnFormat(fmt)
    return client


@pytest.mark.parametrize("twin, lead", [("lund", "leuven"), ("lulea", "umea")])
def test_sparqlwrapper_contract_pairing(live_server, twin, lead):
    result = wrapper(live_server, PAIRED_PILOT_CITIES % (CITY + twin), JSON).queryAndConvert()
    rows = {(b["leadCity"]["value"], b["cohortNumber"]["value"]) for b in result["results"]["bindings"]}
    assert rows == {(CITY + lead, "1")}


def test_sparqlwrapper_xml(live_server):
    document = wrapper(live_server, PAIRED_PILOT_CITIES % (CITY + "lund"), XML).queryAndConvert()
    uris = [node.firstChild.data for node in document.getElementsByTagName("uri")]
    assert uris == [CITY + "leuven"]


@pytest.mark.parametrize("fmt, separator", [(CSV, ","), (TSV, "\t")])
def test_sparqlwrapper_csv_tsv(live_server, fmt, separator):
    text = wrapper(live_server, PAIRED_PILOT_CITIES % (CITY + "lulea"), fmt).queryAndConvert().decode()
    lines = text.strip().splitlines()
    assert len(lines) == 2
    assert (CITY + "umea") in lines[1] and separator in lines[1]


def test_sparqlwrapper_construct_into_rdflib(live_server):
    query = ("PREFIX tw: <https://w3id.org/nzc-twinning/ontology#> CONSTRUCT { ?twin tw:pairedWith ?pilot } "
             "WHERE { ?twin tw:pairedWith ?pilot }")
    graph = wrapper(live_server, query, TURTLE).queryAndConvert()
    if isinstance(graph, bytes):
        graph = Graph().parse(data=graph.decode(), format="turtle")
    assert (URIRef("https://w3id.org/nzc-twinning/id/twin/lund"),
            URIRef("https://w3id.org/nzc-twinning/ontology#pairedWith"),
            URIRef("https://w3id.org/nzc-twinning/id/pilot/leuven-c1")) in graph
    with (PROJECT / "data" / "twin_cities.csv").open(encoding="utf-8") as file:
        paired = sum(1 for row in csv.DictReader(file) if row["paired_pilot_id"])
    assert len(graph) == paired


def test_sparqlwrapper_bad_query_raises_query_bad_formed(live_server):
    with pytest.raises(QueryBadFormed):
        wrapper(live_server, "SELECT ?x WHERE { ?x", JSON).queryAndConvert()


LUND_TWIN = "https://w3id.org/nzc-twinning/id/twin/lund"
LEUVEN = "https://w3id.org/nzc-twinning/id/pilot/leuven-c1"
FORMS = {
    "select": (f"SELECT ?pilot WHERE {{ <{LUND_TWIN}> <https://w3id.org/nzc-twinning/ontology#pairedWith> ?pilot }}",
               LEUVEN),
    "ask": (f"ASK {{ <{LUND_TWIN}> <https://w3id.org/nzc-twinning/ontology#pairedWith> <{LEUVEN}> }}", "true"),
    "construct": (f"CONSTRUCT {{ <{LUND_TWIN}> <https://w3id.org/nzc-twinning/ontology#pairedWith> ?pilot }} WHERE "
                  + f"{{ <{LUND_TWIN}> <https://w3id.org/nzc-twinning/ontology#pairedWith> ?pilot }}", LEUVEN),
    "describe": (f"DESCRIBE <{LUND_TWIN}>", LEUVEN),
}
# What each of SPARQLWrapper's return formats is answered with: for results (SELECT, ASK) and for graphs. Where the
# format does not fit the answer, SPARQLWrapper sends Accept: */* and the server's default comes back.
ANSWERED_AS = {
    "json": ("application/sparql-results+json", "application/ld+json"),
    "xml": ("application/sparql-results+xml", "application/rdf+xml"),
    "csv": ("text/csv", "text/turtle"), "tsv": ("text/tab-separated-values", "text/turtle"),
    "turtle": ("application/sparql-results+json", "text/turtle"), "n3": ("application/sparql-results+json", "text/turtle"),
    "rdf": ("application/sparql-results+json", "application/rdf+xml"),
    "rdf+xml": ("application/sparql-results+json", "application/rdf+xml"),
    "json-ld": ("application/sparql-results+json", "application/ld+json"),
}


def as_text(converted) -> str:
    """Whatever SPARQLWrapper's convert() gave (dict, DOM document, rdflib graph, bytes) as text to search."""
    if isinstance(converted, bytes):
        return converted.decode()
    if isinstance(converted, Graph):
        return converted.serialize(format="nt")
    if hasattr(converted, "toxml"):
        return converted.toxml()
    return json.dumps(converted)


@pytest.mark.filterwarnings("ignore:Sending Accept header:RuntimeWarning")  # SPARQLWrapper's own, on a misfit
@pytest.mark.filterwarnings("ignore:Format requested was:RuntimeWarning")
@pytest.mark.parametrize("method, only_conneg", [("GET", False), ("POST", False), ("GET", True)])
@pytest.mark.parametrize("form", sorted(FORMS))
@pytest.mark.parametrize("return_format", sorted(ANSWERED_AS))
def test_sparqlwrapper_every_return_format(live_server, return_format, form, method, only_conneg):
    query, expected = FORMS[form]
    client = wrapper(live_server, query, return_format)
    client.setMethod(method)
    client.setOnlyConneg(only_conneg)
    result = client.query()
    media = result.response.headers["Content-Type"].split(";")[0]
    graph = form in ("construct", "describe")
    # Content negotiation alone: SPARQLWrapper asks for */* where it knows no media type for its format.
    default = only_conneg and graph and return_format in ("json", "csv", "tsv", "rdf")
    assert media == ("text/turtle" if default else ANSWERED_AS[return_format][graph])
    assert expected in as_text(result.convert())


@pytest.mark.parametrize("form", sorted(FORMS))
def test_rdflib_sparqlstore_every_form(live_server, form):
    query, expected = FORMS[form]
    result = Graph(store=SPARQLStore(live_server + "/sparql")).query(query)
    if form == "ask":
        assert result.askAnswer is True
    elif form == "select":
        assert [str(row.pilot) for row in result] == [expected]
    else:
        assert (URIRef(LUND_TWIN), URIRef("https://w3id.org/nzc-twinning/ontology#pairedWith"), URIRef(expected)) \
            in result.graph


def long_query(characters: int) -> str:
    """A SELECT of about `characters` characters (a VALUES block of cities), answering Lund's pilot."""
    head = ("PREFIX tw: <https://w3id.org/nzc-twinning/ontology#> SELECT DISTINCT ?pilot WHERE { "
            "?twin tw:twinCity ?city ; tw:pairedWith ?pilot . VALUES ?city { <" + CITY + "lund> ")
    values, i = [], 0
    while len(head) + sum(len(v) + 1 for v in values) + 60 < characters:
        values.append(f"<{CITY}none-{i}>")
        i += 1
    return head + " ".join(values) + " } }"


@pytest.mark.parametrize("characters", [4_000, 20_000, 65_000])
def test_get_long_query_through_the_http_server(live_server, http_server, characters):
    query = long_query(characters)
    assert characters - 100 < len(query) <= characters
    client = wrapper(live_server, query, JSON)  # SPARQLWrapper sends GET by default
    if http_server == "granian" and len(urllib.parse.quote(query)) > GRANIAN_LONGEST_URL:
        with pytest.raises(URITooLong):  # as documented: such a query goes by POST
            client.queryAndConvert()
        client.setMethod(POST_METHOD)
    rows = client.queryAndConvert()["results"]["bindings"]
    assert [row["pilot"]["value"] for row in rows] == [LEUVEN]


def raw_request(base: str, request: bytes) -> tuple[int, dict, bytes]:
    """Send bytes as they are and read the answer (urllib would refuse to send a malformed request)."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        try:
            connection.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered before it read the whole request, and closed
        answer = b""
        try:
            while chunk := connection.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


# Each request, what gunicorn answers (in the JSON shape) and what granian answers (bare, docs/deploy.md).
@pytest.mark.parametrize("request_bytes, status, says, granian_status", [
    (b"GET /sparql?query=" + b"A" * 70_000 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 414, "longer than",
     414),
    # Past what any query of MAX_QUERY_LENGTH needs: refused by the HTTP server itself, not read whole.
    (b"GET /sparql?query=" + b"A" * 2_000_000 + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 414,
     "URI Too Long", 431),
    # gunicorn limits one header field; granian only the whole head, which this fits
    (b"GET /sparql HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 + b"\r\nConnection: close\r\n\r\n", 431,
     "Header Fields", 200),
    (b"GET /sp arql HTTP/1.1\r\nHost: x\r\n\r\n", 400, "Bad Request", 400),
    (b"GET / HTTP/9.9\r\nHost: x\r\n\r\n", 400, "Bad Request", 400),
])
def test_http_server_errors_are_json_with_cors(live_server, http_server, request_bytes, status, says, granian_status):
    got, headers, body = raw_request(live_server, request_bytes)
    if http_server == "granian":
        assert got == granian_status
        assert (body == b"") == (got != 200)
        return
    assert got == status, body[:300]
    assert headers["Content-Type"].startswith("application/json")
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert says in json.loads(body)["error"]
    assert json.loads(body)["status"] == status


def test_rdflib_sparqlstore(live_server):
    store = SPARQLStore(live_server + "/sparql", returnFormat="json")
    graph = Graph(store=store)
    result = graph.query(PAIRED_PILOT_CITIES % (CITY + "lund"))
    assert [(str(row.leadCity), int(row.cohortNumber)) for row in result] == [(CITY + "leuven", 1)]


def test_load_bad_row_keeps_previous_release_serving(tmp_path, data_copy):
    store = tmp_path / "store"
    build(PROJECT / "data", store)
    process, base = start_server(store)
    try:
        def release_and_count():
            url = base + "/sparql?query=" + urllib.request.quote("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")
            with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "text/csv"})) as response:
                return response.headers["X-Twinning-Release"], response.read().decode().split()[1]

        before = release_and_count()
        path = data_copy / "twin_cities.csv"
        line = line_of(path, "twin_city_id", "lund")
        rewrite(path, line, "paired_pilot_id", "no-such-pilot")
        load = subprocess.run([sys.executable, "-m", "cli", "load", str(data_copy), "--store", str(store)],
                              cwd=PROJECT, capture_output=True, text=True, check=False)
        assert load.returncode == 1
        assert f"{path}:{line}: paired_pilot_id: unknown pilot 'no-such-pilot'" in load.stderr
        assert release_and_count() == before
        assert sorted(p.name for p in (store / "releases").iterdir()) == [before[0]]
    finally:
        stop_server(process)


def test_writes_through_real_clients(tmp_path, http_server):
    """With writes enabled, SPARQLWrapper sends SPARQL Update and urllib uses the Graph Store Protocol; without the
    token the server refuses, with it the change is visible to the next query."""
    from SPARQLWrapper import POST
    from SPARQLWrapper.SPARQLExceptions import Unauthorized

    from .test_loaders import MINI

    store = tmp_path / "store"
    build(MINI, store)
    process, base = start_server(store, {"TWINNING_UPDATE_TOKEN": "live-token", "TWINNING_RATE_LIMIT": "0",
                                         "TWINNING_HTTP_SERVER": http_server})
    try:
        update = SPARQLWrapper(base + "/sparql")
        update.setMethod(POST)
        update.setQuery("INSERT DATA { GRAPH <https://example.org/live> { <https://example.org/a> "
                        "<https://example.org/b> 'written' } }")
        with pytest.raises(Unauthorized):
            update.query()
        update.addCustomHttpHeader("Authorization", "Bearer live-token")
        update.query()
        ask = wrapper(base, "ASK { <https://example.org/a> ?p 'written' }", JSON).queryAndConvert()
        assert ask["boolean"] is True

        put = urllib.request.Request(base + "/store?graph=https%3A%2F%2Fexample.org%2Fgsp", method="PUT",
                                     data=b"<https://example.org/x> <https://example.org/y> 'z' .",
                                     headers={"Content-Type": "text/turtle", "Authorization": "Bearer live-token"})
        with urllib.request.urlopen(put) as response:
            assert response.status == 201
        got = urllib.request.Request(base + "/store?graph=https%3A%2F%2Fexample.org%2Fgsp",
                                     headers={"Accept": "application/n-triples"})
        with urllib.request.urlopen(got) as response:
            assert Graph().parse(data=response.read().decode(), format="nt").value(
                URIRef("https://example.org/x"), URIRef("https://example.org/y")).toPython() == "z"
    finally:
        stop_server(process)
