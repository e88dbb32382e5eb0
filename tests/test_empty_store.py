"""A writable server with no release yet is an empty store (issue 12, item 8): queries answer over the empty dataset,
pages work, and the first write makes the first release; read-only, such a server still answers 503.

Through a real `twinning serve` on a fresh store folder (and, for a remote backend, a fresh engine holding nothing).
The tests of this module run in order: the store is empty until test_first_write_makes_the_first_release.
"""
import json
import urllib.parse

import pytest
from rdflib import Graph

from graph.release import current_release
from server import create_app

from .conftest import environment, start_server, stop_server
from .test_w3c_graph_store import AUTH, TOKEN, http

ALL_BACKENDS = True  # see conftest.py: these tests run on the embedded store and on each remote engine

pytestmark = pytest.mark.live

PAGES = ["/", "/map", "/network", "/timeline", "/query", "/limits", "/queries", "/openapi.json", "/sparql",
         "/.well-known/void", "/catalog", "/dumps/twinning.nt", "/dumps/twinning.nq", "/store?default"]
INSERT = "INSERT DATA { GRAPH <https://example.org/first> { <https://example.org/a> <https://example.org/p> 'first' } }"


@pytest.fixture(scope="module")
def empty_server(backend, tmp_path_factory, start_engine):
    """(base URL, store folder) of a writable `twinning serve` whose store holds no release."""
    store = tmp_path_factory.mktemp("empty") / "store"
    settings = {} if backend == "embedded" else start_engine(backend).settings()
    process, base = start_server(store, environment({**settings, "UPDATE_TOKEN": TOKEN, "RATE_LIMIT": 0}))
    yield base, store
    stop_server(process)


def query(base: str, text: str, accept: str):
    return http("GET", f"{base}/sparql?query={urllib.parse.quote(text)}", {"Accept": accept})


def assert_no_release(store):
    assert current_release(store) is None, "a release exists: the empty store's tests must run before the first write"


def test_empty_store_answers_over_the_empty_dataset(empty_server):
    base, store = empty_server
    assert_no_release(store)
    status, headers, body = query(base, "ASK { ?s ?p ?o }", "application/sparql-results+json")
    assert status == 200 and json.loads(body)["boolean"] is False
    assert headers["X-Twinning-Release"]
    status, _, body = query(base, "SELECT ?s WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }",
                            "application/sparql-results+json")
    assert status == 200 and json.loads(body)["results"]["bindings"] == []
    status, _, body = query(base, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "text/csv")
    assert status == 200 and body.decode().split() == ["n", "0"]
    status, headers, body = query(base, "CONSTRUCT WHERE { ?s ?p ?o }", "text/turtle")
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    assert len(Graph().parse(data=body.decode(), format="turtle")) == 0
    status, _, body = http("GET", base + "/queries/programme_cities", {"Accept": "application/sparql-results+json"})
    assert status == 200 and json.loads(body)["results"]["bindings"] == []
    status, _, _ = http("GET", base + "/store?graph=https%3A%2F%2Fexample.org%2Ffirst")
    assert status == 404
    assert_no_release(store)  # reading made no release


def test_empty_store_pages_work(empty_server):
    base, store = empty_server
    assert_no_release(store)
    for page in PAGES:
        status, _, body = http("GET", base + page)
        assert status == 200, (page, body[:300])
    status, _, body = http("GET", base + "/ontology")
    assert status == 404 and json.loads(body)["status"] == 404  # no ontology in an empty store: said, not a crash


def test_first_write_makes_the_first_release(empty_server):
    base, store = empty_server
    assert_no_release(store)
    status, _, body = http("POST", base + "/sparql", {**AUTH, "Content-Type": "application/sparql-update"},
                           INSERT.encode())
    assert status == 200, body
    release = json.loads(body)["release"]
    assert current_release(store).id == release and current_release(store).info["changed_from"] is None
    status, headers, body = query(base, "SELECT ?o WHERE { ?s ?p ?o }", "application/sparql-results+json")
    assert status == 200 and headers["X-Twinning-Release"] == release
    assert [row["o"]["value"] for row in json.loads(body)["results"]["bindings"]] == ["first"]
    # Pages work on a release that holds none of the programme's data.
    for page in PAGES:
        status, _, body = http("GET", base + page)
        assert status == 200, (page, body[:300])
    status, _, body = http("GET", base + "/dumps/twinning.nq")
    assert body.decode().strip() == ("<https://example.org/a> <https://example.org/p> \"first\" "
                                     "<https://example.org/first> .")


def test_second_write_starts_from_the_first(empty_server):
    base, store = empty_server
    first = current_release(store)
    status, _, body = http("PUT", base + "/store?graph=https%3A%2F%2Fexample.org%2Fsecond",
                           {**AUTH, "Content-Type": "application/n-triples"},
                           b"<https://example.org/b> <https://example.org/p> \"second\" .\n")
    assert status == 201, body
    assert current_release(store).info["changed_from"] == first.id
    status, _, body = query(base, "SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o", "application/sparql-results+json")
    assert [row["o"]["value"] for row in json.loads(body)["results"]["bindings"]] == ["first", "second"]


def test_read_only_server_without_release_503(tmp_path):
    """Without writes enabled, no release is still 'run twinning load' (503), and writes are refused (403)."""
    app = create_app({"TESTING": True, "STORE": str(tmp_path / "store"), "RATE_LIMIT": 0})
    try:
        client = app.test_client()
        response = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
        assert response.status_code == 503 and "twinning load" in response.get_json()["error"]
        assert client.get("/store?default").status_code == 503
        response = client.put("/store?default", data="", content_type="text/turtle", headers=AUTH)
        assert response.status_code == 403
        assert not (tmp_path / "store" / "empty").exists() and current_release(tmp_path / "store") is None
    finally:
        app.extensions["twinning.backend"].close()
