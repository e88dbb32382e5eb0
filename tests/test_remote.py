"""The remote backend against real engines (`oxigraph serve`, Virtuoso): the command line, atomic releases, failed
loads, and federation the other way round (an engine joining its own data with this endpoint through SERVICE)."""
import base64
import http.server
import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from typing import ClassVar

import pytest

from graph.errors import TwinningError, Unavailable
from graph.release import current_release
from graph.remote import STAGING, STATE, Engine, publish, record
from server import create_app

from .conftest import PROJECT, build, environment

KINDS = ["oxigraph", "virtuoso"]
TW = "https://w3id.org/nzc-twinning/ontology#"
CITY = "https://w3id.org/nzc-twinning/id/city/"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def triples(release) -> int:
    """Distinct triples: what COUNT over the default graph gives on an engine, where it is the RDF merge of the
    release's graphs (the embedded store counts a triple once per graph holding it)."""
    return release.info["statistics"]["triples"]


def direct(engine, query: str) -> list[dict]:
    """Ask the engine itself, not this project's server."""
    return Engine(engine.query, user=engine.user, password=engine.password).select(query)


def count_through(app) -> int:
    return count_and_release(app)[0]


def count_and_release(app) -> tuple[int, str]:
    """The triples the endpoint counts, and the release it says it answered from."""
    with app.test_client() as client:
        response = client.get("/sparql", query_string={"query": COUNT}, headers={"Accept": "application/json"})
        assert response.status_code == 200, response.data[:300]
        count = int(json.loads(response.data)["results"]["bindings"][0]["n"]["value"])
        return count, response.headers["X-Twinning-Release"]


def twinning(*args, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", *args], cwd=PROJECT, capture_output=True, text=True, check=False,
                          env={**os.environ, **env}, timeout=300)


@pytest.mark.parametrize("kind", KINDS)
def test_load_and_serve_with_the_command_line_flags(kind, start_engine, tmp_path, data_copy):
    engine = start_engine(kind)
    credentials = {"TWINNING_ENDPOINT_USER": engine.user, "TWINNING_ENDPOINT_PASSWORD": engine.password}
    flags = ["--backend", "sparql", "--endpoint", engine.query, "--update-endpoint", engine.update,
             "--store-endpoint", engine.store]
    done = twinning("load", "--store", str(tmp_path / "store"), *flags, env=credentials)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "graphs uploaded" in done.stderr and f"now current on {engine.query}" in done.stderr
    release = current_release(tmp_path / "store")
    quads = direct(engine, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                           "FILTER(STRSTARTS(STR(?g), 'https://w3id.org/nzc-twinning/')) }")
    assert int(quads[0]["n"]["value"]) == release.info["quads"]

    # The other commands follow the same settings: from a folder that holds no release, they answer from the engine.
    remote = {**credentials, "TWINNING_BACKEND": "sparql", "TWINNING_ENDPOINT": engine.query}
    answer = twinning("query", "-n", "twins_of_pilot", "-p", "pilot=umea-c1", "-f", "csv",
                      "--store", str(tmp_path / "empty"), env=remote)
    assert answer.returncode == 0 and f"{CITY}lulea" in answer.stdout, answer.stderr[-500:]
    for suffix in ("nt", "nq", "jsonld"):  # the same bytes as the release's own dumps, in every kind of format
        exported = twinning("export", "-f", suffix, "--store", str(tmp_path / "empty"), env=remote)
        assert exported.returncode == 0, exported.stderr[-500:]
        assert exported.stdout == (release.path / "dumps" / f"twinning.{suffix}").read_text(encoding="utf-8")

    # A bad row: exit 1 with file:line, and the engine keeps serving the same release.
    path = data_copy / "twin_cities.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",lund,", ",no such city,", 1), encoding="utf-8")
    failed = twinning("load", str(data_copy), "--store", str(tmp_path / "store"), *flags, env=credentials)
    assert failed.returncode == 1 and "twin_cities.csv:" in failed.stderr
    app = create_app({"TESTING": True, "STORE": str(tmp_path / "store"), "BACKEND": "sparql",
                      "ENDPOINT": engine.query})
    assert app.extensions["twinning.backend"].current().id == release.id


