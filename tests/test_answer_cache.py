"""The answer cache (issue 15): a repeated query on the same release is answered from memory with the same bytes,
says so, and gives a reverse proxy a strong ETag and Cache-Control; what is not a function of the release (volatile
functions, SERVICE, errors, capped answers) is never kept; a write or a dropped release never lets an answer of
another release through. On the embedded store and on both engines; one test through `twinning serve`."""
import http.client
import json
import urllib.parse
import uuid

import pytest

from bench.engines import stop_server
from graph.release import current_release
from server import create_app
from web.cache import AnswerCache, signature
from web.settings import SettingError

from .conftest import build, environment, start_server
from .test_loaders import MINI

ALL_BACKENDS = True
TOKEN = "cache-test-token"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def fresh(query: str) -> str:
    """The query with a comment of its own: a text no earlier test (the app is shared) has asked."""
    return f"# {uuid.uuid4()}\n{query}"


def get(client, query: str, **params):
    return client.get("/sparql", query_string={"query": query, **params})


def test_repeated_query_is_a_hit_with_the_same_bytes(client):
    query = fresh("SELECT ?s WHERE { ?s a <https://w3id.org/nzc-twinning/ontology#City> } ORDER BY ?s LIMIT 5")
    first, second = get(client, query), get(client, query)
    assert first.status_code == second.status_code == 200
    assert first.headers["X-Twinning-Cache"] == "miss" and second.headers["X-Twinning-Cache"] == "hit"
    assert first.data == second.data and len(first.get_json()["results"]["bindings"]) == 5
    assert first.headers["ETag"] == second.headers["ETag"] and not first.headers["ETag"].startswith("W/")
    assert second.headers["Content-Length"] == str(len(second.data))
    assert second.headers["X-Twinning-Release"] == first.headers["X-Twinning-Release"]
    assert second.headers["Cache-Control"] == "public, no-cache"  # /sparql's release may switch: ask again
    assert "x-twinning-cache" in second.headers["Access-Control-Expose-Headers"].lower()


