"""A public endpoint that holds: limits, fair use, writes behind a token, outgoing requests, safe releases."""
import hashlib
import json
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from rdflib import Graph, Literal, URIRef

from graph.release import current_release
from loaders import FILES
from server import create_app

from .conftest import PROJECT, build, start_server, stop_server
from .test_loaders import MINI

MANY_ROWS = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT %d"
TOKEN = "s3cret-token"


@pytest.fixture()
def make_client(store_path):
    apps = []

    def make(store=None, **config):
        app = create_app({"TESTING": True, "STORE": str(store or store_path), **config})
        apps.append(app)
        return app.test_client()
    yield make
    for app in apps:
        app.extensions["twinning.backend"].close()


def rows_of(response) -> int:
    media = response.mimetype
    text = response.get_data(as_text=True)
    if media.endswith("json"):
        return len(json.loads(text)["results"]["bindings"])
    if media.endswith("xml"):
        return len(ET.fromstring(text).findall(".//{http://www.w3.org/2005/sparql-results#}result"))
    return len(text.strip().splitlines()) - 1


# --- limits ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
@pytest.mark.parametrize("rows, limit", [(100, 10), (3000, 1000)])  # a small answer and one past the first frame
def test_row_limit_caps_and_says_so(make_client, fmt, rows, limit):
    client = make_client(MAX_RESULT_ROWS=limit)
    response = client.get("/sparql", query_string={"query": MANY_ROWS % rows, "format": fmt})
    assert response.status_code == 200
    assert rows_of(response) == limit
    assert response.headers["X-Twinning-Capped"] == f"rows={limit}"
    assert "/dumps/" in response.headers["Link"]


@pytest.mark.parametrize("rows", [50, 3000])
def test_row_limit_not_reached_is_complete(make_client, rows):
    client = make_client(MAX_RESULT_ROWS=5000)
    response = client.get("/sparql", query_string={"query": MANY_ROWS % rows, "format": "json"})
    assert rows_of(response) == rows
    assert "X-Twinning-Capped" not in response.headers
    assert response.headers["X-Twinning-Row-Limit"] == "5000"


def test_response_byte_limit_cuts_off_with_error(live_server_factory):
    base = live_server_factory(TWINNING_MAX_RESPONSE_BYTES="100000")
    url = base + "/sparql?" + urllib.parse.urlencode({"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"})
    with pytest.raises((urllib.error.URLError, ConnectionError, http_incomplete())), \
            urllib.request.urlopen(url) as response:
        response.read()


def http_incomplete():
    import http.client
    return http.client.IncompleteRead


def test_query_length_414_in_url_413_in_body(make_client):
    client = make_client(MAX_QUERY_LENGTH=100)
    long_query = "ASK {}" + " " * 200
    assert client.get("/sparql", query_string={"query": long_query}).status_code == 414
    assert client.post("/sparql", data={"query": long_query}).status_code == 413


