"""The IRIs of the knowledge graph that every layer names: the base, the instance space, the ontology, the prefixes
of readable Turtle, and the internal names the store keeps for itself. Plain strings: no RDF library needed."""

BASE = "https://w3id.org/nzc-twinning/"
ID = BASE + "id/"  # instances: ID + class segment + "/" + a stable id of the data files
ONTOLOGY = BASE + "ontology"  # the ontology's IRI, and the name of the graph that holds it
TW = ONTOLOGY + "#"  # the ontology's terms
INTERNAL = "urn:x-twinning:"  # graphs the store derives or keeps for itself, never a graph of the data
UNION_GRAPH = INTERNAL + "union"  # every statement of a release once: its union default graph


def entity_iri(kind: str, stable_id: str) -> str:
    """The IRI of an instance from its class segment and stable id.

    >>> entity_iri("city", "lund")
    'https://w3id.org/nzc-twinning/id/city/lund'
    """
    return f"{ID}{kind}/{stable_id}"


# Prefixes for readable Turtle and TriG, and for compact names on the pages.
PREFIXES = {
    "tw": TW,
    "city": ID + "city/",
    "pilot": ID + "pilot/",
    "twin": ID + "twin/",
    "cohort": ID + "cohort/",
    "source": ID + "source/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
    "org": "http://www.w3.org/ns/org#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "geo": "http://www.opengis.net/ont/geosparql#",
    "wgs": "http://www.w3.org/2003/01/geo/wgs84_pos#",
    "country": "http://publications.europa.eu/resource/authority/country/",
}
