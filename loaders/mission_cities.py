"""mission_cities.csv: the 112 Mission City entries, their selection and their EU Mission Label."""
from pathlib import Path

from rdflib import Literal
from rdflib.namespace import RDF, SKOS, XSD

from .known import Known
from .quads import Quads
from .sources import add_facts, describe_source
from .table import read_table
from .terms import MISSION, TW, entity_iri

HEADER = ["city_id", "city", "official_name", "country_iso2", "selected_date", "eu_member", "mission_label_year",
          "source_url", "notes"]


def load(path: Path, known: Known) -> Quads:
    """Each city of an entry becomes a Mission City, in the graph of the entry's main source. Raises DataError."""
    table = read_table(path, HEADER)
    table.unique("city_id")
    dataset = Quads()
    for row in table:
        city_ids = row.refs("city_id", known.cities, "city", required=True)
        row.text("city", required=True)
        official_name = row.text("official_name")
        selected = row.date("selected_date", required=True)
        eu_member = row.choice("eu_member", {"yes", "no"})
        label_year = row.integer("mission_label_year", minimum=2020)
        urls = row.urls("source_url", known.sources)
        notes = row.text("notes")
        if not city_ids or not urls:
            continue
        graph = describe_source(dataset, urls[0])
        for city_id in city_ids:
            city = entity_iri("city", city_id)
            facts = [(city, RDF.type, TW.City), (city, TW.missionCityOf, MISSION)]
            if selected is not None:
                facts.append((city, TW.selectedDate, selected))
            if eu_member is not None:
                facts.append((city, TW.euMember, Literal(eu_member == "yes")))
            if label_year is not None:
                facts.append((city, TW.missionLabelYear, Literal(str(label_year), datatype=XSD.gYear)))
            if official_name and len(city_ids) == 1:
                facts.append((city, TW.officialName, Literal(official_name)))
            if notes:
                facts.append((city, SKOS.editorialNote, Literal(notes, lang="en")))
            add_facts(dataset, facts, graph)
    table.check()
    return dataset
