"""What the remote backend does to a query before an engine sees it (dataset clauses, bound parameters), and the
results it re-encodes, checked on an in-memory pyoxigraph store: a rewritten query must parse and mean the same."""
import io

import pyoxigraph as ox
import pytest

from graph import results
from graph.remote import NO_GRAPH, WRAPPED, Engine, bind_values, requested_dataset, with_dataset
from graph.sparql_lexer import scan

G = "http://ex/g"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    """Three triples in graph G and one, which no rewritten query may see, in the default graph."""
    store = ox.Store()
    store.load(b'<http://ex/a> <http://ex/p> "1" .\n<http://ex/a> <http://ex/q> <http://ex/b> .\n'
               b'<http://ex/b> <http://ex/p> "2" .\n', ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(G))
    store.add(ox.Quad(ox.NamedNode("http://ex/stray"), ox.NamedNode("http://ex/p"), ox.Literal("x")))
    return store


def size(result) -> int:
    if isinstance(result, ox.QueryBoolean):
        return int(bool(result))
    return len(list(result))


@pytest.mark.parametrize("query, expected", [
    ("SELECT * WHERE { ?s ?p ?o }", 3),
    ("select * { ?s ?p ?o } limit 2", 2),
    ("PREFIX ex: <http://ex/>\nSELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o OPTIONAL { ?s ex:derived-from ?x } }", 1),
    ("SELECT (EXISTS { ?s ?p ?o } AS ?e) WHERE { ?s ?p ?o }", 3),
    ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", 3),
    ("CONSTRUCT WHERE { ?s ?p ?o }", 3),
    ("ASK { <http://ex/a> ?p ?o }", 1),
    ("DESCRIBE <http://ex/a> # a comment {", 2),
    ("DESCRIBE <http://ex/a> LIMIT 5", 2),
    ("PREFIX ex: <http://ex/>\nDESCRIBE ex:a WHERE { ?x ex:q ex:b }", 2),
    ("SELECT * WHERE { ?s ?p ?o } VALUES ?o { \"1\" }", 1),
    ("SELECT ?s WHERE { ?s <http://ex/p> \"{ FROM }\" }", 0),
])
def test_dataset_clauses_keep_the_query_valid_and_name_only_the_release(store, query, expected):
    rewritten = with_dataset(query, [G], [])
    assert size(store.query(rewritten)) == expected, rewritten


def test_named_graphs_only_where_graph_can_reach_them():
    assert scan("SELECT * { GRAPH ?g { ?s ?p ?o } }").has_graph
    # a GRAPH after an IRI with an escape, or a prefixed name with an escaped #, is still seen
    assert scan(r"SELECT * { ?s <http://ex/caf\u00E9#p> ?o . GRAPH ?g { ?s ?p ?o } }").has_graph
    assert scan(r"SELECT * { ?s ex:a\#b ?o . GRAPH ?g { ?s ?p ?o } }").has_graph
    assert not scan('SELECT * { ?s ex:graph "GRAPH" } # GRAPH').has_graph


def test_own_dataset_clauses_are_kept():
    assert scan("SELECT * FROM <http://ex/g> { ?s ?p ?o }").dataset
    assert not scan("SELECT ?from { ?from ex:derived-from ?o }").dataset
    assert not scan('SELECT * { ?s ?p "x"@from . }').dataset
    assert scan("SELECT * FROM # a comment\n <http://ex/g> { ?s ?p ?o }").dataset
    query = "SELECT * FROM NAMED<http://ex/g> FROM named:g { }"  # `named:` is a prefix here
    assert [(query[start:end], named) for start, end, named, _ in scan(query).dataset] == [
        ("FROM NAMED<http://ex/g>", True), ("FROM named:g", False)]


@pytest.mark.parametrize("query, default_graphs, expected, spelled", [
    # the protocol's graphs replace FROM
    ("SELECT * FROM <http://ex/other> WHERE { ?s ?p ?o }", [G], 3, f"FROM <{G}>"),
    ("PREFIX ex: <http://ex/> SELECT * FROM ex:other FROM NAMED ex:g WHERE { ?s ?p ?o }", [G], 3, f"FROM <{G}>"),
    # FROM alone: no named graphs; FROM NAMED alone: an empty default graph (Virtuoso would take all its graphs)
    ("SELECT * FROM <http://ex/g> WHERE { GRAPH ?g { ?s ?p ?o } }", [], 0, f"FROM NAMED <{NO_GRAPH}>"),
    ("SELECT * FROM NAMED <http://ex/g> WHERE { ?s ?p ?o }", [], 0, f"FROM <{NO_GRAPH}>"),
])
def test_the_requested_dataset_is_spelled_out(store, query, default_graphs, expected, spelled):
    rewritten = requested_dataset(query, default_graphs, [])
    assert spelled in rewritten and size(store.query(rewritten)) == expected, rewritten


def test_parameters_are_bound_at_the_end_of_the_where_group(store):
    query = "SELECT ?o WHERE { ?s <http://ex/p> ?o BIND(?s AS ?t) } ORDER BY ?o"
    bound = with_dataset(bind_values(query, {"s": {"type": "uri", "value": "http://ex/b"}}), [G], [])
    assert [row["o"].value for row in store.query(bound)] == ["2"]


def test_results_round_trip_through_xml_with_awkward_values():
    rows = [{"v": {"type": "literal", "value": "carriage\rreturn & <tag>"}},
            {"v": {"type": "bnode", "value": "nodeID://b1"}}, {"v": {"type": "bnode", "value": "a.b"}},
            {"v": {"type": "bnode", "value": "a_b"}}, {}]
    document = b"".join(results.write((["v"], rows), "xml"))
    variables, read = results.read_xml(io.BytesIO(document))
    read = list(read)
    assert variables == ["v"] and read[0]["v"]["value"] == "carriage\rreturn & <tag>" and read[4] == {}
    labels = [row["v"]["value"] for row in read[1:4]]
    assert len(set(labels)) == 3  # distinct nodes stay distinct
    parsed = ox.parse_query_results(b"".join(results.write((["v"], read), "xml")), ox.QueryResultsFormat.XML)
    assert len(list(parsed)) == 5  # and every label is one pyoxigraph accepts


def test_rewritten_datatypes_are_named_as_stored_but_casts_and_strings_are_left():
    engine = Engine("http://engine.example/sparql")
    engine.rewritten = ("http://www.w3.org/2001/XMLSchema#duration",)
    wrapped = f"<{WRAPPED}http://www.w3.org/2001/XMLSchema#duration>"
    query = ('PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> SELECT * { ?s ?p "P2Y"^^xsd:duration. '
             'FILTER(DATATYPE(?o) = <http://www.w3.org/2001/XMLSchema#duration> && ?q != "xsd:duration") '
             'BIND(xsd:duration("P1Y") AS ?d) ?x ?y xsd:duration.b } # xsd:duration')
    assert engine.wrap_query(query) == (
        f'PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> SELECT * {{ ?s ?p "P2Y"^^{wrapped}. '
        f'FILTER(DATATYPE(?o) = {wrapped} && ?q != "xsd:duration") BIND(xsd:duration("P1Y") AS ?d) '
        '?x ?y xsd:duration.b } # xsd:duration')
