"""The W3C SPARQL 1.1 Graph Store HTTP Protocol tests (../shared/w3c-rdf-tests/sparql/sparql11/graph-store-protocol),
and the protocol's other cases, over plain HTTP against a real `twinning serve` with writes enabled.

Every test of the suite's manifest (direct and indirect identification, HEAD, POST to the store creating a graph,
multipart/form-data, the default graph) runs in order of its requests; `/gsp` in the manifest's paths is this
server's `/store`. Each module's server starts on a fresh, empty store folder (no release: see
test_empty_store.py) and is reused by its tests; each test starts from an empty store, as the suite assumes. The
older http-rdf-update manifest is not run: its cases are marked deprecated in favour of this one and hold their
requests as prose only.
"""
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from server import create_app

from .conftest import SHARED, environment, start_server, stop_server

ALL_BACKENDS = True  # see conftest.py: these tests run on the embedded store and on each remote engine

pytestmark = pytest.mark.live

SUITE = SHARED / "w3c-rdf-tests" / "sparql" / "sparql11" / "graph-store-protocol"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
STATUS = {HTS.OK: 200, HTS.Created: 201, HTS.NoContent: 204, HTS.NotFound: 404}
TOKEN = "gsp-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@dataclass(frozen=True)
class Exchange:
    """One request of a test and what its response must be."""

    method: str
    path: str
    headers: dict
    body: str | None
    statuses: frozenset
    location: str | None = None  # the template variable the response's Location header fills in
    response_headers: dict = field(default_factory=dict)
    response_body: str | None = None


def exchanges(manifest: Graph, test: URIRef) -> list[Exchange]:
    def headers(node) -> dict:
        listed = manifest.value(node, HT.headers)
        return {str(manifest.value(h, HT.fieldName)).lower(): str(manifest.value(h, HT.fieldValue))
                for h in (Collection(manifest, listed) if listed is not None else [])}

    def chars(node):
        body = manifest.value(node, HT.body)
        return None if body is None else str(manifest.value(body, CNT.chars))

    found = []
    for request in Collection(manifest, manifest.value(manifest.value(test, MF.action), HT.requests)):
        response = manifest.value(request, HT.resp)
        statuses = frozenset(STATUS[status] for status in manifest.objects(response, MF.expectedStatus))
        location = manifest.value(response, MF.expectedLocation)
        found.append(Exchange(str(manifest.value(request, HT.methodName)), str(manifest.value(request, HT.absolutePath)),
                              headers(request), chars(request), statuses, location and str(location),
                              headers(response), chars(response)))
    return found


def manifest_tests() -> list:
    """Every test of the manifests the suite's manifest includes: its entries in order, then any test a file
    defines but leaves out of its entries (head_non_existing_direct)."""
    if not (SUITE / "manifest.ttl").exists():
        return [pytest.param(None, marks=pytest.mark.skip(reason="../shared/w3c-rdf-tests is not beside this "
                                                                   "checkout"))]
    top = Graph().parse(SUITE / "manifest.ttl", format="turtle", publicID=SUITE.as_uri() + "/manifest.ttl")
    tests = []
    for included in Collection(top, next(top.objects(None, MF.include))):
        path = SUITE / str(included).rsplit("/", 1)[1]
        manifest = Graph().parse(path, format="turtle", publicID=str(included))
        listed = list(Collection(manifest, next(manifest.objects(None, MF.entries))))
        defined = set(manifest.subjects(RDF.type, MF.GraphStoreProtocolTest))
        for test in listed + sorted(defined - set(listed)):
            tests.append(pytest.param(exchanges(manifest, test), id=str(test).rsplit("#", 1)[1]))
    assert len(tests) >= 14, "the graph store manifests hold fewer tests than they did"
    return tests


