"""Dumps sorted in bounded memory (an external merge sort) write the same bytes as sorting every line in memory,
the way dumps were written before; the union graph is derived the same way too."""
import hashlib
import io

import pyoxigraph as ox
import pytest

from graph import export
from nzc_twinning.namespaces import PREFIXES, UNION_GRAPH

EX = "https://example.org/"


def in_memory_lines(store: ox.Store, graphs: list) -> bytes:
    """The former sort: every line of the graphs in one set, sorted."""
    lines: set[bytes] = set()
    for name in graphs:
        lines.update(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=name).splitlines())
    lines.discard(b"")
    return b"".join(line + b"\n" for line in sorted(lines))


def former_dump(store: ox.Store, name: str) -> bytes:
    """A whole-release dump as it was written before the external sort."""
    graphs = [*export.source_graphs(store), ox.DefaultGraph()]
    output = io.BytesIO()
    prefixes = PREFIXES if name in ("turtle", "trig") else None
    if name == "ntriples":
        output.write(in_memory_lines(store, graphs))
    elif name in export.TRIPLE_ONLY:
        ox.serialize(ox.parse(in_memory_lines(store, graphs), format=ox.RdfFormat.N_TRIPLES), output,
                     export.GRAPH_FORMATS[name][2], prefixes=prefixes)
    else:
        parts = [in_memory_lines(store, [ox.DefaultGraph()])]
        for graph in sorted(export.source_graphs(store), key=lambda g: g.value):
            label = f" <{graph.value}> .".encode()
            parts.append(b"".join(line[:-2] + label + b"\n"
                                  for line in in_memory_lines(store, [graph]).splitlines()))
        nquads = b"".join(parts)
        if name == "nquads":
            output.write(nquads)
        else:
            ox.serialize(ox.parse(nquads, format=ox.RdfFormat.N_QUADS), output, export.GRAPH_FORMATS[name][2],
                         prefixes=prefixes)
    return output.getvalue()


