"""The query side of the W3C SPARQL 1.1 Protocol test suite (../shared/w3c-rdf-tests/sparql/sparql11/protocol/).

Each manifest entry is replayed through the test client against a store holding the entries' ut:graphData, with the
union default graph off as the suite assumes and writes enabled (every request carries the update token).
"""
import json
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDFS

from graph.release import build_release
from loaders.quads import Quads
from server import create_app

from .conftest import SHAPES, SHARED, serve_from

ALL_BACKENDS = True  # see conftest.py: these tests run on the embedded store and on each remote engine

SUITE = SHARED / "w3c-rdf-tests" / "sparql" / "sparql11" / "protocol"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")

TOKEN = "w3c-test-token"
FORMATS = {
    "boolean": {"application/sparql-results+json", "application/sparql-results+xml"},
    "tabular": {"application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                "text/tab-separated-values"},
    "RDF": {"application/rdf+xml", "text/turtle", "application/n-triples"},
}


def manifest_entries() -> list:
    if not (SUITE / "manifest.ttl").exists():
        return [pytest.param(None, marks=pytest.mark.skip(reason="../shared/w3c-rdf-tests is not beside this "
                                                                   "checkout"))]
    manifest = Graph().parse(SUITE / "manifest.ttl", format="turtle", publicID=SUITE.as_uri() + "/manifest.ttl")
    head = next(manifest.objects(None, MF.entries))
    entries = []
    for test in Collection(manifest, head):
        name = str(test).rsplit("#", 1)[1]
        entries.append(pytest.param((manifest, test), id=name))
    return entries


def requests_of(manifest: Graph, test: URIRef) -> list[dict]:
    action = manifest.value(test, MF.action)
    requests = []
    for node in Collection(manifest, manifest.value(action, HT.requests)):
        body = manifest.value(node, HT.body)
        headers = {}
        header_list = manifest.value(node, HT.headers)
        if header_list is not None:
            for header in Collection(manifest, header_list):
                headers[str(manifest.value(header, HT.fieldName))] = str(manifest.value(header, HT.fieldValue))
        response = manifest.value(node, HT.resp)
        requests.append({
            "method": str(manifest.value(node, HT.methodName)),
            "path": str(manifest.value(node, HT.absolutePath)).replace("/sparql/", "/sparql", 1),
            "body": None if body is None else str(manifest.value(body, CNT.chars)),
            "headers": headers,
            "statuses": {str(s) for s in manifest.objects(response, MF.expectedStatus)},
            "format": manifest.value(response, MF.expectedFormat),
            "boolean": manifest.value(response, MF.expectedBoolean),
        })
    return requests


@pytest.fixture(scope="module")
def protocol_client(tmp_path_factory, backend, start_engine):
    """A store with the suite's data files, each in the graph its manifest label names."""
    if not (SUITE / "manifest.ttl").exists():
        pytest.skip("../shared/w3c-rdf-tests is not beside this checkout")
    manifest = Graph().parse(SUITE / "manifest.ttl", format="turtle", publicID=SUITE.as_uri() + "/manifest.ttl")
    dataset = Dataset()
    for data in manifest.objects(None, UT.graphData):
        path = Path(str(manifest.value(data, UT.graph)).removeprefix("file://"))
        dataset.graph(URIRef(str(manifest.value(data, RDFS.label)))).parse(path, format="nt")
    store = tmp_path_factory.mktemp("protocol-store")
    build_release(Quads(dataset.quads()), store, {}, SHAPES, progress=lambda m: None)
    # Writes enabled, so that the update side of the suite runs too; every request carries the token.
    settings = serve_from(backend, store, start_engine)
    app = create_app({"TESTING": True, **settings, "UNION_DEFAULT_GRAPH": False, "UPDATE_TOKEN": TOKEN})
    yield app.test_client()
    app.extensions["twinning.backend"].close()


@pytest.mark.parametrize("entry", manifest_entries())
def test_w3c_protocol(protocol_client, entry):
    manifest, test = entry
    for request in requests_of(manifest, test):
        response = protocol_client.open(
            request["path"], method=request["method"], headers={**request["headers"],
                                                               "Authorization": f"Bearer {TOKEN}"},
            data=None if request["body"] is None else request["body"].encode("utf-8"))
        klass = {f"{HTS}StatusCode{response.status_code // 100}xx"}
        assert klass & request["statuses"], (response.status_code, response.data[:300])
        if request["format"] is not None:
            assert response.mimetype in FORMATS[str(request["format"])]
        if request["boolean"] is not None:
            text = response.get_data(as_text=True)
            if response.mimetype.endswith("json"):
                assert json.loads(text)["boolean"] == request["boolean"].toPython()
            else:
                assert f"<boolean>{str(request['boolean'].toPython()).lower()}</boolean>" in text
