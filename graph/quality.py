"""Metadata Quality Assessment (MQA) of a DCAT-AP record, by the method data.europa.eu publishes.

The method: https://data.europa.eu/mqa/methodology, explained in the data provider manual at
https://dataeuropa.gitlab.io/data-provider-manual/metadata-quality-dashboard/. Five dimensions derived from FAIR
(findability, accessibility, interoperability, reusability, contextuality), 23 indicators worth 405 points in all,
and four ratings: Excellent 351-405, Good 221-350, Sufficient 121-220, Bad 0-120.

This module owns the scoring only: pure functions over an rdflib Graph. It must not build the record (that is
graph.metadata) and fetches nothing itself. How each kind of indicator is counted for one dataset:
- dataset indicators (keywords, themes, spatial, temporal, access rights, contact point, publisher, issued,
  modified): all their points when the dataset states the property;
- distribution indicators outside interoperability (access and download URLs, licence, rights, byte size): their
  points times the share of the dataset's distributions that meet them, as the MQA dashboard weighs them;
- interoperability: the points of the best distribution, as the method says (several distributions are taken to hold
  the same content), plus DCAT-AP compliance of the record, which needs the DCAT-AP SHACL shapes: without them it
  is not checked and earns nothing.
Reachability of access and download URLs comes from a `status` function the caller passes (URL -> HTTP status, or
None when it cannot be reached; 200-399 counts, as the MQA's HEAD requests do). Without one, a URL is scored as the
record states it: present counts as reachable, and the indicator's note says it was not requested.
"""
from collections.abc import Callable
from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF

from .metadata import DCAT, EU

SH = "http://www.w3.org/ns/shacl#"
IANA = ("http://www.iana.org/assignments/media-types/", "https://www.iana.org/assignments/media-types/")
RATINGS = ((351, "Excellent"), (221, "Good"), (121, "Sufficient"), (0, "Bad"))
# EU file types data.europa.eu counts as non-proprietary (its published list of open formats).
NON_PROPRIETARY = frozenset((
    "BMP", "CSV", "DBF", "ETSI_XML", "GEOJSON", "GPKG", "GZIP", "HTML", "ICS", "JPEG2000", "JSON", "JSON_LD", "KML",
    "KMZ", "NETCDF", "ODS", "PNG", "RDF_N_QUADS", "RDF_N_TRIPLES", "RDF_TRIG", "RDF_TURTLE", "RDF_XML", "RSS", "RTF",
    "TAR", "TIFF", "TSV", "TXT", "WMS_SRVC", "XML", "ZIP"))
# EU file types of structured data a program can read. Narrower than data.europa.eu's list on purpose: a format
# missing here earns nothing, so the score errs low, never high.
MACHINE_READABLE = frozenset((
    "ATOM", "CSV", "DBF", "GEOJSON", "GML", "GPKG", "JSON", "JSON_LD", "KML", "N3", "NETCDF", "ODS", "RDF_N_QUADS",
    "RDF_N_TRIPLES", "RDF_THRIFT", "RDF_TRIG", "RDF_TRIX", "RDF_TURTLE", "RDF_XML", "RSS", "SDMX", "SHP", "SPARQLQRES",
    "TSV", "XLS", "XLSX", "XML", "YAML"))


@dataclass(frozen=True)
class Indicator:
    """One MQA indicator: its dimension, name, the points it can give and the points earned."""
    dimension: str
    name: str
    points: int
    earned: float
    note: str = ""


@dataclass(frozen=True)
class Assessment:
    """The indicators of one dataset, their total and the rating it earns."""
    dataset: str
    indicators: tuple[Indicator, ...]

    @property
    def total(self) -> float:
        return round(sum(indicator.earned for indicator in self.indicators), 2)

    @property
    def possible(self) -> int:
        return sum(indicator.points for indicator in self.indicators)

    @property
    def rating(self) -> str:
        return rating(self.total)

    def earned(self, name: str) -> float:
        """Points earned by the indicator called `name`; KeyError if there is none."""
        return next(indicator.earned for indicator in self.indicators if indicator.name == name)


def rating(points: float) -> str:
    """The MQA rating of a score.

    >>> rating(405), rating(351), rating(350.9), rating(121), rating(120)
    ('Excellent', 'Excellent', 'Good', 'Sufficient', 'Bad')
    """
    return next(name for floor, name in RATINGS if points >= floor)