def tricky_store() -> ox.Store:
    """Statements repeated across graphs and the default graph, literals with tabs, quotes, newlines, non-ASCII
    text and datatypes, blank nodes, and subjects that are prefixes of one another."""
    store = ox.Store()
    objects = [ox.Literal("tab\there"), ox.Literal('quote " and \\ backslash'), ox.Literal("new\nline"),
               ox.Literal("Umeå", language="sv"), ox.Literal("12.50", datatype=ox.NamedNode(
                   "http://www.w3.org/2001/XMLSchema#decimal")), ox.NamedNode(EX + "o"), ox.BlankNode("b1"),
               ox.Literal("2023-09", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYearMonth"))]
    quads = []
    for i in range(600):
        subject = ox.NamedNode(f"{EX}s{i % 37}" + ("x" * (i % 3)))
        predicate = ox.NamedNode(f"{EX}p{i % 5}")
        for graph in (ox.NamedNode(f"{EX}g{i % 7}"), ox.NamedNode(f"{EX}g{(i + 3) % 7}"), ox.DefaultGraph()):
            quads.append(ox.Quad(subject, predicate, objects[i % len(objects)], graph))
        quads.append(ox.Quad(subject, predicate, ox.Literal(f"value {i}"), ox.NamedNode(f"{EX}g{i % 7}")))
    store.extend(quads)
    export.derive_union(store)
    return store


@pytest.mark.parametrize("name", ["ntriples", "turtle", "rdfxml", "nquads", "trig", "jsonld"])
@pytest.mark.parametrize("chunk", [200, 1 << 20])  # many small sorted runs merged, and one run in memory
def test_dump_bytes_as_before(monkeypatch, name, chunk):
    store = tricky_store()
    monkeypatch.setattr(export, "SORT_CHUNK", chunk)
    monkeypatch.setattr(export, "MERGED_CHUNK", 7)
    output = io.BytesIO()
    export.write(store, name, output)
    assert len(output.getvalue()) > 1000
    assert hashlib.sha256(output.getvalue()).hexdigest() == hashlib.sha256(former_dump(store, name)).hexdigest()


@pytest.mark.parametrize("name", ["ntriples", "turtle"])
def test_one_graph_as_before(monkeypatch, name):
    store = tricky_store()
    monkeypatch.setattr(export, "SORT_CHUNK", 200)
    output = io.BytesIO()
    export.write(store, name, output, graph=EX + "g3")
    expected = in_memory_lines(store, [ox.NamedNode(EX + "g3")])
    if name == "turtle":
        expected = ox.serialize(ox.parse(expected, format=ox.RdfFormat.N_TRIPLES), None, ox.RdfFormat.TURTLE,
                                prefixes=PREFIXES)
    assert output.getvalue() == expected


def test_union_holds_every_statement_once(monkeypatch):
    monkeypatch.setattr(export, "LOAD_PART", 500)  # loaded in many parts
    store = tricky_store()
    union = ox.NamedNode(UNION_GRAPH)
    expected = {(q.subject, q.predicate, q.object) for q in store if q.graph_name != union}
    held = [(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None, union)]
    assert len(held) == len(set(held)) == len(expected)
    # Blank nodes are relabelled by the load that derives the union graph; every other term is kept.
    assert {t for t in held if not isinstance(t[2], ox.BlankNode)} == \
        {t for t in expected if not isinstance(t[2], ox.BlankNode)}
    # ... and the one blank node of all graphs stays one node, though the union is loaded in parts
    assert len({t[2] for t in held if isinstance(t[2], ox.BlankNode)}) == 1
    export.derive_union(store)  # derived again: the same graph, not twice
    assert len(list(store.quads_for_pattern(None, None, None, union))) == len(expected)


def test_all_formats_at_once_as_one_by_one(monkeypatch):
    """A release's dumps are written in one pass over its graphs, with the bytes of each format written alone."""
    store = tricky_store()
    monkeypatch.setattr(export, "SORT_CHUNK", 200)
    outputs = {name: io.BytesIO() for name in export.DUMP_FORMATS.values()}
    export.write_all(store, outputs)
    for name, output in outputs.items():
        assert output.getvalue() == former_dump(store, name), name


def loaders_text() -> bytes:
    """N-Quads as the loaders write them (loaders/quads.py, rdflib's way), with what Oxigraph writes differently: a
    raw tab, an explicit xsd:string, an upper-case language tag; statements repeated across graphs, graph names
    that are prefixes of one another, subjects likewise."""
    from rdflib import Literal, URIRef
    from rdflib.namespace import XSD

    from loaders import Quads

    objects = [Literal("tab\there"), Literal('quote " and \\ backslash'), Literal("new\nline\r"),
               Literal("Umeå", lang="sv"), Literal("Grand Est", lang="FR-be"), Literal("12.50", datatype=XSD.decimal),
               Literal("plain", datatype=XSD.string), URIRef(EX + "o"), Literal("x <y> z ."),
               Literal("2023-09", datatype=XSD.gYearMonth), Literal("+0012", datatype=XSD.integer, normalize=False),
               Literal("2024-05-01T10:00:00.000+00:00", datatype=XSD.dateTime), Literal("1", datatype=XSD.boolean),
               Literal("not a number", datatype=XSD.decimal)]
    quads = Quads()
    for i in range(600):
        subject = URIRef(f"{EX}s{i % 37}" + ("x" * (i % 3)))
        predicate = URIRef(f"{EX}p{i % 5}")
        for graph in (URIRef(f"{EX}g{i % 7}"), URIRef(f"{EX}g{(i + 3) % 7}/more")):
            quads.add((subject, predicate, objects[i % len(objects)], graph))
        quads.add((subject, predicate, Literal(f"value {i}"), URIRef(f"{EX}g{i % 7}")))
    quads.add((URIRef(EX + "s1"), URIRef(EX + "p1"), Literal("plain"), URIRef(EX + "g1")))  # = the xsd:string one
    return "".join(line + " .\n" for line in sorted(quads.lines())).encode()


@pytest.mark.parametrize("chunk", [200, 1 << 20])
def test_dumps_from_text_as_from_store(monkeypatch, chunk):
    """A build writes its dumps from the text it loads (export.TextDumps): the bytes of every format are those
    written from a store holding that text."""
    text = loaders_text()
    monkeypatch.setattr(export, "SORT_CHUNK", chunk)
    store = ox.Store()
    store.bulk_load(text, ox.RdfFormat.N_QUADS)
    export.derive_union(store)
    from_store = {name: io.BytesIO() for name in export.DUMP_FORMATS.values()}
    export.write_all(store, from_store)
    dumps = export.TextDumps()
    lines = text.splitlines(keepends=True)
    for start in range(0, len(lines), 250):  # in parts, as a build adds them
        dumps.add(b"".join(lines[start:start + 250]))
    from_text = {name: io.BytesIO() for name in export.DUMP_FORMATS.values()}
    dumps.write(from_text)
    assert b"\\t" in from_store["ntriples"].getvalue() and b"@fr-be" in from_store["nquads"].getvalue()
    for name, output in from_store.items():
        assert len(output.getvalue()) > 1000
        assert from_text[name].getvalue() == output.getvalue(), name