@pytest.mark.parametrize("kind", KINDS)
def test_release_switch_is_atomic_and_a_failed_publish_changes_nothing(kind, start_engine, tmp_path, store_path):
    engine = start_engine(kind)
    settings = {"TESTING": True, "STORE": str(tmp_path / "store"), **engine.settings()}
    mini = tmp_path / "mini"
    build(PROJECT / "tests" / "data" / "mini", mini)
    small = current_release(mini)
    backend = create_app(settings).extensions["twinning.backend"]
    backend.publish(small, None, progress=lambda message: None)
    app = create_app(settings)
    before = count_through(app)
    assert before == triples(small)

    # While the full release is uploaded, readers still see the small one, however far the upload got ...
    seen = []
    backend.publish(current_release(store_path), None,
                    progress=lambda message: "uploaded" in message and seen.append(count_through(app)))
    assert len(seen) >= 3 and set(seen) == {before}
    # ... and the whole of the new one once it is switched in, with no staging graph left behind.
    assert count_through(app) == triples(current_release(store_path))
    staging = direct(engine, f"SELECT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), '{STAGING}')) }}"
                             " LIMIT 1")
    assert staging == []

    # A publish that fails half-way (the Graph Store endpoint is wrong) changes nothing readers see.
    broken = create_app({**settings, "STORE_ENDPOINT": engine.store + "-missing"}).extensions["twinning.backend"]
    with pytest.raises(TwinningError):
        broken.publish(small, None, progress=lambda message: None)
    assert count_through(app) == triples(current_release(store_path))


@pytest.mark.parametrize("kind", KINDS)
def test_readers_during_switches_see_one_release_or_the_other(kind, start_engine, tmp_path, store_path):
    """Readers polling while releases are switched back and forth get an answer every time. It never mixes the
    releases where the engine applies the switching update as one transaction (Oxigraph server; Virtuoso reads
    committed rows, see docs/remote-engines.md), and it names the release it came from."""
    _, settings, releases = mini_and_full(start_engine, tmp_path, store_path, kind)
    backend = create_app(settings).extensions["twinning.backend"]
    app = create_app(settings)
    allowed = {(triples(release), release.id) for release in releases}
    seen, failed, stop = [], [], threading.Event()

    def read():
        while not stop.is_set():
            try:
                seen.append(count_and_release(app))
            except AssertionError as error:  # a status other than 200
                failed.append(error)
                return

    reader = threading.Thread(target=read)
    reader.start()
    for i in range(4):
        backend.publish(releases[(i + 1) % 2], None, progress=lambda message: None)
    stop.set()
    reader.join()
    assert not failed and len(seen) > 10
    if kind == "oxigraph":
        assert set(seen) <= allowed


def mini_and_full(start_engine, tmp_path, store_path, kind="oxigraph"):
    """An engine holding the mini release; the settings to serve it; the mini and full releases."""
    engine = start_engine(kind)
    # readers poll as fast as they can: no rate limit (it has tests of its own)
    settings = {"TESTING": True, "STORE": str(tmp_path / "store"), "RATE_LIMIT": 0, **engine.settings()}
    build(PROJECT / "tests" / "data" / "mini", tmp_path / "mini")
    releases = current_release(tmp_path / "mini"), current_release(store_path)
    create_app(settings).extensions["twinning.backend"].publish(releases[0], None, progress=lambda message: None)
    return engine, settings, releases


