"""Dataset metadata: statistics computed at build time, and the VoID and DCAT-AP 3 descriptions built from them.

The descriptions are rdflib graphs made per request, because their URLs depend on where the server is hosted.
"""
import calendar
import datetime
import hashlib
import re

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, PROV, RDF, RDFS, SKOS, XSD

from nzc_twinning.namespaces import ID, ONTOLOGY, TW, UNION_GRAPH, entity_iri

from .formats import GRAPH_FORMATS, SUFFIXES

VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")  # open: rdflib's closed DCAT lacks DCAT 3 terms such as dcat:version
SPDX = Namespace("http://spdx.org/rdf/terms#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
EU = "http://publications.europa.eu/resource/authority/"
LINK_TARGETS = {
    "wikidata": ("http://www.wikidata.org/entity/", "http://www.w3.org/2004/02/skos/core#exactMatch"),
    "geonames": ("https://sws.geonames.org/", "http://www.w3.org/2004/02/skos/core#exactMatch"),
    "eu-country": (EU + "country/", TW + "country"),
}
LICENCE = "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"
# English labels of the EU authority table entries the catalogue uses
EU_LABELS = {"CC_BY_4_0": "Creative Commons Attribution 4.0 International", "ENG": "English",
             "ENVI": "Environment", "RDF_TURTLE": "RDF Turtle", "RDF_N_TRIPLES": "RDF N-Triples",
             "RDF_N_QUADS": "RDF N-Quads", "RDF_TRIG": "RDF TriG", "JSON_LD": "JSON-LD", "STABLE": "stable",
             "PUBLIC": "public", "SPARQLQRES": "SPARQL results"}
DCATAP = Namespace("http://data.europa.eu/r5r/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
GSP = Namespace("http://www.opengis.net/ont/geosparql#")
PROJECT_AGENT = entity_iri("agent", "project")
KEYWORDS = ("climate neutrality", "cities", "twinning", "NetZeroCities", "EU missions")
# dump suffix -> EU file-type authority code (what DCAT-AP wants as dct:format)
FILE_TYPES = {"ttl": "RDF_TURTLE", "nt": "RDF_N_TRIPLES", "nq": "RDF_N_QUADS", "trig": "RDF_TRIG",
              "jsonld": "JSON_LD"}
DATASET = entity_iri("dataset", "twinning")
# The DCAT-AP 3.0.1 vocabulary shape wants the algorithm under https://spdx.org/rdf/terms (not the http namespace).
SHA256 = URIRef("https://spdx.org/rdf/terms#checksumAlgorithm_sha256")


def _union(store: ox.Store, query: str):
    """A query over the release's union graph (export.UNION_GRAPH), each statement once."""
    return store.query(query, default_graph=[ox.NamedNode(UNION_GRAPH)])


def _count(store: ox.Store, query: str) -> int:
    return int(next(iter(_union(store, query)))["n"].value)


def statistics(store: ox.Store) -> dict:
    """VoID figures of a freshly built store: sizes, class and property partitions, link counts."""
    stats = {
        "triples": _count(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"),
        # The distinct subjects first, then the test: the filter on every statement took 2.4 times as long.
        "entities": _count(store, "SELECT (SUM(IF(isIRI(?s), 1, 0)) AS ?n) WHERE { SELECT DISTINCT ?s WHERE { ?s ?p ?o } }"),
        "distinctSubjects": _count(store, "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }"),
        "distinctObjects": _count(store, "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }"),
        "properties": {}, "classes": {}, "links": {},
    }
    for row in _union(store, "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p"):
        stats["properties"][row["p"].value] = int(row["n"].value)
    for row in _union(store, "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c"):
        stats["classes"][row["c"].value] = int(row["n"].value)
    for name, (prefix, predicate) in LINK_TARGETS.items():
        stats["links"][name] = _count(store, f"""SELECT (COUNT(*) AS ?n) WHERE {{
            SELECT DISTINCT ?s ?o WHERE {{ ?s <{predicate}> ?o FILTER(STRSTARTS(STR(?o), "{prefix}")) }} }}""")
    stats["coverage"] = coverage(store)
    return stats


WGS = "http://www.w3.org/2003/01/geo/wgs84_pos#"


def coverage(store: ox.Store) -> dict:
    """The time and place the data cover, for the catalogue record: the span of the programmes' cohorts (earliest
    start to latest end, each date widened to the whole year or month it names) and the extent of the cities'
    coordinates with their countries. Keys are left out when the graph holds nothing to compute them from."""
    found = {}
    dates = {"start": [], "end": []}
    for row in _union(store, f"""SELECT DISTINCT ?p ?d WHERE {{
            ?c a <{TW}Cohort> ; ?p ?d FILTER(?p IN (<{TW}startDate>, <{TW}endDate>)) }}"""):
        dates["start" if row["p"].value.endswith("startDate") else "end"].append(row["d"].value)
    bounds = [date_bounds(value) for value in dates["start"] + dates["end"]]
    if bounds:
        found["start"] = min(low for low, _ in bounds).isoformat()
        found["end"] = max(high for _, high in bounds).isoformat()
    extent = next(iter(_union(store, f"""SELECT (COUNT(DISTINCT ?c) AS ?n) (MIN(?lat) AS ?south) (MAX(?lat) AS ?north)
            (MIN(?long) AS ?west) (MAX(?long) AS ?east) WHERE {{
            ?c a <{TW}City> ; <{WGS}lat> ?lat ; <{WGS}long> ?long }}""")))
    if int(extent["n"].value):
        found["cities"] = int(extent["n"].value)
        found.update({side: float(extent[side].value) for side in ("south", "north", "west", "east")})
    found["countries"] = sorted(row["k"].value for row in _union(
        store, f"SELECT DISTINCT ?k WHERE {{ ?c a <{TW}City> ; <{TW}country> ?k }}"))
    return found


def date_bounds(value: str) -> tuple[datetime.date, datetime.date]:
    """The first and last day of an xsd:date, xsd:gYearMonth or xsd:gYear value (a time zone is ignored).

    >>> date_bounds("2023")
    (datetime.date(2023, 1, 1), datetime.date(2023, 12, 31))
    >>> date_bounds("2024-02")
    (datetime.date(2024, 2, 1), datetime.date(2024, 2, 29))
    >>> date_bounds("2024-05-01")
    (datetime.date(2024, 5, 1), datetime.date(2024, 5, 1))
    """
    year, month, day = (int(part) if part else None for part in re.match(r"(\d{4})(?:-(\d\d))?(?:-(\d\d))?", value).groups())
    if month is None:
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    if day is None:
        return datetime.date(year, month, 1), datetime.date(year, month, calendar.monthrange(year, month)[1])
    return datetime.date(year, month, day), datetime.date(year, month, day)


def void_graph(info: dict, base: str) -> Graph:
    """The VoID description of the current release."""
    stats = info["statistics"]
    graph = Graph()
    graph.bind("void", VOID)
    graph.bind("dcterms", DCTERMS)
    dataset = URIRef(DATASET)
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, DCTERMS.title, Literal("NetZeroCities twinning knowledge graph", lang="en")))
    graph.add((dataset, DCTERMS.license, URIRef(LICENCE)))
    graph.add((dataset, DCTERMS.modified, Literal(info["created"], datatype=XSD.dateTime)))
    graph.add((dataset, VOID.sparqlEndpoint, URIRef(base + "sparql")))
    graph.add((dataset, VOID.uriSpace, Literal(ID)))
    graph.add((dataset, VOID.vocabulary, URIRef(TW)))
    graph.add((dataset, VOID.exampleResource, URIRef(entity_iri("city", "lund"))))
    graph.add((dataset, VOID.rootResource, URIRef(entity_iri("mission", "mission"))))
    for suffix in info.get("dumps", {}):
        graph.add((dataset, VOID.dataDump, URIRef(f"{base}dumps/twinning.{suffix}")))
    for key in ("triples", "entities", "distinctSubjects", "distinctObjects"):
        graph.add((dataset, VOID[key], Literal(stats[key])))
    graph.add((dataset, VOID.properties, Literal(len(stats["properties"]))))
    graph.add((dataset, VOID.classes, Literal(len(stats["classes"]))))
    for cls, count in sorted(stats["classes"].items()):
        partition = URIRef(f"{DATASET}/class/{_slug(cls)}")
        graph.add((dataset, VOID.classPartition, partition))
        graph.add((partition, VOID["class"], URIRef(cls)))
        graph.add((partition, VOID.entities, Literal(count)))
    for prop, count in sorted(stats["properties"].items()):
        partition = URIRef(f"{DATASET}/property/{_slug(prop)}")
        graph.add((dataset, VOID.propertyPartition, partition))
        graph.add((partition, VOID.property, URIRef(prop)))
        graph.add((partition, VOID.triples, Literal(count)))
    for name, (prefix, predicate) in LINK_TARGETS.items():
        linkset = URIRef(f"{DATASET}/linkset/{name}")
        target = URIRef(f"{DATASET}/target/{name}")
        graph.add((linkset, RDF.type, VOID.Linkset))
        graph.add((linkset, VOID.subjectsTarget, dataset))
        graph.add((linkset, VOID.objectsTarget, target))
        graph.add((linkset, VOID.linkPredicate, URIRef(predicate)))
        graph.add((linkset, VOID.triples, Literal(stats["links"][name])))
        graph.add((target, RDF.type, VOID.Dataset))
        graph.add((target, VOID.uriSpace, Literal(prefix)))
        graph.add((dataset, VOID.subset, linkset))
    return graph


def _slug(iri: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in iri.split("//", 1)[-1]).strip("-")


def _concept(graph: Graph, iri: str, scheme: str, cls=None) -> URIRef:
    """An EU authority table entry, typed and labelled explicitly: the DCAT-AP shapes do no inference."""
    node = URIRef(iri)
    graph.add((node, RDF.type, SKOS.Concept))
    graph.add((node, SKOS.inScheme, URIRef(scheme)))
    graph.add((node, SKOS.prefLabel, Literal(EU_LABELS[iri.rsplit("/", 1)[1]], lang="en")))
    if cls is not None:
        graph.add((node, RDF.type, cls))
    return node


def catalog_graph(info: dict, base: str, versions: list[tuple[dict, str | None]] = ()) -> Graph:
    """The DCAT-AP 3 catalogue record: catalogue, dataset, the SPARQL endpoint as a data service, the dumps, and each
    kept release as a version of the dataset: `versions` holds (release.json, id of the kept release its changes are
    from, or None), newest first.

    Versions, not a dcat:DatasetSeries: data.europa.eu maps what it harvests to DCAT-AP 2.1.1 (its data provider
    manual), which has no dataset series, while dct:hasVersion and adms:versionNotes are in both 2.1.1 and 3.0.1 (and
    dcat:version is 3.0.1's name for 2.1.1's owl:versionInfo). So the graph stays one dataset on a portal, with its
    versions listed on its page. Each version is a whole dataset of its own (its pinned SPARQL endpoint and dumps as
    distributions), so it meets the same shapes and MQA indicators as the dataset does."""
    graph = Graph()
    for prefix, ns in (("dcat", DCAT), ("dcterms", DCTERMS), ("foaf", FOAF), ("spdx", SPDX), ("skos", SKOS),
                       ("dcatap", DCATAP), ("vcard", VCARD), ("gsp", GSP), ("adms", ADMS)):
        graph.bind(prefix, ns)
    issued = Literal(info["created"], datatype=XSD.dateTime)
    catalog, dataset, service = URIRef(base + "catalog"), URIRef(DATASET), URIRef(base + "sparql")
    shared = _shared(graph, base)
    extent = _describe(graph, dataset, info, shared, f"{base}dumps/", service, TITLE, DESCRIPTION)

    graph.add((catalog, RDF.type, DCAT.Catalog))
    graph.add((catalog, DCTERMS.title, Literal("NetZeroCities twinning open data", lang="en")))
    graph.add((catalog, DCTERMS.description, Literal(
        "Catalogue of the knowledge graph of the EU Cities Mission's Pilot Cities and Twinning programmes.", lang="en")))
    graph.add((catalog, DCTERMS.publisher, shared["publisher"]))
    graph.add((catalog, DCTERMS.license, shared["licence"]))
    graph.add((catalog, DCTERMS.language, shared["english"]))
    graph.add((catalog, DCTERMS.modified, issued))
    graph.add((catalog, DCTERMS.issued, issued))
    if extent is not None:
        graph.add((catalog, DCTERMS.spatial, extent))
    graph.add((catalog, FOAF.homepage, URIRef(base)))
    graph.add((catalog, DCAT.dataset, dataset))
    graph.add((catalog, DCAT.service, service))
    graph.add((catalog, DCAT.themeTaxonomy, URIRef(EU + "data-theme")))

    graph.add((service, RDF.type, DCAT.DataService))
    graph.add((service, DCTERMS.title, Literal("SPARQL 1.1 endpoint of the twinning knowledge graph", lang="en")))
    graph.add((service, DCAT.endpointURL, service))
    graph.add((service, DCAT.endpointDescription, URIRef(base + "sparql")))
    graph.add((service, DCAT.servesDataset, dataset))
    graph.add((service, DCTERMS.license, shared["licence"]))
    graph.add((service, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))
    graph.add((URIRef("https://www.w3.org/TR/sparql11-protocol/"), RDF.type, DCTERMS.Standard))
    _findable(graph, service, shared)

    kept = {version["id"]: parent for version, parent in versions}
    parent = kept[info["id"]] if info["id"] in kept else info.get("changed_from", info.get("previous"))
    graph.add((dataset, ADMS.versionNotes, Literal(version_notes(info, parent, base), lang="en")))
    for version, parent in versions:
        node = URIRef(entity_iri("release", version["id"]))
        graph.add((dataset, DCTERMS.hasVersion, node))
        _describe(graph, node, version, shared, f"{base}releases/{version['id']}/dumps/",
                  URIRef(f"{base}releases/{version['id']}/sparql"), f"{TITLE}, release {version['id']}",
                  f"{DESCRIPTION} This is release {version['id']} of {version['created']}, exactly as it was built.")
        graph.add((node, ADMS.versionNotes, Literal(version_notes(version, parent, base), lang="en")))
        if parent in kept:
            graph.add((node, DCAT.previousVersion, URIRef(entity_iri("release", parent))))
    return graph


TITLE = "NetZeroCities twinning knowledge graph"
DESCRIPTION = ("Mission Cities, pilot activities, twin cities, their pairings, cohorts, exchange activities and "
               "programme facts of the EU Climate-Neutral and Smart Cities Mission, every fact in a named graph of the "
               "public document that states it.")


def version_notes(info: dict, parent: str | None, base: str) -> str:
    """What a release is, in a sentence a portal shows: its size, and where its changes are.

    >>> version_notes({"id": "b", "created": "2026-01-02T00:00:00+00:00", "statistics": {"triples": 5}}, "a",
    ...               "http://h/")
    'Release b, built 2026-01-02T00:00:00+00:00: 5 triples. Changes from release a as RDF Patch: http://h/releases/b/changes'
    """
    size = info.get("statistics", {}).get("triples", info.get("quads"))
    since = f"from release {parent}" if parent else "from the empty dataset (the oldest kept release)"
    return (f"Release {info['id']}, built {info['created']}: {size} triples. Changes {since} as RDF Patch: "
            f"{base}releases/{info['id']}/changes")


def _shared(graph: Graph, base: str) -> dict:
    """The nodes every dataset, version and distribution of the record refers to: licence, language, theme,
    availability, access rights, rights statement, publisher and contact point."""
    licence = _concept(graph, LICENCE, EU + "licence", DCTERMS.LicenseDocument)
    # ADMS licence type: CC BY's one condition is attribution.
    attribution = URIRef("http://purl.org/adms/licencetype/Attribution")
    graph.add((licence, DCTERMS.type, attribution))
    graph.add((attribution, RDF.type, SKOS.Concept))
    graph.add((attribution, SKOS.inScheme, URIRef("http://purl.org/adms/licencetype/1.0")))
    graph.add((attribution, SKOS.prefLabel, Literal("Attribution", lang="en")))
    graph.add((URIRef(EU + "data-theme"), RDF.type, SKOS.ConceptScheme))
    graph.add((URIRef(EU + "data-theme"), DCTERMS.title, Literal("Data theme", lang="en")))
    publisher = URIRef(PROJECT_AGENT)
    rights = URIRef(DATASET + "/rights")
    graph.add((rights, RDF.type, DCTERMS.RightsStatement))
    graph.add((rights, RDFS.label, Literal(
        "Licensed under Creative Commons Attribution 4.0 International. Each fact sits in a named graph that names "
        "the public document it was read from (prov:wasDerivedFrom).", lang="en")))
    graph.add((URIRef(base), RDF.type, FOAF.Document))
    graph.add((URIRef(ONTOLOGY), RDF.type, DCTERMS.Standard))
    return {
        "licence": licence, "publisher": publisher, "contact": _publisher(graph, publisher, base), "rights": rights,
        "english": _concept(graph, EU + "language/ENG", EU + "language", DCTERMS.LinguisticSystem),
        "theme": _concept(graph, EU + "data-theme/ENVI", EU + "data-theme"),
        "stable": _concept(graph, EU + "planned-availability/STABLE", EU + "planned-availability"),
        "public": _concept(graph, EU + "access-right/PUBLIC", EU + "access-right", DCTERMS.RightsStatement),
        "base": URIRef(base),
    }


def _findable(graph: Graph, resource: URIRef, shared: dict) -> None:
    """What a portal shows for a dataset or a service: who, whom to ask, what about."""
    graph.add((resource, DCTERMS.publisher, shared["publisher"]))
    graph.add((resource, DCAT.contactPoint, shared["contact"]))
    graph.add((resource, DCAT.theme, shared["theme"]))
    for keyword in KEYWORDS:
        graph.add((resource, DCAT.keyword, Literal(keyword, lang="en")))


def _describe(graph: Graph, dataset: URIRef, info: dict, shared: dict, downloads: str, endpoint: URIRef, title: str,
              description: str) -> URIRef | None:
    """A release as a dcat:Dataset: its dates, version, coverage, and as distributions the SPARQL endpoint that
    answers from it and its dump files under `downloads`. Returns its area (dct:Location), if known."""
    issued = Literal(info["created"], datatype=XSD.dateTime)
    licence, rights, stable = shared["licence"], shared["rights"], shared["stable"]
    extent, period = _coverage(graph, str(dataset), info.get("statistics", {}).get("coverage", {}))  # older lack it
    graph.add((dataset, RDF.type, DCAT.Dataset))
    graph.add((dataset, DCTERMS.title, Literal(title, lang="en")))
    graph.add((dataset, DCTERMS.description, Literal(description, lang="en")))
    graph.add((dataset, DCTERMS.identifier, Literal(str(dataset))))
    graph.add((dataset, DCTERMS.issued, issued))
    graph.add((dataset, DCTERMS.modified, issued))
    graph.add((dataset, DCAT.version, Literal(info["id"])))
    graph.add((dataset, DCTERMS.language, shared["english"]))
    graph.add((dataset, DCAT.landingPage, shared["base"]))
    graph.add((dataset, DCTERMS.accessRights, shared["public"]))
    if extent is not None:
        graph.add((dataset, DCTERMS.spatial, extent))
    if period is not None:
        graph.add((dataset, DCTERMS.temporal, period))
    _findable(graph, dataset, shared)
    graph.add((dataset, DCTERMS.conformsTo, URIRef(ONTOLOGY)))

    sparql_distribution = URIRef(f"{dataset}/distribution/sparql")
    graph.add((dataset, DCAT.distribution, sparql_distribution))
    graph.add((sparql_distribution, RDF.type, DCAT.Distribution))
    graph.add((sparql_distribution, DCTERMS.title, Literal("SPARQL endpoint", lang="en")))
    graph.add((sparql_distribution, DCTERMS.description, Literal(
        "Live SPARQL 1.1 Protocol access to the current release." if dataset == URIRef(DATASET) else
        f"SPARQL 1.1 Protocol access to release {info['id']} exactly as it was, read-only.", lang="en")))
    graph.add((sparql_distribution, DCATAP.availability, stable))
    graph.add((sparql_distribution, DCTERMS.format, _concept(graph, EU + "file-type/SPARQLQRES", EU + "file-type",
                                                             DCTERMS.MediaTypeOrExtent)))
    graph.add((sparql_distribution, DCTERMS.rights, rights))
    graph.add((sparql_distribution, DCAT.accessURL, endpoint))
    if dataset == URIRef(DATASET):
        graph.add((sparql_distribution, DCAT.accessService, endpoint))
    graph.add((sparql_distribution, DCTERMS.license, licence))

    for file_name, dump in sorted(info.get("dumps", {}).items()):
        node = _dump_distribution(graph, str(dataset), downloads, file_name, dump, licence, rights, stable, issued)
        graph.add((dataset, DCAT.distribution, node))
    return extent


def _dump_distribution(graph: Graph, dataset: str, downloads: str, file_name: str, dump: dict, licence: URIRef,
                       rights: URIRef, stable: URIRef, issued: Literal) -> URIRef:
    """A dump file of the release as a DCAT distribution: where, which format, how large, its checksum."""
    suffix = file_name.removesuffix(".gz")
    media = GRAPH_FORMATS[SUFFIXES[suffix]][0]
    url = URIRef(f"{downloads}twinning.{file_name}")
    node = URIRef(f"{dataset}/distribution/{file_name.replace('.', '-')}")
    graph.add((node, RDF.type, DCAT.Distribution))
    graph.add((node, DCTERMS.title, Literal(f"Full dump, {media}" + (", gzip" if file_name.endswith(".gz")
                                                                    else ""), lang="en")))
    graph.add((node, DCTERMS.description, Literal(
        "The whole graph: " + ("every named graph with its source provenance." if suffix in ("nq", "trig", "jsonld")
                               else "the union of all named graphs, each statement once, sorted."), lang="en")))
    graph.add((node, DCAT.accessURL, url))
    graph.add((node, DCAT.downloadURL, url))
    graph.add((node, DCATAP.availability, stable))
    graph.add((node, DCAT.mediaType, _media_type(graph, media)))
    graph.add((node, DCTERMS.format, _concept(graph, f"{EU}file-type/{FILE_TYPES[suffix]}", EU + "file-type",
                                              DCTERMS.MediaTypeOrExtent)))
    if file_name.endswith(".gz"):
        graph.add((node, DCAT.compressFormat, _media_type(graph, "application/gzip")))
    graph.add((node, DCAT.byteSize, Literal(dump["bytes"], datatype=XSD.nonNegativeInteger)))
    graph.add((node, DCTERMS.license, licence))
    graph.add((node, DCTERMS.rights, rights))
    graph.add((node, DCTERMS.issued, issued))
    graph.add((node, DCTERMS.modified, issued))
    checksum = BNode()
    graph.add((node, SPDX.checksum, checksum))
    graph.add((checksum, RDF.type, SPDX.Checksum))
    graph.add((checksum, SPDX.algorithm, SHA256))
    graph.add((SHA256, RDF.type, SPDX.ChecksumAlgorithm))
    graph.add((checksum, SPDX.checksumValue, Literal(dump["sha256"], datatype=XSD.hexBinary)))
    return node


def _publisher(graph: Graph, publisher: URIRef, base: str) -> URIRef:
    """The project as publisher, and its contact point (returned)."""
    graph.add((publisher, RDF.type, FOAF.Agent))
    graph.add((publisher, FOAF.name, Literal("NetZeroCities twinning knowledge graph project", lang="en")))
    # The project is no organisation of any ADMS publisher type (authority, company, NGO, ...), and claiming one
    # would be false: its type is a concept of its own.
    kind = URIRef(PROJECT_AGENT + "/type")
    graph.add((publisher, DCTERMS.type, kind))
    graph.add((kind, RDF.type, SKOS.Concept))
    graph.add((kind, SKOS.prefLabel, Literal("open data project", lang="en")))
    # The contact is the deployment's own home page: the project publishes no e-mail address or issue tracker.
    contact = URIRef(PROJECT_AGENT + "/contact")
    graph.add((contact, RDF.type, VCARD.Kind))
    graph.add((contact, RDF.type, VCARD.Organization))
    graph.add((contact, VCARD.fn, Literal("NetZeroCities twinning knowledge graph project", lang="en")))
    graph.add((contact, VCARD.hasURL, URIRef(base)))
    return contact


def _coverage(graph: Graph, dataset: str, found: dict) -> tuple[URIRef | None, URIRef | None]:
    """The record's spatial and temporal coverage from the build's figures (metadata.coverage).

    The place is the box around the graph's cities, not the countries they lie in: DCAT-AP recommends a bounding
    box and centroid for every dct:Location, and the record knows those only for the area its cities span."""
    extent = period = None
    if "west" in found:
        extent = URIRef(dataset + "/extent")
        west, south, east, north = found["west"], found["south"], found["east"], found["north"]
        graph.add((extent, RDF.type, DCTERMS.Location))
        graph.add((extent, SKOS.prefLabel, Literal(
            f"Area spanned by the {found['cities']} cities of the graph, in {len(found['countries'])} countries",
            lang="en")))
        graph.add((extent, DCAT.bbox, Literal(
            f"POLYGON(({west} {south}, {east} {south}, {east} {north}, {west} {north}, {west} {south}))",
            datatype=GSP.wktLiteral)))
        graph.add((extent, DCAT.centroid, Literal(
            f"POINT({round((west + east) / 2, 5)} {round((south + north) / 2, 5)})", datatype=GSP.wktLiteral)))
    if "start" in found:
        period = URIRef(dataset + "/period")
        graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
        graph.add((period, SKOS.prefLabel, Literal(
            "The programmes' cohorts, from the earliest start to the latest end a source gives (a year or a month "
            "taken whole)", lang="en")))
        graph.add((period, DCAT.startDate, Literal(found["start"], datatype=XSD.date)))
        graph.add((period, DCAT.endDate, Literal(found["end"], datatype=XSD.date)))
    return extent, period


def _media_type(graph: Graph, media: str) -> URIRef:
    node = URIRef("http://www.iana.org/assignments/media-types/" + media)
    graph.add((node, RDF.type, DCTERMS.MediaType))
    return node


SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
# format name -> its IRI under http://www.w3.org/ns/formats/
SD_RESULT_FORMATS = {"json": "SPARQL_Results_JSON", "xml": "SPARQL_Results_XML", "csv": "SPARQL_Results_CSV",
                     "tsv": "SPARQL_Results_TSV", "turtle": "Turtle", "ntriples": "N-Triples",
                     "rdfxml": "RDF_XML", "jsonld": "JSON-LD", "nquads": "N-Quads", "trig": "TriG"}


def service_description_graph(endpoint: str, descriptions: list[str], union: bool, triples: int | None) -> Graph:
    """The SPARQL 1.1 Service Description of the endpoint: its formats and features, where the dataset's
    descriptions are (VoID, DCAT), and the size of its default graph when a release is served."""
    graph = Graph()
    graph.bind("sd", SD)
    graph.bind("formats", FORMATS)
    service = BNode()
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, URIRef(endpoint)))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    for name in SD_RESULT_FORMATS:
        graph.add((service, SD.resultFormat, FORMATS[SD_RESULT_FORMATS[name]]))
    if union:
        graph.add((service, SD.feature, SD.UnionDefaultGraph))
    graph.add((service, SD.feature, SD.BasicFederatedQuery))
    for description in descriptions:  # portals find the dataset descriptions from here
        graph.add((service, RDFS.seeAlso, URIRef(description)))
    dataset = BNode()
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    default_graph = BNode()
    graph.add((dataset, SD.defaultGraph, default_graph))
    graph.add((default_graph, RDF.type, SD.Graph))
    if triples is not None:
        graph.add((default_graph, VOID.triples, Literal(triples)))
    return graph



