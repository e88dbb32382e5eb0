"""Export of a release: the whole graph or one named graph, deterministic, streamed by pyoxigraph.

Triple formats (Turtle, N-Triples, RDF/XML) hold the union of all graphs, each triple once, sorted by subject,
predicate and object so that Turtle groups a subject's statements and the same release always gives the same bytes.
Dataset formats (N-Quads, TriG, JSON-LD) keep every graph; they come in the store's own index order, which depends
only on the data.
"""
from typing import BinaryIO

import pyoxigraph as ox

from .formats import GRAPH_FORMATS, PREFIXES

# Sorting by the string forms (and kind, datatype, language) is a total order; ORDER BY ?o over mixed date and
# integer values would abort pyoxigraph 0.5.13 (../shared/regressions/).
SORTED_TRIPLES = """
CONSTRUCT { ?s ?p ?o } WHERE { SELECT DISTINCT ?s ?p ?o WHERE { %s } }
ORDER BY (isBlank(?s)) STR(?s) STR(?p) (isLiteral(?o)) (isBlank(?o)) STR(?o) STR(DATATYPE(?o)) LANG(?o)
"""
DUMP_FORMATS = {"ttl": "turtle", "nt": "ntriples", "nq": "nquads", "trig": "trig", "jsonld": "jsonld"}
TRIPLE_ONLY = {"turtle", "ntriples", "rdfxml"}


class UnknownGraph(ValueError):
    """The release has no named graph of that IRI."""


def export_release(release_path, name: str, output: BinaryIO, graph: str | None = None) -> None:
    """Open a release read-only and write it. Raises UnknownGraph."""
    write(ox.Store.read_only(str(release_path)), name, output, graph)


def write(store: ox.Store, name: str, output: BinaryIO, graph: str | None = None) -> None:
    """Write the release held by `store` (or its named graph `graph`) in format `name`. Raises UnknownGraph."""
    rdf_format = GRAPH_FORMATS[name][2]
    if graph is not None and not store.contains_named_graph(ox.NamedNode(graph)):
        raise UnknownGraph(f"the release has no named graph <{graph}>")
    if name in TRIPLE_ONLY:
        pattern = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "?s ?p ?o"
        triples = store.query(SORTED_TRIPLES % pattern, use_default_graph_as_union=True)
        ox.serialize(triples, output, rdf_format, prefixes=PREFIXES if name == "turtle" else None)
    elif graph is not None:
        store.dump(output, rdf_format, from_graph=ox.NamedNode(graph),
                   prefixes=PREFIXES if name == "trig" else None)
    else:
        store.dump(output, rdf_format, prefixes=PREFIXES if name == "trig" else None)