def test_a_page_is_built_from_one_release(start_engine, tmp_path, store_path):
    """A page runs several queries. When the engine switches after the first, the page is not finished from the
    new release under the old one's name: the reader is asked to try again, and then gets the new one."""
    _, settings, (mini, full) = mini_and_full(start_engine, tmp_path, store_path)
    app = create_app(settings)
    backend = app.extensions["twinning.backend"]
    answer_first = backend.run

    def switch_after_the_first_query(job, timeout):
        backend.run = answer_first
        answer = answer_first(job, timeout)
        create_app(settings).extensions["twinning.backend"].publish(full, mini, progress=lambda message: None)
        return answer

    backend.run = switch_after_the_first_query
    client = app.test_client()
    switched = client.get("/id/city/leuven")
    assert switched.status_code == 503 and "switched to a new release" in switched.get_json()["error"]
    page = client.get("/id/city/leuven")
    assert page.status_code == 200 and page.headers["X-Twinning-Release"] == full.id
    assert full.id in page.get_data(as_text=True) and mini.id not in page.get_data(as_text=True)


def test_a_query_costs_the_engine_two_requests(start_engine, tmp_path, store_path):
    """The query itself and the check that no switch came in between: the release the server read moments ago is
    not asked for a third time. (The query has its own LIMIT, so no counting pass for the row cap.)"""
    _, settings, (mini, _) = mini_and_full(start_engine, tmp_path, store_path)
    client = create_app(settings).test_client()
    engine = client.application.extensions["twinning.backend"].engine
    asked = []
    send = engine.open
    engine.open = lambda url, *args, **kwargs: asked.append(url) or send(url, *args, **kwargs)
    for limit in (1, 2):  # two query texts: a repeated one would be answered from the answer cache
        asked.clear()
        response = client.get("/sparql", query_string={"query": COUNT + f" LIMIT {limit}"})
        assert response.status_code == 200 and response.headers["X-Twinning-Release"] == mini.id
    assert len(asked) == 2


def test_a_switch_whose_answer_is_lost_still_counts(start_engine, tmp_path, store_path):
    """The engine applied the switching update but its answer never came back (a dropped connection, a proxy's
    time limit): the publish is not reported as failed, since readers already see the new release."""
    engine, settings, (_, full) = mini_and_full(start_engine, tmp_path, store_path)

    class LosesTheSwitchAnswer(Engine):
        def update(self, text: str, timeout: float = 600) -> None:
            super().update(text, timeout)
            if f"<{STATE}#publication>" in text:
                raise Unavailable("the connection was dropped")

    publish(LosesTheSwitchAnswer(engine.query, engine.update, engine.store), full, progress=lambda message: None)
    assert record(Engine(engine.query))[0] == full.id
    assert count_through(create_app(settings)) == triples(full)


@pytest.mark.parametrize("kind", KINDS)
def test_engines_federate_with_this_endpoint(kind, start_engine, live_server):
    """A portal's engine joins its own data with this endpoint through SERVICE and gets the right rows."""
    engine = start_engine(kind)
    own = "http://portal.example/visit/1"
    update = (f"INSERT DATA {{ GRAPH <http://portal.example/g> {{ <{own}> <http://portal.example/city> "
              f"<{CITY}lund> }} }}")
    Engine(engine.query, engine.update, user=engine.user, password=engine.password).update(update)
    query = f"""
        SELECT ?visit ?pilot WHERE {{
          GRAPH <http://portal.example/g> {{ ?visit <http://portal.example/city> ?city }}
          SERVICE <{live_server}/sparql> {{ ?twin <{TW}twinCity> ?city ; <{TW}pairedWith> ?pilot }}
        }}"""
    # Virtuoso lets only an authenticated user call SERVICE, so the query goes to its authenticated endpoint.
    url = engine.update if kind == "virtuoso" else engine.query
    rows = Engine(url, user=engine.user, password=engine.password).select(query)
    assert {(row["visit"]["value"], row["pilot"]["value"]) for row in rows} == {
        (own, "https://w3id.org/nzc-twinning/id/pilot/leuven-c1")}


