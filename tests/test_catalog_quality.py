"""The DCAT-AP record at /catalog: no violation and no warning against the official shapes and recommended shapes,
coverage computed from the data, and data.europa.eu's top Metadata Quality Assessment rating (graph/quality.py),
which `twinning quality` prints."""
import calendar
import doctest
import urllib.parse

import pytest
from click.testing import CliRunner
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF

import graph.metadata
import graph.quality
from cli import main
from graph.metadata import DATASET
from graph.quality import assess

from .conftest import SHARED, csv_rows

SHAPES_DIR = SHARED / "dcat-ap-3.0.1"
needs_shapes = pytest.mark.skipif(not SHAPES_DIR.exists(), reason="../shared/dcat-ap-3.0.1 is not beside this checkout")
SH = Namespace("http://www.w3.org/ns/shacl#")
DATASET_NODE = URIRef(DATASET)


def shapes(*names: str) -> Graph:
    """The named DCAT-AP 3.0.1 shape files, or every one in the folder."""
    loaded = Graph()
    for path in [SHAPES_DIR / name for name in names] or sorted(SHAPES_DIR.glob("*.ttl")):
        loaded.parse(path, format="turtle")
    return loaded


def results(record: Graph, shapes_graph: Graph) -> list[tuple[str, str, str]]:
    """Every top-level validation result as (severity, focus node, path)."""
    from pyshacl import validate

    _, report, _ = validate(record, shacl_graph=shapes_graph, inference="none", allow_warnings=True, allow_infos=True)
    return sorted((str(report.value(r, SH.resultSeverity)).split("#")[1], str(report.value(r, SH.focusNode)),
                   str(report.value(r, SH.resultPath))) for r in report.objects(None, SH.result))


