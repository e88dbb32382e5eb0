"""cities.csv: one node per real city, with labels, country, coordinates and links to GeoNames and Wikidata.

A city's facts are in the graph of its GeoNames record, the citation of its coordinates; cities without a GeoNames
match are in the graph of this project's curated city table.
"""
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from .quads import Quads
from .sources import add_facts, describe_source
from .table import read_table
from .terms import BASE, COUNTRY, GEO, GEONAMES, TW, WGS, entity_iri

HEADER = ["city_id", "name_en", "name_local", "country_iso2", "latitude", "longitude", "geonames_id",
          "wikidata_id", "notes"]

CURATED_CITIES = BASE + "data/cities.csv"

# ISO 3166-1 alpha-2 -> (EU country authority code, language of local names). The authority table uses alpha-3.
COUNTRIES = {
    "AL": ("ALB", "sq"), "AT": ("AUT", "de"), "BA": ("BIH", "bs"), "BE": ("BEL", "nl"), "BG": ("BGR", "bg"),
    "CY": ("CYP", "el"), "CZ": ("CZE", "cs"), "DE": ("DEU", "de"), "DK": ("DNK", "da"), "EE": ("EST", "et"),
    "ES": ("ESP", "es"), "FI": ("FIN", "fi"), "FR": ("FRA", "fr"), "GB": ("GBR", "en"), "GR": ("GRC", "el"),
    "HR": ("HRV", "hr"), "HU": ("HUN", "hu"), "IE": ("IRL", "en"), "IL": ("ISR", "he"), "IS": ("ISL", "is"),
    "IT": ("ITA", "it"), "LT": ("LTU", "lt"), "LU": ("LUX", "fr"), "LV": ("LVA", "lv"), "ME": ("MNE", "cnr"),
    "MK": ("MKD", "mk"), "MT": ("MLT", "en"), "NL": ("NLD", "nl"), "NO": ("NOR", "no"), "PL": ("POL", "pl"),
    "PT": ("PRT", "pt"), "RO": ("ROU", "ro"), "RS": ("SRB", "sr"), "SE": ("SWE", "sv"), "SI": ("SVN", "sl"),
    "SK": ("SVK", "sk"), "TR": ("TUR", "tr"), "UA": ("UKR", "uk"), "MD": ("MDA", "ro"), "GE": ("GEO", "ka"),
    "AM": ("ARM", "hy"), "TN": ("TUN", "ar"), "FO": ("FRO", "fo"), "CH": ("CHE", "de"), "XK": ("XKX", "sq"),
}
# Cities whose local name is in another official language than the country's first (data/README.md).
LOCAL_LANGUAGE = {
    "bruxelles": "fr", "la-louviere": "fr", "liege": "fr", "charleroi": "fr",
    "valencia": "ca", "sant-boi-de-llobregat": "ca", "esplugues-de-llobregat": "ca", "girona": "ca",
    "jakobstad": "sv",
}


def country_iri(iso2: str) -> URIRef:
    return COUNTRY[COUNTRIES[iso2][0]]


def local_language(city_id: str, iso2: str) -> str:
    return LOCAL_LANGUAGE.get(city_id) or COUNTRIES[iso2][1]


def load(path: Path) -> Quads:
    """One tw:City per row, in the graph of its GeoNames record. Raises DataError."""
    table = read_table(path, HEADER)
    table.unique("city_id")
    dataset = Quads()
    for row in table:
        city_id = row.slug("city_id")
        name_en = row.text("name_en", required=True)
        name_local = row.text("name_local", required=True)
        iso2 = row.choice("country_iso2", COUNTRIES)
        latitude = row.decimal("latitude", -90, 90)
        longitude = row.decimal("longitude", -180, 180)
        if (latitude is None) != (longitude is None):
            row.fail("longitude" if latitude is not None else "latitude", "coordinates need both latitude and longitude")
        geonames_id = row.integer("geonames_id", minimum=1)
        if row.text("wikidata_id") is not None:
            # A link needs the page that confirms it: wikidata_links.csv has a source column, this file has not.
            row.fail("wikidata_id", "record Wikidata items in wikidata_links.csv, with the page that confirms them")
        notes = row.text("notes")
        if None in (city_id, name_en, name_local, iso2):
            continue

        city = entity_iri("city", city_id)
        source = f"{GEONAMES}{geonames_id}/" if geonames_id else CURATED_CITIES
        graph = describe_source(dataset, source)
        language = local_language(city_id, iso2)
        facts = [
            (city, RDF.type, TW.City),
            (city, RDFS.label, Literal(name_en, lang="en")),
            (city, RDFS.label, Literal(name_local, lang=language)),
            (city, TW.localName, Literal(name_local, lang=language)),
            (city, TW.country, country_iri(iso2)),
        ]
        if geonames_id:
            facts.append((city, SKOS.exactMatch, URIRef(source)))
        if latitude is not None and longitude is not None:
            point = entity_iri("city", f"{city_id}/point")
            facts += [
                (city, WGS.lat, Literal(latitude, datatype=XSD.decimal)),
                (city, WGS.long, Literal(longitude, datatype=XSD.decimal)),
                (city, GEO.hasGeometry, point),
                (point, RDF.type, GEO.Geometry),
                (point, GEO.asWKT, Literal(f"POINT({longitude} {latitude})", datatype=GEO.wktLiteral)),
            ]
        if notes:
            facts.append((city, SKOS.editorialNote, Literal(notes, lang="en")))
        add_facts(dataset, facts, graph)
    table.check()
    return dataset
