"""Result and RDF serialization formats: their names, media types and pyoxigraph counterparts.

The first entry of each table is the default when a client accepts anything.
"""
import pyoxigraph as ox

# name -> (media type, other media types that mean the same, pyoxigraph format)
RESULT_FORMATS = {
    "json": ("application/sparql-results+json", ("application/json",), ox.QueryResultsFormat.JSON),
    "xml": ("application/sparql-results+xml", ("application/xml", "text/xml"), ox.QueryResultsFormat.XML),
    "csv": ("text/csv", (), ox.QueryResultsFormat.CSV),
    "tsv": ("text/tab-separated-values", (), ox.QueryResultsFormat.TSV),
}
GRAPH_FORMATS = {
    "turtle": ("text/turtle", ("application/x-turtle",), ox.RdfFormat.TURTLE),
    "ntriples": ("application/n-triples", ("text/plain",), ox.RdfFormat.N_TRIPLES),
    "rdfxml": ("application/rdf+xml", (), ox.RdfFormat.RDF_XML),
    "jsonld": ("application/ld+json", (), ox.RdfFormat.JSON_LD),
    "nquads": ("application/n-quads", (), ox.RdfFormat.N_QUADS),
    "trig": ("application/trig", (), ox.RdfFormat.TRIG),
}
# file suffix -> graph format name, for dumps and Linked Data pages
SUFFIXES = {"ttl": "turtle", "nt": "ntriples", "rdf": "rdfxml", "jsonld": "jsonld", "nq": "nquads", "trig": "trig"}


# Other names clients use for a format, in a `format` (or `output`, `results`) parameter or an Accept header, each
# meant where the answer's kind allows it: SPARQLWrapper sends its return format (json, xml, n3, rdf, rdf+xml,
# json-ld, ...) whatever the query form, and Virtuoso and Fuseki read `json` or `xml` for a graph as JSON-LD or
# RDF/XML. Turtle is N3, and JSON-LD is JSON.
ALIASES = {
    "srj": "json", "sparql-results+json": "json", "srx": "xml", "sparql-results+xml": "xml", "text/tsv": "tsv",
    "ttl": "turtle", "n3": "turtle", "text/n3": "turtle", "text/rdf+n3": "turtle",
    "nt": "ntriples", "n-triples": "ntriples", "rdf": "rdfxml", "rdf+xml": "rdfxml", "xml": "rdfxml",
    "application/xml": "rdfxml", "text/xml": "rdfxml", "json-ld": "jsonld", "json": "jsonld",
    "application/json": "jsonld", "nq": "nquads", "n-quads": "nquads",
}


def media_types(table: dict) -> list[tuple[str, str]]:
    """(media type, format name) pairs of a table, main types first so that they win ties in negotiation."""
    main = [(media, name) for name, (media, _, _) in table.items()]
    others = [(alias, name) for name, (_, others, _) in table.items() for alias in others]
    known = {media for media, _ in main + others}
    aliases = [(alias, name) for alias, name in ALIASES.items() if "/" in alias and name in table and alias not in known]
    return main + others + aliases


def iri_error(text: str) -> str | None:
    """Why `text` is not an absolute IRI, or None if it is one."""
    try:
        ox.NamedNode(text)
    except ValueError as error:
        return str(error)
    return None


def format_name(table: dict, value: str) -> str | None:
    """Resolve a format hint, given as a name (json, turtle), an alias (n3, rdf+xml) or a media type, to a format
    name of the table; None if it names none of them."""
    value = value.strip().lower()
    if value in table:
        return value
    name = dict(media_types(table)).get(value) or ALIASES.get(value)
    return name if name in table else None
