"""wikidata_links.csv: a city's Wikidata item, in the graph of the public page or file that confirms it."""
import re
from pathlib import Path

from rdflib import URIRef
from rdflib.namespace import SKOS

from .known import Known
from .quads import Quads
from .sources import describe_source
from .table import read_table
from .terms import entity_iri

HEADER = ["city_id", "wikidata_id", "source_url", "notes"]
WIKIDATA = "http://www.wikidata.org/entity/"


def load(path: Path, known: Known) -> Quads:
    """One skos:exactMatch per row, in the graph of the page that confirms it. Raises DataError."""
    table = read_table(path, HEADER)
    table.unique("city_id")
    table.unique("wikidata_id")
    dataset = Quads()
    for row in table:
        city_id = row.ref("city_id", known.cities, "city")
        item = row.text("wikidata_id", required=True)
        if item is not None and not re.fullmatch(r"Q[1-9][0-9]*", item):
            row.fail("wikidata_id", f"{item!r} is not a Wikidata item id (Q followed by digits)")
            item = None
        urls = row.urls("source_url", known.sources)
        if city_id and item and urls:
            graph = describe_source(dataset, urls[0])
            dataset.add((entity_iri("city", city_id), SKOS.exactMatch, URIRef(WIKIDATA + item), graph))
    table.check()
    return dataset