def http(method: str, url: str, headers: dict | None = None, body: bytes | None = None):
    """(status, headers, body) of one request; error statuses are answers too."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def ask(base: str, query: str) -> bool:
    status, _, body = http("GET", f"{base}/sparql?query={urllib.parse.quote(query)}",
                           {"Accept": "application/sparql-results+json"})
    assert status == 200, body
    return json.loads(body)["boolean"]


def update(base: str, text: str) -> None:
    status, _, body = http("POST", base + "/sparql", {**AUTH, "Content-Type": "application/sparql-update"},
                           text.encode())
    assert status == 200, body


def empty(base: str) -> None:
    """Start a test from an empty store, as the suite assumes (a write only where something is left)."""
    if ask(base, "ASK { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"):
        update(base, "DROP ALL")


@pytest.fixture(scope="module")
def writable_server(backend, tmp_path_factory, start_engine):
    """`twinning serve` with writes enabled on a fresh store folder (and, for a remote backend, a fresh engine)
    that holds no release yet."""
    store = tmp_path_factory.mktemp("graph-store") / "store"
    settings = {} if backend == "embedded" else start_engine(backend).settings()
    process, base = start_server(store, environment({**settings, "UPDATE_TOKEN": TOKEN, "RATE_LIMIT": 0}))
    yield base
    stop_server(process)


@pytest.fixture()
def server(writable_server):
    empty(writable_server)
    return writable_server


def turtle(text: str, base: str) -> Graph:
    return Graph().parse(data=text, format="turtle", publicID=base)


@pytest.mark.parametrize("steps", manifest_tests())
def test_w3c_graph_store_protocol(server, steps):
    variables = {}
    for number, step in enumerate(steps, 1):
        path, body = step.path, step.body
        for name, value in variables.items():
            path, body = path.replace(name, value), body and body.replace(name, value)
        assert path.startswith("/gsp")
        url = server + "/store" + path.removeprefix("/gsp")
        status, headers, answer = http(step.method, url, {**step.headers, **AUTH}, body and body.encode("utf-8"))
        where = f"request {number}: {step.method} {url} answered {status}: {answer[:300]!r}"
        assert status in step.statuses, where
        if step.location:
            assert headers["Location"], where
            variables[step.location] = headers["Location"]
        for name, value in step.response_headers.items():
            assert headers[name].replace(" ", "").lower() == value.replace(" ", "").lower(), where
        if step.method == "HEAD":
            assert answer == b"", where
        if step.response_body is not None:
            assert isomorphic(turtle(answer.decode("utf-8"), url), turtle(step.response_body, url)), where


# --- the protocol's other cases ----------------------------------------------------------------------------------

def put(base: str, where: str, text: str, media: str = "text/turtle", method: str = "PUT"):
    return http(method, base + where, {**AUTH, "Content-Type": media}, text.encode())


def get(base: str, where: str, accept: str = "application/n-triples"):
    return http("GET", base + where, {"Accept": accept})


def triples(answer: bytes) -> Graph:
    return Graph().parse(data=answer.decode(), format="nt")


A = "<https://example.org/a> <https://example.org/p> "
GRAPH = "/store?graph=" + urllib.parse.quote("https://example.org/g", safe="")


def test_head_has_the_headers_of_get(server):
    assert put(server, GRAPH, A + '"x" .')[0] == 201
    status, got, body = get(server, GRAPH, "text/turtle")
    head_status, head, head_body = http("HEAD", server + GRAPH, {"Accept": "text/turtle"})
    assert (status, head_status, head_body) == (200, 200, b"") and body
    for name in ("Content-Type", "ETag", "Last-Modified", "X-Twinning-Release", "Vary"):
        assert head[name] == got[name], name
    assert http("HEAD", server + "/store?graph=https%3A%2F%2Fexample.org%2Fnone")[0] == 404
    assert http("HEAD", server + "/store?default", {"Accept": "application/n-triples"})[0] == 200


def test_post_to_the_store_makes_a_new_graph_in_the_direct_space(server):
    first = put(server, "/store", A + '"one" .', method="POST")
    second = put(server, "/store", A + '"two" .', method="POST")
    assert first[0] == second[0] == 201
    one, two = first[1]["Location"], second[1]["Location"]
    assert one != two and one.startswith(server + "/store/") and two.startswith(server + "/store/")
    # The Location names the graph by direct identification, and by indirect identification too.
    status, _, body = http("GET", one, {"Accept": "application/n-triples"})
    assert status == 200 and [str(o) for o in triples(body).objects()] == ["one"]
    status, _, body = get(server, "/store?graph=" + urllib.parse.quote(two, safe=""))
    assert status == 200 and [str(o) for o in triples(body).objects()] == ["two"]


def test_multipart_post_merges_every_part(server):
    boundary = "part-boundary-7d3f"
    parts = [("text/turtle; charset=utf-8", "a.ttl", A + '"turtle" .'),
             ("application/n-triples", "b.nt", A + '"n-triples" .'),
             ("application/ld+json", "c.jsonld",
              '{"@id": "https://example.org/a", "https://example.org/p": "json-ld"}')]
    body = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{name}"\r\n'
                   f"Content-Type: {media}\r\n\r\n{text}\r\n" for media, name, text in parts) + f"--{boundary}--\r\n"
    status, _, answer = put(server, GRAPH, body, f"multipart/form-data; boundary={boundary}", "POST")
    assert status == 201, answer
    status, _, answer = get(server, GRAPH)
    assert {str(o) for o in triples(answer).objects()} == {"turtle", "n-triples", "json-ld"}


def test_multipart_part_of_unknown_media_type_415_changes_nothing(server):
    boundary = "b0undary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="a"; filename="a.ttl"\r\n'
            f"Content-Type: text/turtle\r\n\r\n{A}\"kept out\" .\r\n"
            f'--{boundary}\r\nContent-Disposition: form-data; name="picture"; filename="p.png"\r\n'
            f"Content-Type: image/png\r\n\r\nPNG\r\n--{boundary}--\r\n")
    status, _, answer = put(server, GRAPH, body, f"multipart/form-data; boundary={boundary}", "POST")
    assert status == 415 and b"picture" in answer
    status, _, answer = put(server, GRAPH, "no parts here", "multipart/form-data; boundary=x", "POST")
    assert status == 400, answer
    assert get(server, GRAPH)[0] == 404


@pytest.mark.parametrize("method", ["PUT", "POST"])
def test_unknown_media_type_415_bad_rdf_400(server, method):
    status, _, answer = put(server, GRAPH, A + '"x" .', "image/png", method)
    assert status == 415 and b"text/turtle" in answer
    status, _, answer = put(server, GRAPH, A + '"unterminated .', "text/turtle", method)
    assert status == 400 and b'"status":400' in answer.replace(b" ", b"")
    assert get(server, GRAPH)[0] == 404


def test_missing_graph_get_delete_404(server):
    assert get(server, GRAPH)[0] == 404
    status, _, answer = http("DELETE", server + GRAPH, AUTH)
    assert status == 404 and b"https://example.org/g" in answer
    assert http("DELETE", server + "/store/never-written", AUTH)[0] == 404


def test_put_201_then_204(server):
    assert put(server, GRAPH, A + '"first" .')[0] == 201
    assert put(server, GRAPH, A + '"second" .')[0] == 204
    assert put(server, GRAPH, A + '"third" .', method="POST")[0] == 204
    assert {str(o) for o in triples(get(server, GRAPH)[2]).objects()} == {"second", "third"}


def test_default_graph_cycle_and_what_default_means(server):
    """?default: writes go to the store's own default graph; GET answers the query default graph, the union of all
    graphs under the default settings (each statement once), as `CONSTRUCT WHERE { ?s ?p ?o }` at /sparql does."""
    assert put(server, "/store?default", A + '"default" .')[0] == 204
    assert put(server, GRAPH, A + '"named" .')[0] == 201
    assert {str(o) for o in triples(get(server, "/store?default")[2]).objects()} == {"default", "named"}
    assert put(server, "/store?default", A + '"replaced" .')[0] == 204  # the named graph is not touched
    assert {str(o) for o in triples(get(server, "/store?default")[2]).objects()} == {"replaced", "named"}
    assert put(server, "/store?default", A + '"added" .', method="POST")[0] == 204
    assert put(server, "/store?default", A + '"named" .', method="POST")[0] == 204  # also in the named graph
    body = get(server, "/store?default")[2]
    assert sorted(str(o) for o in triples(body).objects()) == ["added", "named", "replaced"]
    assert body.count(b'"named"') == 1
    assert http("DELETE", server + "/store?default", AUTH)[0] == 204
    assert {str(o) for o in triples(get(server, "/store?default")[2]).objects()} == {"named"}
    assert ask(server, 'ASK { GRAPH <https://example.org/g> { ?s ?p "named" } }')


def test_internal_graph_refused(server):
    internal = "/store?graph=" + urllib.parse.quote("urn:x-twinning:union", safe="")
    for method in ("PUT", "POST"):
        status, _, answer = put(server, internal, A + '"x" .', method=method)
        assert status == 400 and b"parameter 'graph'" in answer
    assert http("DELETE", server + internal, AUTH)[0] == 400
    assert get(server, internal)[0] == 404
    update = f"INSERT DATA {{ GRAPH <urn:x-twinning:union> {{ {A} \"x\" }} }}".encode()
    status, _, answer = http("POST", server + "/sparql", {**AUTH, "Content-Type": "application/sparql-update"}, update)
    assert status == 400 and b"keeps for itself" in answer


def test_writes_need_the_token(server):
    status, _, answer = http("PUT", server + GRAPH, {"Content-Type": "text/turtle"}, (A + '"x" .').encode())
    assert status == 401 and b"Bearer" in answer
    assert get(server, GRAPH)[0] == 404


def test_default_graph_without_the_union_is_the_store_own(tmp_path):
    """With UNION_DEFAULT_GRAPH off, GET ?default is the store's own default graph, as a query's default graph is."""
    app = create_app({"TESTING": True, "STORE": str(tmp_path / "store"), "UPDATE_TOKEN": TOKEN, "RATE_LIMIT": 0,
                      "UNION_DEFAULT_GRAPH": False})
    try:
        client = app.test_client()
        for where, value in (("/store?default", "default"), (GRAPH, "named")):
            response = client.put(where, data=A + f'"{value}" .', content_type="text/turtle", headers=AUTH)
            assert response.status_code in (201, 204), response.data
        got = client.get("/store?default", headers={"Accept": "application/n-triples"})
        assert got.status_code == 200 and [str(o) for o in triples(got.data).objects()] == ["default"]
        head = client.head("/store?default", headers={"Accept": "application/n-triples"})
        assert head.status_code == 200 and head.headers["ETag"] == got.headers["ETag"]
    finally:
        app.extensions["twinning.backend"].close()


def test_update_where_reads_the_union_default_graph(server):
    """An update's WHERE sees what a query sees: the union of the graphs, each statement once, and the named graphs
    through GRAPH (it matched nothing before: the store's own default graph is empty)."""
    def update(text: str) -> None:
        status, _, answer = http("POST", server + "/sparql", {**AUTH, "Content-Type": "application/sparql-update"},
                                 text.encode())
        assert status == 200, answer

    update('INSERT DATA { GRAPH <https://example.org/g1> { <https://example.org/a> <https://example.org/p> "x" } '
           'GRAPH <https://example.org/g2> { <https://example.org/a> <https://example.org/p> "x" } }')
    update("INSERT { GRAPH <https://example.org/copy> { ?s ?p ?o } } WHERE { ?s ?p ?o }")
    update("INSERT { GRAPH <https://example.org/sources> { ?g <https://example.org/holds> ?s } } "
           "WHERE { GRAPH ?g { ?s ?p ?o } }")
    assert ask(server, 'ASK { GRAPH <https://example.org/copy> { <https://example.org/a> ?p "x" } }')
    assert ask(server, "ASK { GRAPH <https://example.org/sources> { <https://example.org/g1> ?p ?s . "
                       "<https://example.org/g2> ?q ?s } }")