def test_backend_settings_reach_the_server_process(start_engine, store_path, tmp_path):
    """`twinning serve` with TWINNING_BACKEND=sparql answers from the engine: its release header names the release
    the engine holds, which the local store folder does not."""
    from .conftest import serve_from, start_server, stop_server

    settings = serve_from("oxigraph", store_path, start_engine)
    settings["STORE"] = str(tmp_path / "elsewhere")  # no local release at all: everything comes from the engine
    process, base = start_server(tmp_path / "elsewhere", environment(settings))
    try:
        query = urllib.parse.urlencode({"query": COUNT})
        with urllib.request.urlopen(f"{base}/sparql?{query}") as response:
            assert response.headers["X-Twinning-Release"] == current_release(store_path).id
            body = json.loads(response.read())
        assert int(body["results"]["bindings"][0]["n"]["value"]) == triples(current_release(store_path))
        # Dump files stay where the release was built; here they are written from the engine, the same bytes.
        with urllib.request.urlopen(f"{base}/dumps/twinning.nt") as response:
            assert response.read() == (current_release(store_path).path / "dumps" / "twinning.nt").read_bytes()
        with pytest.raises(urllib.error.HTTPError) as missing:  # compressed ones are not made on the fly
            urllib.request.urlopen(f"{base}/dumps/twinning.nt.gz")
        assert missing.value.code == 404 and "where it was built" in json.loads(missing.value.read())["error"]
        missing.value.close()
    finally:
        stop_server(process)


class BasicAuthProxy(http.server.BaseHTTPRequestHandler):
    """An engine behind HTTP Basic authentication: checks the credentials, then forwards to `oxigraph serve`."""

    engine_base = ""
    expected = "Basic " + base64.b64encode(b"portal:secret").decode()
    refused: ClassVar[list] = []  # each test gives its subclass a list of its own

    def forward(self):
        if self.headers.get("Authorization") != self.expected:
            self.refused.append(self.path)
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="engine"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))) or None
        headers = {k: v for k, v in self.headers.items() if k in ("Accept", "Content-Type")}
        request = urllib.request.Request(self.engine_base + self.path, body, headers, method=self.command)
        try:
            response = urllib.request.urlopen(request)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            data = response.read()
            self.send_response(response.status)
            for name in ("Content-Type", "Server"):
                if response.headers.get(name):
                    self.send_header(name, response.headers[name])
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = forward

    def log_message(self, *args):
        pass


def test_basic_authentication(start_engine, tmp_path, store_path):
    """An engine that asks for HTTP Basic authentication is published to and queried with the credentials the
    settings give, and refuses a publish without them."""
    engine = start_engine("oxigraph")
    handler = type("Proxy", (BasicAuthProxy,), {"engine_base": engine.query.removesuffix("/query"), "refused": []})
    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{proxy.server_address[1]}"
    settings = {"TESTING": True, "STORE": str(tmp_path / "store"), "BACKEND": "sparql", "ENDPOINT": base + "/query",
                "UPDATE_ENDPOINT": base + "/update", "STORE_ENDPOINT": base + "/store"}
    try:
        anonymous = create_app(settings).extensions["twinning.backend"]
        with pytest.raises(TwinningError) as refused:
            anonymous.publish(current_release(store_path), None, progress=lambda message: None)
        assert "401" in refused.value.message
        settings.update(ENDPOINT_USER="portal", ENDPOINT_PASSWORD="secret")
        handler.refused.clear()
        create_app(settings).extensions["twinning.backend"].publish(current_release(store_path), None,
                                                                    progress=lambda message: None)
        # One challenge, then credentials in advance: a large upload never goes out unauthenticated.
        assert len(handler.refused) == 1
        assert count_through(create_app(settings)) == triples(current_release(store_path))
    finally:
        proxy.shutdown()
        proxy.server_close()


def test_an_answer_virtuoso_cut_short_is_an_error_not_a_result(start_engine, tmp_path, store_path):
    """Virtuoso answers 200 with the first ResultSetMaxRows rows; the backend must not pass that off as whole."""
    engine = start_engine("virtuoso", result_rows=100)
    settings = {"TESTING": True, "STORE": str(tmp_path / "store"), **engine.settings()}
    create_app(settings).extensions["twinning.backend"].publish(current_release(store_path), None,
                                                                progress=lambda message: None)
    with create_app(settings).test_client() as client:
        few = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 10"})
        assert few.status_code == 200
        many = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"})
        assert many.status_code == 502 and "ResultSetMaxRows" in many.get_json()["error"]
