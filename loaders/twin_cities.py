"""twin_cities.csv: each twin city's participation in a twinning cohort and the pilot it is paired with."""
import re
from pathlib import Path

from rdflib import Literal
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from .derived import derivation_graph
from .known import Known
from .quads import Quads
from .sources import add_facts, describe_source
from .table import read_table
from .terms import TW, cohort_iri, entity_iri

HEADER = ["twin_city_id", "twin_city", "twin_city_official_name", "country_iso2", "cohort", "cohort_year",
          "paired_pilot", "paired_pilot_id", "paired_pilot_lead_cities", "paired_pilot_lead_city_ids",
          "source_url", "notes"]
COHORTS = {"1", "2", "3"}
# Notes that say the cohort is inferred ("cohort inferred", "cohort 1 is inferred"); no source states that cohort.
INFERRED_COHORT = re.compile(r"\bcohort (?:[0-9] )?(?:is )?inferred\b", re.IGNORECASE)


def load(path: Path, known: Known) -> Quads:
    """One tw:Twin per row (IRI from the twin city's id), in the graph of its main source. Raises DataError."""
    table = read_table(path, HEADER)
    table.unique("twin_city_id")
    dataset = Quads()
    for row in table:
        city_id = row.ref("twin_city_id", known.cities, "city")
        name = row.text("twin_city", required=True)
        official_name = row.text("twin_city_official_name")
        row.text("country_iso2", required=True)
        cohort = row.choice("cohort", COHORTS, required=False)
        year = row.integer("cohort_year", minimum=2020)
        pilot_name = row.text("paired_pilot")
        pilot_id = row.ref("paired_pilot_id", known.pilots, "pilot", required=False)
        # A twin learns from a pilot of its own cohort or an earlier one (data/README.md, "Pairing").
        if pilot_id and cohort and known.pilots[pilot_id].isdigit() and int(known.pilots[pilot_id]) > int(cohort):
            row.fail("paired_pilot_id", f"pilot {pilot_id!r} is of pilot cohort {known.pilots[pilot_id]}, "
                                        f"later than twinning cohort {cohort}")
        pilot_city_ids = row.refs("paired_pilot_lead_city_ids", known.cities, "city")
        urls = row.urls("source_url", known.sources)
        notes = row.text("notes")
        if None in (city_id, name) or not urls:
            continue

        twin = entity_iri("twin", city_id)
        city = entity_iri("city", city_id)
        graph = describe_source(dataset, urls[0])
        label = f"{name}, twin city of cohort {cohort}" if cohort else f"{name}, twin city (cohort unknown)"
        facts = [
            (twin, RDF.type, TW.Twin),
            (twin, RDFS.label, Literal(label, lang="en")),
            (twin, TW.twinCity, city),
            (city, RDF.type, TW.City),
        ]
        if cohort and notes and INFERRED_COHORT.search(notes):
            # An inferred cohort is not a published fact: it goes in a derivation graph of its own.
            inferred = derivation_graph(dataset, f"inferred-cohorts/{city_id}", set(urls))
            dataset.add((twin, TW.cohort, cohort_iri("twinning", int(cohort)), inferred))
        elif cohort:
            facts.append((twin, TW.cohort, cohort_iri("twinning", int(cohort))))
        if year is not None:
            facts.append((twin, TW.selectionYear, Literal(str(year), datatype=XSD.gYear)))
        if pilot_name:
            facts.append((twin, TW.pairedPilotName, Literal(pilot_name)))
        if pilot_id:
            facts.append((twin, TW.pairedWith, entity_iri("pilot", pilot_id)))
        facts += [(twin, TW.pairedPilotCity, entity_iri("city", c)) for c in pilot_city_ids]
        if official_name:
            facts.append((city, TW.officialName, Literal(official_name)))
        if notes:
            facts.append((twin, SKOS.editorialNote, Literal(notes, lang="en")))
        add_facts(dataset, facts, graph)
    table.check()
    return dataset
