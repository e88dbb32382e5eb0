"""pilots.csv: the pilot activities of the Pilot Cities Programme and the cities that lead them."""
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import FOAF, RDF, RDFS, SKOS, XSD

from .known import Known
from .quads import Quads
from .sources import add_facts, describe_source
from .table import read_table
from .terms import TW, cohort_iri, entity_iri

HEADER = ["pilot_id", "pilot_name", "acronym", "lead_cities", "lead_city_ids", "country_iso2", "cohort",
          "cohort_year", "domains", "source_url", "notes"]
COHORTS = {"1", "2", "3"}
DOMAINS = {"energy", "buildings", "mobility-transport", "waste", "industry"}


def load(path: Path, known: Known) -> Quads:
    """One tw:Pilot per row, in the graph of its main source. Raises DataError."""
    table = read_table(path, HEADER)
    table.unique("pilot_id")
    dataset = Quads()
    for row in table:
        pilot_id = row.slug("pilot_id")
        name = row.text("pilot_name")
        acronym = row.text("acronym")
        lead_names = (row.text("lead_cities") or "").split(";")
        lead_ids = row.refs("lead_city_ids", known.cities, "city")
        if lead_ids and len(lead_ids) != len(lead_names):
            row.fail("lead_city_ids", f"names {len(lead_ids)} cities but lead_cities names {len(lead_names)}")
        row.text("country_iso2")
        cohort = row.choice("cohort", COHORTS)
        year = row.integer("cohort_year", required=True, minimum=2020)
        domains = row.slugs("domains")
        for domain in domains:
            if domain not in DOMAINS:
                row.fail("domains", f"{domain!r} is not one of {', '.join(sorted(DOMAINS))}")
        urls = row.urls("source_url", known.sources)
        notes = row.text("notes")
        if None in (pilot_id, cohort) or not urls:
            continue

        pilot = entity_iri("pilot", pilot_id)
        graph = describe_source(dataset, urls[0])
        label = name or acronym or f"Pilot of {', '.join(n for n in lead_names if n) or 'unnamed cities'}"
        facts = [
            (pilot, RDF.type, TW.Pilot),
            (pilot, RDFS.label, Literal(label, lang="en")),
            (pilot, TW.cohort, cohort_iri("pilot", int(cohort))),
        ]
        if acronym:
            facts.append((pilot, TW.acronym, Literal(acronym)))
        if year is not None:
            facts.append((pilot, TW.selectionYear, Literal(str(year), datatype=XSD.gYear)))
        facts += [(pilot, TW.ledBy, entity_iri("city", city_id)) for city_id in lead_ids]
        facts += [(pilot, TW.emissionDomain, Literal(domain)) for domain in domains if domain in DOMAINS]
        facts += [(pilot, FOAF.page, URIRef(url)) for url in urls]  # the public pages about the pilot
        if notes:
            facts.append((pilot, SKOS.editorialNote, Literal(notes, lang="en")))
        add_facts(dataset, facts, graph)
    table.check()
    return dataset