def test_rate_limit_429_with_retry_after(make_client):
    # One request per 100 s on average: no token comes back while these run, however slow the machine.
    client = make_client(RATE_LIMIT=0.01, RATE_BURST=3)
    statuses = [client.get("/sparql", query_string={"query": "ASK {}"}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/sparql", query_string={"query": "ASK {}"})
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert limited.get_json()["status"] == 429


def test_limits_page_documents_every_limit(client):
    text = client.get("/limits").get_data(as_text=True)
    for key in ("QUERY_TIMEOUT", "MAX_RESULT_ROWS", "MAX_RESPONSE_BYTES", "MAX_CONTENT_LENGTH", "MAX_QUERY_LENGTH",
                "RATE_LIMIT", "SERVICE_ALLOWLIST"):
        assert key in text


def test_slow_query_does_not_block_others(make_client):
    client = make_client(QUERY_WORKERS=2)
    slow = {}

    def run_slow():
        slow["response"] = client.get("/sparql", query_string={
            "query": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", "timeout": "3"})

    thread = threading.Thread(target=run_slow)
    thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    fast = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert fast.status_code == 200 and time.monotonic() - started < 2
    thread.join()
    assert slow["response"].status_code == 503


# --- outgoing requests -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://169.254.169.254/latest/meta-data> { ?s ?p ?o } }",
    "PREFIX x: <http://10.0.0.1/> SELECT * WHERE { SERVICE x:sparql { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } }",
    "SELECT * WHERE { sErViCe <http://localhost:9/sparql> { ?s ?p ?o } }",  # SILENT: see test_silent.py
])
def test_service_refused_unless_allowed(client, query):
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 403
    assert "allow" in response.get_json()["error"] or "refused" in response.get_json()["error"]


def test_service_allowed_host_is_called(live_server, make_client):
    host = urllib.parse.urlsplit(live_server).hostname
    client = make_client(SERVICE_ALLOWLIST=[host])
    query = f"""SELECT ?label WHERE {{ SERVICE <{live_server}/sparql> {{
        <https://w3id.org/nzc-twinning/id/city/lund> <http://www.w3.org/2000/01/rdf-schema#label> ?label }} }}"""
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 200, response.data
    assert {b["label"]["value"] for b in response.get_json()["results"]["bindings"]} == {"Lund"}


def test_word_service_in_a_literal_is_fine(client):
    assert client.get("/sparql", query_string={"query": 'ASK { FILTER("customer service" != "") }'}).status_code == 200


# --- writes ------------------------------------------------------------------------------------------------------

@pytest.fixture()
def writable(tmp_path, make_client):
    store = tmp_path / "store"
    build(MINI, store)
    return make_client(store=store, UPDATE_TOKEN=TOKEN), store


INSERT = "INSERT DATA { GRAPH <https://example.org/g> { <https://example.org/a> <https://example.org/b> 'c' } }"


def test_update_disabled_by_default(client):
    response = client.post("/sparql", data={"update": INSERT}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 403


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x"])
def test_update_needs_the_token(writable, header):
    client, store = writable
    before = current_release(store)
    response = client.post("/sparql", data={"update": INSERT}, headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert current_release(store) == before


def test_update_with_token_makes_a_new_release(writable):
    client, store = writable
    before = current_release(store)
    response = client.post("/sparql", data=INSERT.encode(), content_type="application/sparql-update",
                           headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.data
    after = current_release(store)
    assert after.id != before.id and after.info["changed_from"] == before.id
    ask = client.get("/sparql", query_string={"query": "ASK { <https://example.org/a> ?p 'c' }"})
    assert ask.get_json()["boolean"] is True


def test_update_bad_syntax_400_keeps_release(writable):
    client, store = writable
    before = current_release(store)
    response = client.post("/sparql", data={"update": "INSERT NONSENSE"}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 400
    assert current_release(store) == before


def test_update_load_refused_unless_allowed(writable):
    client, _ = writable
    response = client.post("/sparql", data={"update": "LOAD <http://127.0.0.1:1/secret.ttl>"},
                           headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 403


def test_graph_store_indirect_and_direct(writable):
    client, _ = writable
    auth = {"Authorization": f"Bearer {TOKEN}"}
    turtle = "<https://example.org/x> <https://example.org/y> 'z' ."
    graph = "https://example.org/gsp"
    assert client.put("/store", query_string={"graph": graph}, data=turtle, content_type="text/turtle").status_code \
        == 401
    assert client.put("/store", query_string={"graph": graph}, data=turtle, content_type="text/turtle",
                      headers=auth).status_code == 201
    got = client.get("/store", query_string={"graph": graph}, headers={"Accept": "application/n-triples"})
    assert Graph().parse(data=got.get_data(as_text=True), format="nt") \
        .value(URIRef("https://example.org/x"), URIRef("https://example.org/y")) == Literal("z")
    assert client.post("/store", query_string={"graph": graph}, data="<https://example.org/x> "
                       "<https://example.org/y> 'w' .", content_type="text/turtle", headers=auth).status_code == 204
    got = client.get("/store", query_string={"graph": graph}, headers={"Accept": "application/n-triples"})
    assert len(Graph().parse(data=got.get_data(as_text=True), format="nt")) == 2
    assert client.delete("/store", query_string={"graph": graph}, headers=auth).status_code == 204
    assert client.get("/store", query_string={"graph": graph}).status_code == 404
    # direct identification: the request URL names the graph
    assert client.put("/store/mine", data=turtle, content_type="text/turtle", headers=auth).status_code == 201
    assert client.get("/store", query_string={"graph": "http://localhost/store/mine"}).status_code == 200
    assert client.put("/store", query_string={"graph": graph}, data="not turtle <", content_type="text/turtle",
                      headers=auth).status_code == 400
    assert client.put("/store", query_string={"graph": graph}, data=turtle, content_type="image/png",
                      headers=auth).status_code == 415


def test_graph_store_writes_disabled_by_default(client):
    response = client.put("/store", query_string={"graph": "https://example.org/g"}, data="", content_type="text/turtle")
    assert response.status_code == 403


# --- safe releases -----------------------------------------------------------------------------------------------

def test_killed_build_leaves_previous_release(tmp_path):
    store = tmp_path / "store"
    build(MINI, store)
    before = current_release(store)
    real_inputs = {name: hashlib.sha256((PROJECT / "data" / name).read_bytes()).hexdigest() for name in FILES}
    for delay in (0.3, 0.8, 1.3, 1.8, 2.3):
        process = subprocess.Popen([sys.executable, "-m", "cli", "load", str(PROJECT / "data"), "--store", str(store)],
                                   cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        release = current_release(store)
        # either the previous release, or a whole build of the real data that finished before the kill
        assert release is not None and (release == before or release.info["inputs"] == real_inputs)
        # whatever is current opens and answers
        ask = subprocess.run([sys.executable, "-m", "cli", "query", "--store", str(store), "-f", "csv",
                              "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"], cwd=PROJECT, capture_output=True,
                             text=True, check=False)
        assert ask.returncode == 0 and int(ask.stdout.split()[1]) > 0
        before = release


def test_release_switch_under_load_fails_nothing(tmp_path):
    """Every response comes whole from one release: its body names the release the header names."""
    store = tmp_path / "store"
    build(MINI, store)
    process, base = start_server(store, {"TWINNING_RATE_LIMIT": "0"})
    query = urllib.parse.urlencode({"query": """SELECT ?release WHERE { GRAPH ?release {
        ?release <http://www.w3.org/ns/prov#wasGeneratedBy> ?build }
        FILTER(STRSTARTS(STR(?release), "https://w3id.org/nzc-twinning/id/release/")) }""", "format": "csv"})
    failures, mismatches, seen, stop = [], [], set(), threading.Event()

    def client():
        while not stop.is_set():
            try:
                with urllib.request.urlopen(f"{base}/sparql?{query}", timeout=10) as response:
                    body = response.read().decode()
                    header = response.headers["X-Twinning-Release"]
                    seen.add(header)
                    if not body.strip().endswith(header):
                        mismatches.append((header, body))
            except Exception as error:  # noqa: BLE001 - any failure counts
                failures.append(repr(error))

    threads = [threading.Thread(target=client) for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        for _ in range(3):
            build(MINI, store)
            time.sleep(0.3)
        stop.set()
        for thread in threads:
            thread.join()
    finally:
        stop_server(process)
    assert failures == [] and mismatches == []
    assert len(seen) >= 2  # the switches happened while clients were asking


# --- HTML escapes every literal ----------------------------------------------------------------------------------

class Scripts(HTMLParser):
    """A page's scripts (their src, or None for an inline one), its inline data blocks, and its other text."""

    def __init__(self):
        super().__init__()
        self.scripts, self.data_blocks, self.text = [], [], []
        self.in_data_block = False

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            attrs = dict(attrs)
            self.in_data_block = attrs.get("type") == "application/json" and "src" not in attrs
            if not self.in_data_block:
                self.scripts.append(attrs.get("src"))

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_data_block = False

    def handle_data(self, data):
        (self.data_blocks if self.in_data_block else self.text).append(data)


def test_html_page_escapes_hostile_label(tmp_path, make_client):
    data = tmp_path / "data"
    data.mkdir()
    for path in MINI.glob("*.csv"):
        text = path.read_text(encoding="utf-8")
        if path.name == "pilots.csv":
            text = text.replace("Pilot of", "Pilot of").replace(",Leuven,", ',"<script>alert(1)</script>",', 1)
        (data / path.name).write_text(text, encoding="utf-8")
    store = tmp_path / "store"
    build(data, store)
    client = make_client(store=store)
    page = client.get("/id/pilot/leuven-c1", headers={"Accept": "text/html"}).get_data(as_text=True)
    parser = Scripts()
    parser.feed(page)
    assert all(src and src.startswith("/static/") for src in parser.scripts)  # the site's own files, none inline
    # The answers a page carries for its pictures are JSON data blocks: the label stays inside them, as data.
    assert parser.data_blocks and any("alert(1)" in json.dumps(json.loads(block)) for block in parser.data_blocks)
    assert "<script>alert(1)</script>" in "".join(parser.text)


@pytest.fixture()
def live_server_factory(store_path):
    processes = []

    def start(**env):
        process, base = start_server(store_path, env)
        processes.append(process)
        return base
    yield start
    for process in processes:
        stop_server(process)


def test_timed_out_query_frees_its_worker(make_client):
    """With a single worker, the next query is answered after a timeout: the stuck worker (which would compute the
    cross product for minutes) was killed and replaced, so the next query does not wait out its own 10 s limit."""
    client = make_client(QUERY_WORKERS=1)
    pool = client.application.extensions["twinning.backend"].pool
    slow = client.get("/sparql", query_string={
        "query": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }", "timeout": "0.5"})
    assert slow.status_code == 503
    fast = client.get("/sparql", query_string={"query": "SELECT (42 AS ?x) {}", "timeout": "10"})
    assert fast.status_code == 200 and fast.get_json()["results"]["bindings"][0]["x"]["value"] == "42"
    assert pool.restarts == 1