def assess(graph: Graph, dataset: str | None = None, shapes: Graph | None = None,
           status: Callable[[str], int | None] | None = None) -> Assessment:
    """Score one dcat:Dataset of `graph` by the MQA indicators; when `dataset` is None, the one the catalogue lists
    (its versions are datasets too, reached from it), or in a record without a catalogue the only one.

    Raises ValueError when `dataset` is None and the graph does not hold exactly one such dataset."""
    if dataset is None:
        found = (sorted(set(graph.objects(None, DCAT.dataset)))
                 or sorted(set(graph.subjects(RDF.type, DCAT.Dataset))))
        if len(found) != 1:
            raise ValueError(f"the record holds {len(found)} datasets; name the one to assess")
        dataset = str(found[0])
    node = URIRef(dataset)
    distributions = sorted(set(graph.objects(node, DCAT.distribution)))

    def has(subject, *predicates) -> bool:
        return any(graph.value(subject, predicate) is not None for predicate in predicates)

    def share(test) -> float:
        return sum(1 for d in distributions if test(d)) / len(distributions) if distributions else 0.0

    def reachable(url) -> bool:
        if url is None:
            return False
        if status is None:
            return True
        code = status(str(url))
        return code is not None and 200 <= code < 400

    checked = "as stated, not requested" if status is None else "HTTP status 200-399"
    found = []

    def score(dimension, name, points, fraction, note=""):
        found.append(Indicator(dimension, name, points, round(points * fraction, 2), note))

    def dataset_level(dimension, name, points, predicate):
        score(dimension, name, points, float(has(node, predicate)), f"dataset {graph.qname(predicate)}")

    def distribution_level(dimension, name, points, test, note):
        score(dimension, name, points, share(test), f"{note}: {sum(map(test, distributions))} of "
                                                    f"{len(distributions)} distributions")

    dataset_level("findability", "keywords", 30, DCAT.keyword)
    dataset_level("findability", "categories", 30, DCAT.theme)
    dataset_level("findability", "geo search", 20, DCTERMS.spatial)
    dataset_level("findability", "time-based search", 20, DCTERMS.temporal)

    distribution_level("accessibility", "access URL accessibility", 50,
                       lambda d: any(reachable(url) for url in graph.objects(d, DCAT.accessURL)),
                       f"dcat:accessURL, {checked}")
    distribution_level("accessibility", "download URL", 20, lambda d: has(d, DCAT.downloadURL), "dcat:downloadURL")
    distribution_level("accessibility", "download URL accessibility", 30,
                       lambda d: any(reachable(url) for url in graph.objects(d, DCAT.downloadURL)),
                       f"dcat:downloadURL, {checked}")

    interoperable = {d: _interoperability(graph, d) for d in distributions}
    best = max(distributions, key=lambda d: sum(points * met for _, points, met in interoperable[d]), default=None)
    for name, possible, fraction in interoperable.get(best, _interoperability(graph, None)):
        score("interoperability", name, possible, fraction, f"best of {len(distributions)} distributions: {best}")
    conforms, note = compliance(graph, shapes)
    score("interoperability", "DCAT-AP compliance", 30, float(conforms), note)

    distribution_level("reusability", "licence information", 20, lambda d: has(d, DCTERMS.license), "dcterms:license")
    distribution_level("reusability", "licence vocabulary", 10,
                       lambda d: _from(graph.value(d, DCTERMS.license), EU + "licence/"),
                       "dcterms:license from the EU licence table")
    dataset_level("reusability", "access restrictions", 10, DCTERMS.accessRights)
    score("reusability", "access restrictions vocabulary", 5,
          float(_from(graph.value(node, DCTERMS.accessRights), EU + "access-right/")),
          "dataset dcterms:accessRights from the EU access-right table")
    dataset_level("reusability", "contact point", 20, DCAT.contactPoint)
    dataset_level("reusability", "publisher", 10, DCTERMS.publisher)

    distribution_level("contextuality", "rights", 5, lambda d: has(d, DCTERMS.rights), "dcterms:rights")
    distribution_level("contextuality", "file size", 5, lambda d: has(d, DCAT.byteSize), "dcat:byteSize")
    dataset_level("contextuality", "date of issue", 5, DCTERMS.issued)
    dataset_level("contextuality", "modification date", 5, DCTERMS.modified)
    return Assessment(dataset, tuple(found))


def _from(term, *namespaces: str) -> bool:
    return isinstance(term, URIRef) and str(term).startswith(namespaces)


def _interoperability(graph: Graph, distribution) -> list[tuple[str, int, float]]:
    """The five distribution indicators of interoperability as (name, points, fraction met)."""
    fmt = graph.value(distribution, DCTERMS.format) if distribution is not None else None
    media = graph.value(distribution, DCAT.mediaType) if distribution is not None else None
    code = str(fmt).rsplit("/", 1)[-1] if _from(fmt, EU + "file-type/") else None
    vocabulary = (_from(fmt, EU + "file-type/") + _from(media, *IANA)) / 2  # format and media type count half each
    return [("format", 20, float(fmt is not None)), ("media type", 10, float(media is not None)),
            ("format and media type from vocabulary", 10, vocabulary),
            ("non-proprietary", 20, float(code in NON_PROPRIETARY)),
            ("machine-readable", 20, float(code in MACHINE_READABLE))]


def compliance(graph: Graph, shapes: Graph | None) -> tuple[bool, str]:
    """Whether the record meets the DCAT-AP shapes (no result of severity Violation), with a note saying how many
    violations and warnings were found; (False, why) when no shapes were given."""
    if shapes is None:
        return False, "not checked: no DCAT-AP shapes given"
    from pyshacl import validate

    _, results, _ = validate(graph, shacl_graph=shapes, inference="none", allow_warnings=True, allow_infos=True)
    severities = [str(results.value(result, URIRef(SH + "resultSeverity")))
                  for result in results.objects(None, URIRef(SH + "result"))]
    violations, warnings = severities.count(SH + "Violation"), severities.count(SH + "Warning")
    return violations == 0, f"DCAT-AP SHACL shapes: {violations} violation(s), {warnings} warning(s)"