@pytest.fixture()
def record(client) -> Graph:
    response = client.get("/catalog", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    return Graph().parse(data=response.get_data(as_text=True), format="turtle")


def status_through(client):
    """What the MQA's link checker would see: the status of a HEAD request to each URL, through the app."""
    return lambda url: client.head(urllib.parse.urlsplit(url).path, buffered=True).status_code


@needs_shapes
def test_catalog_no_violation_no_warning_against_shapes_and_recommended(record):
    assert results(record, shapes("shapes.ttl", "shapes_recommended.ttl")) == []


@needs_shapes
def test_catalog_range_and_vocabulary_shapes_only_ask_for_eu_managed_publisher_and_place(record):
    """With range.ttl and mdr-vocabularies.shape.ttl too: no violation. The only warnings ask whether an EU-managed
    concept exists for the publisher (the project is no EU corporate body) and for the area (a box around the cities,
    which no authority table names); both are true as stated."""
    found = results(record, shapes())
    assert found and {severity for severity, _, _ in found} == {"Warning"}
    assert {path for _, _, path in found} == {str(DCTERMS.publisher), str(DCTERMS.spatial)}


def test_catalog_temporal_coverage_spans_the_cohorts_of_the_data(record):
    period = record.value(DATASET_NODE, DCTERMS.temporal)
    start, end = record.value(period, DCAT.startDate), record.value(period, DCAT.endDate)
    dates = [row["value"] for row in csv_rows("programme_facts.csv")
             if "cohort" in row["subject"] and row["property"] in ("startDate", "endDate")]
    assert len(dates) >= 10

    def first_day(value: str) -> str:
        return (value + "-01-01")[:10]

    def last_day(value: str) -> str:
        year, month = int(value[:4]), int(value[5:7]) if len(value) >= 7 else 12
        return value if len(value) == 10 else f"{year}-{month:02}-{calendar.monthrange(year, month)[1]}"

    assert start.datatype == end.datatype == URIRef("http://www.w3.org/2001/XMLSchema#date")
    assert str(start) == min(map(first_day, dates)) and str(end) == max(map(last_day, dates))
    assert str(start) <= "2023-09-01"  # the twinning programme started in September 2023 (README)


def test_catalog_spatial_coverage_is_the_box_around_the_cities(record):
    extent = record.value(DATASET_NODE, DCTERMS.spatial)
    catalog = next(record.subjects(DCAT.dataset, DATASET_NODE))
    assert record.value(catalog, DCTERMS.spatial) == extent
    cities = [(float(row["longitude"]), float(row["latitude"])) for row in csv_rows("cities.csv") if row["latitude"]]
    west, east = min(x for x, _ in cities), max(x for x, _ in cities)
    south, north = min(y for _, y in cities), max(y for _, y in cities)
    box = str(record.value(extent, DCAT.bbox))
    corners = [tuple(map(float, corner.split())) for corner in box.removeprefix("POLYGON((").removesuffix("))")
               .split(", ")]
    assert corners == [(west, south), (east, south), (east, north), (west, north), (west, south)]
    assert f"{len(cities)} cities" in str(record.value(extent, URIRef("http://www.w3.org/2004/02/skos/core#prefLabel")))


@needs_shapes
def test_catalog_mqa_score_reaches_excellent(client, record):
    assessment = assess(record, shapes=shapes(), status=status_through(client))
    assert assessment.possible == 405 and len(assessment.indicators) == 23
    assert assessment.rating == "Excellent" and assessment.total >= 351, assessment
    # Every URL the record names answers (the SPARQL endpoint to HEAD too, as the MQA's link checker asks it).
    assert assessment.earned("access URL accessibility") == 50
    assert assessment.earned("DCAT-AP compliance") == 30


def test_head_sparql_answers_200(client):
    response = client.head("/sparql")
    assert response.status_code == 200 and response.mimetype == "text/turtle"


@pytest.mark.parametrize(("predicate", "indicator", "points"), [
    (DCAT.contactPoint, "contact point", 20), (DCAT.keyword, "keywords", 30), (DCTERMS.temporal, "time-based search", 20),
    (DCTERMS.accessRights, "access restrictions", 10)])
def test_mqa_dataset_without_a_property_loses_its_points(record, predicate, indicator, points):
    before = assess(record)
    record.remove((DATASET_NODE, predicate, None))
    after = assess(record)
    assert before.earned(indicator) == points and after.earned(indicator) == 0
    lost = points + (5 if predicate == DCTERMS.accessRights else 0)  # its vocabulary indicator goes with it
    assert round(before.total - after.total, 2) == lost


def test_mqa_unreachable_urls_earn_nothing(record):
    assessment = assess(record, status=lambda url: 404 if "/dumps/" in url else 200)
    assert assessment.earned("download URL accessibility") == 0
    assert 0 < assessment.earned("access URL accessibility") < 50  # only the SPARQL endpoint answered
    assert assessment.earned("download URL") == round(20 * 10 / 11, 2)  # stated, so still counted


def test_mqa_without_shapes_does_not_claim_compliance(record):
    assert assess(record).earned("DCAT-AP compliance") == 0


def test_mqa_needs_one_dataset():
    with pytest.raises(ValueError, match="0 datasets"):
        assess(Graph())


def test_doc_examples():
    for module in (graph.quality, graph.metadata):
        failures, tried = doctest.testmod(module)
        assert tried and not failures, module.__name__


@needs_shapes
def test_cli_quality_prints_each_indicator_total_and_rating(store_path):
    result = CliRunner().invoke(main, ["quality", "--store", str(store_path), "--shapes", str(SHAPES_DIR),
                                       "--base", "https://example.org/twinning"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 24 and lines[-1].endswith("points: Excellent")
    assert any(line.startswith("reusability") and "contact point" in line and "20 / 20" in line for line in lines)
    assert "as stated, not requested" in result.output


@pytest.mark.live
def test_cli_quality_check_requests_the_running_server(store_path, live_server):
    result = CliRunner().invoke(main, ["quality", "--store", str(store_path), "--check", "--base", live_server])
    assert result.exit_code == 0, result.output
    access = next(line for line in result.output.splitlines() if "access URL accessibility" in line)
    assert "50 / 50" in access and "HTTP status" in access
    assert "not checked: no DCAT-AP shapes given" in result.output


def test_cli_quality_shapes_folder_without_shapes_is_a_usage_error(store_path, tmp_path):
    result = CliRunner().invoke(main, ["quality", "--store", str(store_path), "--shapes", str(tmp_path)])
    assert result.exit_code == 2 and "no *.ttl shapes" in result.output


def test_catalog_of_a_release_without_coverage_figures_leaves_coverage_out():
    """Releases built before the coverage figures existed still get a record, without period or area."""
    record = graph.metadata.catalog_graph({"created": "2026-01-01T00:00:00+00:00", "id": "old", "statistics": {}},
                                          "http://127.0.0.1:5000/")
    assert record.value(DATASET_NODE, DCTERMS.temporal) is None and record.value(DATASET_NODE, DCTERMS.spatial) is None
    assert assess(record).earned("time-based search") == 0


ADMS = Namespace("http://www.w3.org/ns/adms#")
OPEN_DCAT = Namespace(str(DCAT))  # rdflib's DCAT lacks the DCAT 3 terms


@pytest.fixture(scope="module")
def two_releases(store_path, tmp_path_factory):
    """A copy of the session's store with a second release, written from the first (its parent)."""
    import shutil

    from graph.jobs import WriteJob
    from graph.release import current_release, kept_releases
    from graph.writes import write

    store = tmp_path_factory.mktemp("catalog-versions") / "store"
    shutil.copytree(store_path, store, symlinks=True)
    write(store, WriteJob("update", update="INSERT DATA { GRAPH <urn:x:g> { <urn:x:s> <urn:x:p> 'new' } }"))
    return store, kept_releases(store)[1], current_release(store)


@pytest.fixture(scope="module")
def versions_app(two_releases):
    from server import create_app

    app = create_app({"TESTING": True, "RATE_LIMIT": 0, "STORE": str(two_releases[0])})
    yield app
    app.extensions["twinning.backend"].close()


@pytest.fixture(scope="module")
def versions_record(versions_app) -> Graph:
    response = versions_app.test_client().get("/catalog", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    return Graph().parse(data=response.get_data(as_text=True), format="turtle")


def test_catalog_lists_each_kept_release_as_a_version(two_releases, versions_record):
    """The dataset has every kept release as a version (dct:hasVersion), each a dataset with its release id as
    dcat:version, version notes naming its changes, the one before as dcat:previousVersion, and its own pinned
    endpoint and dumps as distributions."""
    _, older, newer = two_releases
    versions = {URIRef(f"https://w3id.org/nzc-twinning/id/release/{release.id}"): release for release in (older, newer)}
    assert set(versions_record.objects(DATASET_NODE, DCTERMS.hasVersion)) == set(versions)
    assert str(versions_record.value(DATASET_NODE, OPEN_DCAT.version)) == newer.id
    for node, release in versions.items():
        assert (node, RDF.type, DCAT.Dataset) in versions_record
        assert str(versions_record.value(node, OPEN_DCAT.version)) == release.id
        assert f"http://localhost/releases/{release.id}/changes" in str(versions_record.value(node, ADMS.versionNotes))
        urls = {str(url) for distribution in versions_record.objects(node, DCAT.distribution)
                for url in versions_record.objects(distribution, DCAT.accessURL)}
        assert f"http://localhost/releases/{release.id}/sparql" in urls
        assert f"http://localhost/releases/{release.id}/dumps/twinning.nq.gz" in urls
        assert len(urls) == 1 + len(release.info["dumps"])
    newer_node, older_node = (URIRef(f"https://w3id.org/nzc-twinning/id/release/{r.id}") for r in (newer, older))
    assert versions_record.value(newer_node, OPEN_DCAT.previousVersion) == older_node
    assert versions_record.value(older_node, OPEN_DCAT.previousVersion) is None  # the oldest kept
    assert f"release {older.id}" in str(versions_record.value(DATASET_NODE, ADMS.versionNotes))
    assert list(versions_record.objects(None, DCAT.dataset)) == [DATASET_NODE]  # a portal lists the graph once


@needs_shapes
def test_catalog_with_versions_no_violation_no_warning(versions_record):
    assert results(versions_record, shapes("shapes.ttl", "shapes_recommended.ttl")) == []


@needs_shapes
def test_catalog_with_versions_each_version_scores_as_the_dataset(versions_app, versions_record):
    """Versions cost the dataset no point, and each version earns what the dataset earns, its pinned URLs all
    answering."""
    client = versions_app.test_client()
    rules, status = shapes(), status_through(client)
    dataset = assess(versions_record, shapes=rules, status=status)
    assert dataset.rating == "Excellent" and dataset.earned("access URL accessibility") == 50
    for version in versions_record.objects(DATASET_NODE, DCTERMS.hasVersion):
        assert assess(versions_record, str(version), shapes=rules, status=status).total == dataset.total


@needs_shapes
def test_cli_quality_of_a_store_with_versions_loses_no_point(store_path, two_releases):
    def total(store) -> str:
        result = CliRunner().invoke(main, ["quality", "--store", str(store), "--shapes", str(SHAPES_DIR)])
        assert result.exit_code == 0, result.output
        return result.output.splitlines()[-1]

    assert total(two_releases[0]) == total(store_path)
