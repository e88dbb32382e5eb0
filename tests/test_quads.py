"""loaders/quads.py writes statements as rdflib's N-Quads serializer wrote them (the release digest depends on the
bytes), keeps each once, and answers the patterns the derivations ask."""
import shutil

import pytest
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.namespace import RDFS, XSD

from loaders import DataError, load_all
from loaders.quads import Quads

from .test_loaders import MINI

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


def test_update_and_drain():
    quads = Quads()
    quads.update(Quads([(S, RDFS.label, Literal("x", lang="en"), G)]))
    assert list(quads.lines(drain=True)) == [('<https://example.org/s> <http://www.w3.org/2000/01/rdf-schema#label> '
                                             '"x"@en <https://example.org/g>')]
    assert len(quads) == 0


@pytest.mark.parametrize("character", ["\x1b", "|", '"', "{"])
def test_a_url_nquads_cannot_hold_is_a_row_error(tmp_path, character):
    """Such a URL would fail the store's bulk load; the loader names its file and line instead."""
    for path in MINI.glob("*.csv"):
        shutil.copy(path, tmp_path / path.name)
    sources = tmp_path / "sources.csv"
    text = sources.read_text(encoding="utf-8")
    sources.write_text(text.replace("\nhttps://", "\nhttps://" + character, 1), encoding="utf-8", newline="")
    with pytest.raises(DataError) as caught:
        load_all(tmp_path)
    assert any(e.path.name == "sources.csv" and e.line == 2 and e.column == "source_url" and
               "is not an http(s) URL" in e.message for e in caught.value.errors)


def test_terms_read_back_from_the_lines():
    """Quads keeps only the lines; the terms it yields are read back from them, equal to those added."""
    added = [(S, RDFS.label, o, G) for o in OBJECTS]
    quads = Quads(added)
    assert sorted(quads) == sorted(added)
    assert [type(term) for quad in sorted(quads) for term in quad] == \
        [type(term) for quad in sorted(added) for term in quad]
    assert [q[2] for q in quads.quads((S, RDFS.label, None, G))] == OBJECTS
