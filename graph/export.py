"""Export of a release: the whole graph or one named graph, deterministic, streamed by pyoxigraph.

Triple formats (Turtle, N-Triples, RDF/XML) hold the union of all graphs, each triple once, sorted (by their
N-Triples lines: subject, predicate, object) so that Turtle groups a subject's statements and the same release always
gives the same bytes.
Dataset formats (N-Quads, TriG, JSON-LD) keep every graph, in order of graph name (the default graph first), each
graph's statements sorted the same way: the bytes depend only on the data, not on the store that holds it (an
in-memory copy of a remote engine's release writes what the embedded store writes).
"""
from collections.abc import Iterator
from typing import BinaryIO

import pyoxigraph as ox

from nzc_twinning.namespaces import PREFIXES, UNION_GRAPH

from .errors import NotFound
from .formats import GRAPH_FORMATS

DUMP_FORMATS = {"ttl": "turtle", "nt": "ntriples", "nq": "nquads", "trig": "trig", "jsonld": "jsonld"}
TRIPLE_ONLY = {"turtle", "ntriples", "rdfxml"}
# An internal graph of every release: the union of all its graphs, each statement once. SPARQL's default graph is a
# set, and pyoxigraph's union option (like a default graph of several graphs) yields a statement once per graph that
# holds it; queries over the union read this graph instead. It is derived, never exported, never a named graph of the
# release. The remote backend publishes the same graph under the same name.


class UnknownGraph(NotFound):
    """The release has no named graph of that IRI."""


def source_graphs(store: ox.Store) -> list[ox.NamedNode]:
    """The release's named graphs (without the internal union graph)."""
    return [name for name in store.named_graphs() if name.value != UNION_GRAPH]


def derive_union(store: ox.Store) -> None:
    """(Re)write the union graph of a writable store from all its other graphs, one graph at a time."""
    union = ox.NamedNode(UNION_GRAPH)
    store.remove_graph(union)
    for name in [*source_graphs(store), ox.DefaultGraph()]:
        # A statement already there is stored once: the store is a set of quads.
        store.bulk_load(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=name), ox.RdfFormat.N_TRIPLES,
                        to_graph=union)


def sorted_ntriples(store: ox.Store, graph: str | None) -> bytes:
    """The triples of one graph, or of all graphs each once, as N-Triples lines in sorted order.

    Sorting the lines (subject first) groups each subject's statements for Turtle. It is done here rather than with
    SPARQL ORDER BY, which is twenty times slower on a million triples and aborts pyoxigraph 0.5.13 on mixed
    date and integer values (../shared/regressions/).
    """
    graphs = [ox.NamedNode(graph)] if graph else [*source_graphs(store), ox.DefaultGraph()]
    return sorted_lines(store, graphs)


def sorted_lines(store: ox.Store, graphs: list) -> bytes:
    """The statements of these graphs, each once, as sorted N-Triples lines."""
    lines: set[bytes] = set()
    for name in graphs:
        lines.update(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=name).splitlines())
    lines.discard(b"")
    return b"".join(line + b"\n" for line in sorted(lines))


def sorted_nquads(store: ox.Store) -> Iterator[bytes]:
    """Every graph's statements as N-Quads, graph by graph in order of name (the default graph first), each sorted.
    Written as bytes from the N-Triples lines: no statement becomes a Python object."""
    yield sorted_lines(store, [ox.DefaultGraph()])
    for name in sorted(source_graphs(store), key=lambda graph: graph.value):
        label = f" <{name.value}> .".encode()
        yield b"".join(line[:-2] + label + b"\n" for line in sorted_lines(store, [name]).splitlines())


def write(store: ox.Store, name: str, output: BinaryIO, graph: str | None = None) -> None:
    """Write the release held by `store` (or its named graph `graph`) in format `name`. Raises UnknownGraph."""
    rdf_format = GRAPH_FORMATS[name][2]
    if graph is not None and (graph == UNION_GRAPH or not store.contains_named_graph(ox.NamedNode(graph))):
        raise UnknownGraph(f"the release has no named graph <{graph}>")
    prefixes = PREFIXES if name in ("turtle", "trig") else None
    if name == "ntriples":
        output.write(sorted_ntriples(store, graph))
    elif name in TRIPLE_ONLY or graph is not None:  # one graph is written as triples in any format
        ox.serialize(ox.parse(sorted_ntriples(store, graph), format=ox.RdfFormat.N_TRIPLES), output, rdf_format,
                     prefixes=prefixes)
    elif name == "nquads":
        output.writelines(sorted_nquads(store))
    else:
        ox.serialize(ox.parse(b"".join(sorted_nquads(store)), format=ox.RdfFormat.N_QUADS), output, rdf_format,
                     prefixes=prefixes)