def build_activity(release_id: str, started: datetime.datetime, software: str, inputs: dict[str, bytes]) -> Dataset:
    """The build of a release as a prov:Activity (when, which software, which input files with their SHA-256), in a
    graph of its own named after the release. Not part of the release digest, which depends on the facts only."""
    base = entity_iri("release", release_id)
    dataset = Dataset()
    graph = dataset.graph(URIRef(base))
    build, agent = URIRef(base + "#build"), URIRef(entity_iri("software", software))
    graph.add((URIRef(base), PROV.wasGeneratedBy, build))
    graph.add((build, RDF.type, PROV.Activity))
    graph.add((build, RDFS.label, Literal(f"Build of release {release_id}", lang="en")))
    graph.add((build, PROV.startedAtTime, Literal(started.isoformat(), datatype=XSD.dateTime)))
    graph.add((build, PROV.wasAssociatedWith, agent))
    graph.add((agent, RDF.type, PROV.SoftwareAgent))
    graph.add((agent, RDFS.label, Literal(f"nzc-twinning {software}")))
    for name, data in sorted(inputs.items()):
        entity, checksum = URIRef(f"{base}/input/{name}"), URIRef(f"{base}/input/{name}#sha256")
        graph.add((build, PROV.used, entity))
        graph.add((URIRef(base), PROV.wasDerivedFrom, entity))
        graph.add((entity, RDF.type, PROV.Entity))
        graph.add((entity, RDFS.label, Literal(f"data/{name}")))
        graph.add((entity, SPDX.checksum, checksum))
        graph.add((checksum, SPDX.algorithm, URIRef("https://spdx.org/rdf/terms#checksumAlgorithm_sha256")))
        graph.add((checksum, SPDX.checksumValue, Literal(hashlib.sha256(data).hexdigest(), datatype=XSD.hexBinary)))
    return dataset
