"""sources.csv: the documents every fact comes from.

Each source gets its own named graph: the graph says which document it was derived from, and holds the
document's description (title, publisher, date, language) next to the facts the other loaders put there.
"""
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, XSD

from .quads import Quads
from .table import read_table
from .terms import TW, source_graph

HEADER = ["source_url", "title", "publisher", "published_date", "language"]


def describe_source(dataset: Quads, url: str) -> URIRef:
    """Add the provenance link of a source's graph and return the graph's IRI."""
    graph = source_graph(url)
    dataset.add((graph, PROV.wasDerivedFrom, URIRef(url), graph))
    return graph


def add_facts(dataset: Quads, facts: list[tuple], graph: URIRef) -> None:
    """Put (subject, predicate, object) facts into a source's graph."""
    for fact in facts:
        dataset.add((*fact, graph))


def load(path: Path) -> Quads:
    """Describe every source document in its own graph. Raises DataError."""
    table = read_table(path, HEADER)
    table.unique("source_url")
    dataset = Quads()
    for row in table:
        urls = row.urls("source_url", known=_AnyUrl())
        language = row.text("language", required=True)
        if language is not None and not (len(language) == 2 and language.isalpha() and language.islower()):
            row.fail("language", f"{language!r} is not an ISO 639-1 code")
            language = None
        title = row.text("title")
        publisher = row.text("publisher")
        published = row.date("published_date")
        if not urls:
            continue
        url = urls[0]
        if len(urls) > 1:
            row.fail("source_url", "holds more than one URL")
        graph = describe_source(dataset, url)
        document = URIRef(url)
        facts = [(document, RDF.type, TW.SourceDocument)]
        if title:
            facts.append((document, DCTERMS.title, Literal(title, lang=language)))
        if publisher:
            facts.append((document, DCTERMS.publisher, Literal(publisher)))
        if published is not None:
            facts.append((document, DCTERMS.issued, published))
        if language:
            facts.append((document, DCTERMS.language, Literal(language, datatype=XSD.language)))
        add_facts(dataset, facts, graph)
    table.check()
    return dataset


class _AnyUrl:
    """sources.csv defines the known URLs, so any well-formed URL is known here."""

    def __contains__(self, url: str) -> bool:
        return True
