"""The ontology file: header, every term labelled and defined, the DESIGN.md contract, and the Python namespace."""
import re

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from loaders.terms import ONTOLOGY, TW

from .conftest import ONTOLOGY as ONTOLOGY_FILE
from .conftest import SHAPES, SHARED

NS = "https://w3id.org/nzc-twinning/ontology#"
VANN = "http://purl.org/vocab/vann/"
CONTRACT = ["City", "Mission", "Programme", "Cohort", "Pilot", "Twin", "ExchangeActivity", "ReplicationPlan",
            "country", "missionCityOf", "ledBy", "cohort", "programme", "twinCity", "pairedWith", "replicationPlan",
            "cohortNumber", "startDate", "duration", "announcedSize", "missionLabelYear"]


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


def defined_terms(graph: Graph) -> set[URIRef]:
    return {s for s in graph.subjects(RDFS.isDefinedBy, ONTOLOGY) if str(s).startswith(NS)}


def test_header(ontology):
    for predicate in (DCTERMS.title, DCTERMS.description, OWL.versionIRI, OWL.versionInfo, DCTERMS.modified,
                      DCTERMS.license, URIRef(VANN + "preferredNamespacePrefix")):
        assert ontology.value(ONTOLOGY, predicate) is not None, predicate
    assert (ONTOLOGY, RDF.type, OWL.Ontology) in ontology


def test_every_term_labelled_and_defined(ontology):
    for term in defined_terms(ontology) | {s for s in ontology.subjects() if str(s).startswith(NS)}:
        labels = [o for o in ontology.objects(term, RDFS.label) if o.language == "en"]
        assert labels, f"{term} has no English label"
        assert ontology.value(term, SKOS.definition) is not None, f"{term} has no definition"
        assert ontology.value(term, RDFS.isDefinedBy) == ONTOLOGY, f"{term} has no rdfs:isDefinedBy"


def test_contract_terms_present(ontology):
    names = CONTRACT
    design = SHARED / "DESIGN.md"
    if design.exists():  # the contract as DESIGN.md states it today
        names = sorted(set(re.findall(r"`tw:([A-Za-z]+)`", design.read_text())))
    for name in names:
        term = URIRef(NS + name)
        assert (term, RDF.type, OWL.Class) in ontology or (term, RDF.type, OWL.ObjectProperty) in ontology or \
            (term, RDF.type, OWL.DatatypeProperty) in ontology, name


def test_python_namespace_matches_ontology(ontology):
    python_terms = {URIRef(NS + name) for name in TW.__annotations__}
    assert python_terms == {s for s in ontology.subjects() if str(s).startswith(NS)}


def test_python_namespace_rejects_typos():
    with pytest.raises(AttributeError):
        TW.twincity  # noqa: B018


@pytest.mark.parametrize("vocabulary", ["https://schema.org/", "http://www.w3.org/ns/org#",
                                        "http://www.w3.org/ns/prov#", "http://purl.org/dc/terms/",
                                        "http://www.w3.org/2004/02/skos/core#",
                                        "http://www.opengis.net/ont/geosparql#"])
def test_aligned_with_vocabulary(ontology, vocabulary):
    parents = set(ontology.objects(None, RDFS.subClassOf)) | set(ontology.objects(None, RDFS.subPropertyOf))
    assert any(str(parent).startswith(vocabulary) for parent in parents)


def test_shapes_target_every_class(ontology):
    shapes = Graph().parse(SHAPES, format="turtle")
    targets = set(shapes.objects(None, URIRef("http://www.w3.org/ns/shacl#targetClass")))
    classes = set(ontology.subjects(RDF.type, OWL.Class))
    assert classes and classes <= targets, classes - targets
