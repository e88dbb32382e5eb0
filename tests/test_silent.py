"""SILENT as the specifications say it (issue 12, item 8), on every backend, through a real `twinning serve`.

A LOAD SILENT or SERVICE SILENT call to a host outside SERVICE_ALLOWLIST is not refused (403) but fails silently,
without being made: LOAD SILENT changes nothing and succeeds (SPARQL 1.1 Update, 3.1.4; the W3C update-silent
tests' LOAD cases), SERVICE SILENT yields one solution with no bindings (SPARQL 1.1 Federated Query, 4). The refused
host here is a recording HTTP server on this machine: it must see no request. Without SILENT the call is still
refused.
"""
import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from graph.release import current_release

from .conftest import SHARED, environment, start_server, stop_server
from .test_w3c_graph_store import AUTH, TOKEN, http

ALL_BACKENDS = True  # see conftest.py: these tests run on the embedded store and on each remote engine

pytestmark = pytest.mark.live

UPDATE_SILENT = SHARED / "w3c-rdf-tests" / "sparql" / "sparql11" / "update-silent"
INSERT = "INSERT DATA { GRAPH <https://example.org/g> { <https://example.org/a> <https://example.org/p> 'kept' } }"


@pytest.fixture(scope="module")
def recorder():
    """The URL of an HTTP server on this machine that answers every request with Turtle and counts them."""
    requests = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            body = b"<https://example.org/fetched> <https://example.org/p> 'fetched' ."
            self.send_response(200)
            self.send_header("Content-Type", "text/turtle")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", requests
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def writable_server(backend, tmp_path_factory, start_engine):
    """(base URL, store folder) of `twinning serve` with writes enabled and the default (empty) allow-list, holding
    one graph."""
    store = tmp_path_factory.mktemp("silent") / "store"
    settings = {} if backend == "embedded" else start_engine(backend).settings()
    process, base = start_server(store, environment({**settings, "UPDATE_TOKEN": TOKEN, "RATE_LIMIT": 0}))
    try:
        assert update(base, INSERT)[0] == 200
        yield base, store
    finally:
        stop_server(process)


def update(base: str, text: str):
    return http("POST", base + "/sparql", {**AUTH, "Content-Type": "application/sparql-update"}, text.encode())


def select(base: str, text: str):
    status, _, body = http("GET", f"{base}/sparql?query={urllib.parse.quote(text)}",
                           {"Accept": "application/sparql-results+json"})
    return status, json.loads(body)


def statements(base: str) -> list[tuple]:
    """Each statement of the dataset with the graph that holds it (None for the default graph). A query, not the
    dump file: a query checks that the engine still holds the release it was answered from."""
    status, answer = select(base, "SELECT ?s ?p ?o ?g WHERE { ?s ?p ?o OPTIONAL { GRAPH ?g { ?s ?p ?o } } }")
    assert status == 200
    return sorted(tuple(row.get(name, {}).get("value", "") for name in "spog") for row in answer["results"]["bindings"])


def load_silent_requests() -> list:
    """The LOAD cases of the W3C update-silent tests (their target's host, www.example.com, is not allowed here)."""
    names = sorted(path.name for path in UPDATE_SILENT.glob("load-silent*.ru"))
    assert names or not UPDATE_SILENT.parent.exists(), "the update-silent tests have no LOAD case"
    return [pytest.param((UPDATE_SILENT / name).read_text(), id=name) for name in names]


@pytest.mark.parametrize("text", load_silent_requests())
def test_load_silent_of_w3c_update_silent_succeeds_without_change(writable_server, text):
    base, store = writable_server
    before, release = statements(base), current_release(store)
    status, _, body = update(base, text)
    assert status == 200, body
    assert statements(base) == before
    assert current_release(store) == release  # nothing to do: no new release
    assert json.loads(body)["release"] == release.id


def test_load_silent_of_a_refused_host_fetches_nothing(writable_server, recorder):
    base, store = writable_server
    url, requests = recorder
    before = statements(base)
    assert update(base, f"LOAD SILENT <{url}/data.ttl> INTO GRAPH <https://example.org/loaded>")[0] == 200
    assert update(base, f"LOAD SILENT <{url}/data.ttl>")[0] == 200
    assert statements(base) == before
    # Beside other operations: they are applied, the refused load is not made.
    release = current_release(store)
    text = (f"PREFIX here: <{url}/> LOAD SILENT here:data.ttl ; "
            "INSERT DATA { <https://example.org/b> <https://example.org/p> 'added' } ; "
            f"LOAD SILENT <{url}/other.ttl> INTO GRAPH <https://example.org/loaded>")
    status, _, body = update(base, text)
    assert status == 200, body
    assert current_release(store).info["changed_from"] == release.id
    assert statements(base) == sorted([*before, ("https://example.org/b", "https://example.org/p", "added", "")])
    assert requests == []
    # Without SILENT, still refused.
    status, _, body = update(base, f"LOAD <{url}/data.ttl>")
    assert status == 403 and json.loads(body)["status"] == 403
    assert requests == []


def test_service_silent_of_a_refused_host_is_one_empty_solution(writable_server, recorder):
    base, _ = writable_server
    url, requests = recorder
    status, answer = select(base, f"SELECT ?s WHERE {{ SERVICE SILENT <{url}/sparql> {{ ?s ?p ?o }} }}")
    assert status == 200 and answer["results"]["bindings"] == [{}]
    status, answer = select(base, f"""SELECT ?o ?x WHERE {{
        <https://example.org/a> <https://example.org/p> ?o
        OPTIONAL {{ SERVICE SILENT <{url}/sparql> {{ ?s ?q ?x }} }} }}""")
    assert status == 200 and answer["results"]["bindings"] == [{"o": {"type": "literal", "value": "kept"}}]
    status, _, body = http("GET", f"{base}/sparql?query=" + urllib.parse.quote(
        f"ASK {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}"))
    assert status == 403 and json.loads(body)["status"] == 403
    assert requests == []
