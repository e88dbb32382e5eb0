"""loaders/quads.py writes statements as rdflib's N-Quads serializer wrote them (the release digest depends on the
bytes), keeps each once, and answers the patterns the derivations ask."""
import pytest
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.namespace import RDFS, XSD

from loaders.quads import Quads

G = URIRef("https://example.org/g")
S = URIRef("https://example.org/s")
OBJECTS = [Literal('quote " backslash \\ newline \n return \r tab \t Umeå'), Literal("Lund", lang="sv"),
           Literal("12.50", datatype=XSD.decimal), Literal("2023-09", datatype=XSD.gYearMonth),
           URIRef("https://example.org/o?x=1&y=2#f"), BNode("b1"), Literal(True), Literal("plain")]


def test_lines_as_rdflib_writes_them():
    quads = Quads((S, RDFS.label, o, G) for o in OBJECTS)
    dataset = Dataset()
    for quad in quads:
        dataset.add(quad)
    expected = sorted(line for line in dataset.serialize(format="nquads").splitlines() if line.strip())
    assert sorted(line + " ." for line in quads.lines()) == expected


def test_each_statement_once_and_patterns():
    quads = Quads()
    for _ in range(2):
        quads.add((S, RDFS.label, Literal("x", lang="en"), G))
    quads.add((S, RDFS.comment, Literal("y"), G))
    quads.add((URIRef("https://example.org/t"), RDFS.label, Literal("z", lang="en"), G))
    assert len(quads) == 3
    assert [q[2] for q in quads.quads((S, RDFS.label, None, None))] == [Literal("x", lang="en")]
    assert len(list(quads.quads((None, RDFS.label, None, G)))) == 2
    quads.add((S, RDFS.label, Literal("w", lang="de"), G))  # an index built before is not stale after an add
    assert len(list(quads.quads((S, RDFS.label, None, None)))) == 2


def test_update_from_a_dataset_and_drain():
    dataset = Dataset()
    dataset.add((S, RDFS.label, Literal("x", lang="en"), G))
    quads = Quads()
    quads.update(dataset)
    assert list(quads.lines(drain=True)) == [('<https://example.org/s> <http://www.w3.org/2000/01/rdf-schema#label> '
                                             '"x"@en <https://example.org/g>')]
    assert len(quads) == 0


def test_an_iri_nquads_cannot_hold_is_refused():
    with pytest.raises(ValueError, match="cannot be written as an IRI"):
        Quads().add((S, RDFS.seeAlso, URIRef("https://example.org/a b"), G))