def test_if_none_match_gets_304(client):
    query = fresh("ASK { ?s ?p ?o }")
    etag = get(client, query).headers["ETag"]
    again = client.get("/sparql", query_string={"query": query}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    other = client.get("/sparql", query_string={"query": query}, headers={"If-None-Match": '"not-this"'})
    assert other.status_code == 200 and other.get_json()["boolean"] is True


def test_key_holds_format_and_dataset(client):
    query = fresh("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g LIMIT 3")
    as_json, as_csv = get(client, query), get(client, query, format="csv")
    assert as_csv.headers["X-Twinning-Cache"] == "miss" and as_csv.mimetype == "text/csv"
    assert as_json.headers["ETag"] != as_csv.headers["ETag"]
    graph = as_json.get_json()["results"]["bindings"][0]["g"]["value"]
    count = fresh(COUNT)  # one query text over two datasets: the dataset is part of the key
    one_graph = get(client, count, **{"default-graph-uri": graph})
    whole = get(client, count)
    assert whole.headers["X-Twinning-Cache"] == "miss"
    n = [int(r.get_json()["results"]["bindings"][0]["n"]["value"]) for r in (one_graph, whole)]
    assert n[0] < n[1]
    assert get(client, query, format="csv").headers["X-Twinning-Cache"] == "hit"


@pytest.mark.parametrize("call", ["NOW()", "RAND()", "UUID()", "STRUUID()", "BNODE()", "now()"])
def test_volatile_answers_are_never_kept(client, backend, call):
    query = fresh(f"SELECT ?x WHERE {{ BIND({call} AS ?x) }}")
    answers = [get(client, query) for _ in range(2)]
    if backend == "virtuoso" and call == "BNODE()" and answers[0].status_code == 400:
        pytest.skip("Virtuoso does not evaluate BNODE() (400 from the engine)")
    for answer in answers:
        assert answer.status_code == 200
        assert answer.headers["X-Twinning-Cache"] == "bypass" and answer.headers["Cache-Control"] == "no-store"
        assert "ETag" not in answer.headers
    if call != "NOW()" and call != "now()":  # a new value at every evaluation: not served from memory
        values = [a.get_json()["results"]["bindings"][0]["x"]["value"] for a in answers]
        assert values[0] != values[1]


def test_volatile_names_in_strings_and_comments_do_not_count(client):
    """The one SPARQL lexer reads the text: NOW() inside a literal, an IRI or a comment is no call."""
    query = fresh('SELECT ("NOW() RAND()" AS ?x) WHERE { FILTER(<https://example.org/UUID()> != <urn:x>) } # BNODE()')
    assert [get(client, query).headers["X-Twinning-Cache"] for _ in range(2)] == ["miss", "hit"]


def test_extension_functions_are_never_kept_but_casts_are(client):
    """An engine's own function (Virtuoso's bif:rnd, say) may give a new value at each call; an XSD cast cannot."""
    extension = fresh("SELECT ?x WHERE { BIND(<https://example.org/fn/random>(1) AS ?x) }")
    assert {get(client, extension).headers.get("X-Twinning-Cache") for _ in range(2)} <= {"bypass", None}
    cast = fresh('PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> SELECT ?x WHERE { BIND(xsd:integer("1") AS ?x) }')
    assert [get(client, cast).headers["X-Twinning-Cache"] for _ in range(2)] == ["miss", "hit"]


def test_errors_are_never_kept(client):
    query = fresh("SELECT * WHERE { ?s ?p }")
    for _ in range(2):
        response = get(client, query)
        assert response.status_code == 400 and response.get_json()["status"] == 400
        assert response.headers.get("X-Twinning-Cache") is None


def test_capped_and_long_answers_are_not_kept(store_path):
    app = create_app({"TESTING": True, "STORE": str(store_path), "RATE_LIMIT": 0, "MAX_RESULT_ROWS": 5,
                      "ANSWER_CACHE_ENTRY_BYTES": 2000})
    client = app.test_client()
    try:
        capped = [get(client, "SELECT ?s WHERE { ?s ?p ?o }") for _ in range(2)]
        for response in capped:
            assert response.headers["X-Twinning-Capped"] == "rows=5"
            assert response.headers["X-Twinning-Cache"] == "bypass" and response.headers["Cache-Control"] == "no-store"
        long = [get(client, "CONSTRUCT WHERE { ?s ?p ?o }") for _ in range(2)]
        for response in long:  # streamed as it comes: no ETag, but a proxy may keep it (a function of the release)
            assert response.status_code == 200 and len(response.data) > 2000
            assert response.headers["X-Twinning-Cache"] == "bypass" and "ETag" not in response.headers
            assert response.headers["Cache-Control"] == "public, no-cache"
        assert not app.extensions["twinning.cache"].entries
    finally:
        app.extensions["twinning.backend"].close()


def test_cache_off(store_path):
    app = create_app({"TESTING": True, "STORE": str(store_path), "RATE_LIMIT": 0, "ANSWER_CACHE_BYTES": 0})
    client = app.test_client()
    try:
        assert [get(client, "ASK {}").headers["X-Twinning-Cache"] for _ in range(2)] == ["bypass", "bypass"]
    finally:
        app.extensions["twinning.backend"].close()


def test_pinned_answers_are_immutable(client):
    release = get(client, "ASK {}").headers["X-Twinning-Release"]
    query = fresh(COUNT)
    first, second = [client.get(f"/releases/{release}/sparql", query_string={"query": query}) for _ in range(2)]
    assert first.status_code == 200 and second.headers["X-Twinning-Cache"] == "hit"
    assert second.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert second.headers["X-Twinning-Release"] == release and second.data == first.data


def count(response) -> int:
    return int(response.get_json()["results"]["bindings"][0]["n"]["value"])


def test_a_write_never_serves_the_older_answer_and_dropped_releases_leave(tmp_path, backend):
    if backend != "embedded":
        pytest.skip("on a remote engine, test_remote.py (a switch published by another process) and test_silent.py "
                    "(writes read back at once) ask repeated queries across a switch")
    store = tmp_path / "store"
    build(MINI, store)
    first = current_release(store).id
    app = create_app({"TESTING": True, "STORE": str(store), "RATE_LIMIT": 0, "UPDATE_TOKEN": TOKEN,
                      "KEEP_RELEASES": 2})
    client = app.test_client()
    cache = app.extensions["twinning.cache"]
    try:
        before = [get(client, COUNT) for _ in range(2)]
        assert [r.headers["X-Twinning-Cache"] for r in before] == ["miss", "hit"]
        for graph in ("a", "b"):
            written = client.post("/sparql", data={"update": f"INSERT DATA {{ GRAPH <https://example.org/{graph}> {{ "
                                                   f"<https://example.org/{graph}> <https://example.org/p> 'o' }} }}"},
                                  headers={"Authorization": f"Bearer {TOKEN}"})
            assert written.status_code == 200, written.data
            after = get(client, COUNT)
            assert after.headers["X-Twinning-Cache"] == "miss"
            assert after.headers["X-Twinning-Release"] == current_release(store).id != first
        assert count(after) == count(before[0]) + 2
        # Two writes with two releases kept: the first was dropped, and so were its answers.
        assert client.get(f"/releases/{first}/sparql", query_string={"query": COUNT}).status_code == 404
        assert cache.entries and all(release != first for release, _ in cache.entries)
    finally:
        app.extensions["twinning.backend"].close()


def replay_app(store_path, **settings):
    return create_app({"TESTING": True, "STORE": str(store_path), "RATE_LIMIT": 0, **settings})


def broken_view():
    raise RuntimeError("the application was asked")


def test_a_repeated_request_is_replayed_before_the_application(store_path, backend):
    """The same GET on the same release gets the same response without the application; a request that differs in
    a header an answer may depend on, or a conditional one, is the application's."""
    if backend != "embedded":
        pytest.skip("replayed on the embedded store only (web/cache.py: a remote engine is asked at each hit)")
    app = replay_app(store_path)
    client = app.test_client()
    try:
        query = fresh("SELECT ?s WHERE { ?s a <https://w3id.org/nzc-twinning/ontology#City> } ORDER BY ?s LIMIT 3")
        first = get(client, query)
        app.view_functions["protocol.sparql"] = broken_view
        again = get(client, query)
        assert again.status_code == 200 and again.data == first.data
        assert again.headers["X-Twinning-Cache"] == "hit"
        assert {k: v for k, v in again.headers if k != "X-Twinning-Cache"} == \
               {k: v for k, v in first.headers if k != "X-Twinning-Cache"}
        for headers in ({"Accept": "text/csv"}, {"If-None-Match": first.headers["ETag"]}, {"X-Other": "1"},
                        {"Content-Type": "application/sparql-update"}):
            asked = client.get("/sparql", query_string={"query": query}, headers=headers)
            assert asked.status_code == 500  # the broken application answered (web/errors.py's 500)
        # who the client is changes no answer: another browser, or another client behind the same proxy
        for headers in ({"User-Agent": "another/1.0"}, {"X-Forwarded-For": "192.0.2.7"}):
            shared = client.get("/sparql", query_string={"query": query}, headers=headers)
            assert shared.status_code == 200 and shared.data == first.data
    finally:
        app.extensions["twinning.backend"].close()


def test_a_replay_names_the_host_it_was_asked_for_and_counts_for_the_rate_limit(store_path, backend):
    if backend != "embedded":
        pytest.skip("replayed on the embedded store only")
    app = replay_app(store_path, PROXY_HOPS=1, RATE_LIMIT=0.001, RATE_BURST=3)
    client = app.test_client()
    try:
        query = fresh("ASK { ?s ?p ?o }")
        links = [get_from(client, query, host).headers["Link"] for host in ("a.example", "b.example", "a.example")]
        assert "//a.example/" in links[0] and "//b.example/" in links[1] and links[2] == links[0]
        refused = get_from(client, query, "a.example")  # the burst of 3 is spent, replays included
        assert refused.status_code == 429 and refused.headers["Retry-After"]
    finally:
        app.extensions["twinning.backend"].close()


def test_signatures_of_different_requests_differ():
    """Parts of a request never run into each other: a path may hold any character once percent-decoded."""
    base = {"REQUEST_METHOD": "GET", "wsgi.url_scheme": "http", "SERVER_NAME": "x", "SERVER_PORT": "80"}
    one = signature({**base, "PATH_INFO": "/sparql", "QUERY_STRING": "query=ASK{}", "HTTP_ACCEPT": "text/csv"})
    other = signature({**base, "PATH_INFO": "/sparql\nquery=ASK{}", "QUERY_STRING": "HTTP_ACCEPT=text/csv"})
    assert one != other
    assert signature({**base, "REQUEST_METHOD": "HEAD"}) is None
    assert signature({**base, "HTTP_AUTHORIZATION": "Bearer x"}) is None


def get_from(client, query: str, host: str):
    return client.get("/sparql", query_string={"query": query}, headers={"X-Forwarded-Host": host})


def test_the_cache_is_bounded():
    cache = AnswerCache(capacity=1000, entry_limit=400)
    keys = [("r", f"job {i}".encode()) for i in range(5)]
    for key in keys[:3]:
        cache.put(key, "json", False, b"x" * 390)
    assert cache.get(keys[0]) is None and cache.get(keys[2]) is not None  # the least recently used went first
    cache.put(keys[3], "json", False, b"x" * 500)  # longer than one entry may be
    assert cache.get(keys[3]) is None and cache.size <= 1000


@pytest.mark.parametrize("setting", [{"ANSWER_CACHE_BYTES": -1}, {"ANSWER_CACHE_ENTRY_BYTES": 0},
                                     {"ANSWER_CACHE_ENTRY_BYTES": 2 ** 40}, {"ANSWER_MAX_AGE": 10 ** 9}])
def test_cache_settings_have_ranges(store_path, setting):
    with pytest.raises(SettingError, match=next(iter(setting))):
        create_app({"TESTING": True, "STORE": str(store_path), **setting})


def test_through_twinning_serve(store_path, served, backend):
    """Real HTTP through gunicorn: the second request is a hit; a conditional one gets 304; a proxy's max-age."""
    if backend != "embedded":
        pytest.skip("one server process tree is enough here; the backends are covered above")
    process, base = start_server(store_path, environment({**served, "ANSWER_MAX_AGE": 60, "SERVER_WORKERS": 1}))
    try:
        parts = urllib.parse.urlsplit(base)
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        target = "/sparql?" + urllib.parse.urlencode({"query": fresh(COUNT)})
        seen = []
        for headers in ({}, {}, None):
            if headers is None:
                headers = {"If-None-Match": seen[-1][1]["ETag"]}
            connection.request("GET", target, headers={"Accept": "application/sparql-results+json", **headers})
            response = connection.getresponse()
            seen.append((response.status, response.headers, response.read()))  # names in any case
        assert [status for status, _, _ in seen] == [200, 200, 304]
        assert [h["X-Twinning-Cache"] for _, h, _ in seen[:2]] == ["miss", "hit"]
        assert seen[0][2] == seen[1][2] and json.loads(seen[1][2])["results"]["bindings"]
        assert seen[1][1]["Cache-Control"] == "public, max-age=60"
        connection.close()
    finally:
        stop_server(process)


def test_health_always_asks_the_backend(store_path, backend):
    """/health says whether a query runs end to end: never from memory. With its idle query worker killed, the
    next check fails (and the one after, on a new worker, passes)."""
    if backend != "embedded":
        pytest.skip("query worker processes belong to the embedded backend")
    app = create_app({"TESTING": True, "STORE": str(store_path), "RATE_LIMIT": 0, "QUERY_WORKERS": 1})
    client = app.test_client()
    pool = app.extensions["twinning.backend"].pool
    try:
        assert client.get("/health").status_code == 200
        for worker in list(pool.idle):
            worker.process.kill()
            worker.process.wait()
        assert client.get("/health").status_code == 503
        assert client.get("/health").status_code == 200
    finally:
        app.extensions["twinning.backend"].close()
