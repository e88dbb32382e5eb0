"""The default graph is a graph, that is a set of triples, on every backend: the union of all named graphs, and a
default graph merged from several graphs (default-graph-uri or FROM). A triple that several sources state counts
once; the named graphs per source are unchanged. The oracle is the release's N-Quads dump, read with rdflib."""
import json
from collections import Counter

import pytest
from rdflib import Dataset, URIRef
from rdflib.namespace import RDF

from graph.release import current_release

ALL_BACKENDS = True  # see conftest.py: on the embedded store, `oxigraph serve` and Virtuoso

TW = "https://w3id.org/nzc-twinning/ontology#"


@pytest.fixture(scope="module")
def quads(store_path) -> dict[URIRef, set]:
    """Each named graph of the release as a set of triples, read from its N-Quads dump."""
    dataset = Dataset()
    dataset.parse(current_release(store_path).path / "dumps" / "twinning.nq", format="nquads")
    graphs: dict[URIRef, set] = {}
    for s, p, o, g in dataset.quads():
        graphs.setdefault(g, set()).add((s, p, o))
    return graphs


@pytest.fixture(scope="module")
def union(quads) -> set:
    return set().union(*quads.values())


@pytest.fixture(scope="module")
def shared_pair(quads) -> tuple[URIRef, URIRef, int]:
    """Two named graphs that state some triple both, and the size of their merge as a set."""
    holders = Counter(triple for triples in quads.values() for triple in triples)
    shared = next(triple for triple, count in holders.items() if count > 1)
    first, second = sorted(g for g, triples in quads.items() if shared in triples)[:2]
    return first, second, len(quads[first] | quads[second])


def ask(client, query: str, **params) -> list[dict]:
    response = client.get("/sparql", query_string={"query": query, **params},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return json.loads(response.get_data())["results"]["bindings"]


def number(row: dict, name: str) -> int:
    return int(row[name]["value"])


def test_get_sparql_union_counts_each_triple_once(client, union, quads):
    row = ask(client, "SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT *) AS ?d) WHERE { ?s ?p ?o }")[0]
    assert number(row, "n") == number(row, "d") == len(union)
    assert sum(len(triples) for triples in quads.values()) > len(union)  # the data do state triples twice


def test_get_sparql_union_matches_void(client, union):
    void = client.get("/.well-known/void", headers={"Accept": "application/n-triples"}).get_data(as_text=True)
    triples = {int(line.split('"')[1]) for line in void.splitlines()
               if line.startswith("<https://w3id.org/nzc-twinning/id/dataset/twinning> <http://rdfs.org/ns/void#triples>")}
    assert triples == {len(union)}


def test_get_sparql_union_counts_each_city_once(client, union):
    cities = {s for s, p, o in union if p == RDF.type and o == URIRef(TW + "City")}
    rows = ask(client, f"SELECT ?c WHERE {{ ?c a <{TW}City> }}")
    assert len(rows) == len(cities) and len({row["c"]["value"] for row in rows}) == len(cities)


def test_get_sparql_twins_per_cohort_with_count_star(client, union):
    twins = {s for s, p, o in union if p == RDF.type and o == URIRef(TW + "Twin")}
    cohort_of = {s: o for s, p, o in union if p == URIRef(TW + "cohort") and s in twins}
    number_of = {s: int(o) for s, p, o in union if p == URIRef(TW + "cohortNumber")}
    expected = Counter(number_of[cohort] for cohort in cohort_of.values())
    rows = ask(client, f"""SELECT ?number (COUNT(*) AS ?twins) WHERE {{
        ?twin a <{TW}Twin> ; <{TW}cohort> ?cohort . ?cohort <{TW}cohortNumber> ?number }} GROUP BY ?number""")
    assert {number(row, "number"): number(row, "twins") for row in rows} == expected


def test_get_sparql_named_graphs_are_unchanged(client, quads):
    rows = ask(client, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    assert {row["g"]["value"]: number(row, "n") for row in rows} == {
        str(g): len(triples) for g, triples in quads.items()}


def test_get_sparql_merged_default_graph_uris_are_a_set(client, shared_pair):
    first, second, merged = shared_pair
    row = ask(client, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", **{"default-graph-uri": [str(first), str(second)]})[0]
    assert number(row, "n") == merged


def test_get_sparql_merged_from_clauses_are_a_set(client, shared_pair):
    first, second, merged = shared_pair
    row = ask(client, f"SELECT (COUNT(*) AS ?n) FROM <{first}> FROM <{second}> WHERE {{ ?s ?p ?o }}")[0]
    assert number(row, "n") == merged


def test_get_sparql_merged_default_graph_keeps_named_graphs_apart(client, shared_pair, quads):
    first, second, _ = shared_pair
    rows = ask(client, "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
               **{"default-graph-uri": [str(first), str(second)], "named-graph-uri": [str(first), str(second)]})
    assert {row["g"]["value"]: number(row, "n") for row in rows} == {
        str(first): len(quads[first]), str(second): len(quads[second])}
