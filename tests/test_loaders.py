"""Loaders: output against hand-written expected graphs, IRIs, the whole real data set, and every error path."""
import csv
import io
from pathlib import Path

import pytest
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, XSD

from loaders import DataError, cities, load_all, read_known, twin_cities
from loaders.terms import TW, entity_iri, source_graph

from .conftest import csv_rows

DATA = Path(__file__).parent / "data"
MINI = DATA / "mini"


def graph_of(dataset: Dataset, subject_filter=None) -> Dataset:
    """The quads of a dataset that pass a filter."""
    merged = Dataset()
    for quad in dataset.quads():
        if subject_filter is None or subject_filter(quad):
            merged.add(quad)
    return merged


def assert_same_quads(actual: Dataset, expected: Dataset) -> None:
    actual_quads = {(s, p, o, g) for s, p, o, g in actual.quads()}
    expected_quads = {(s, p, o, g) for s, p, o, g in expected.quads()}
    missing = expected_quads - actual_quads
    extra = actual_quads - expected_quads
    assert not missing and not extra, f"missing: {sorted(missing)}\nextra: {sorted(extra)}"


def expected(name: str) -> Dataset:
    return Dataset().parse(DATA / name, format="trig")


def rewrite(path: Path, line: int, column: str, value: str) -> None:
    """Set one cell of a CSV file, addressed by the line its row starts on."""
    text = path.read_text(encoding="utf-8")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    rows, starts, start = [], [], reader.line_num + 1
    for row in reader:
        rows.append(row)
        starts.append(start)
        start = reader.line_num + 1
    rows[starts.index(line)][header.index(column)] = value
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8", newline="")


def line_of(path: Path, column: str, value: str) -> int:
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline=""))
    start = 2
    for row in reader:
        if row[column] == value:
            return start
        start = reader.line_num + 1
    raise KeyError(value)


def errors_of(data_dir: Path) -> list[str]:
    with pytest.raises(DataError) as caught:
        load_all(data_dir)
    return [str(e) for e in caught.value.errors]


# --- output ------------------------------------------------------------------------------------------------------

def test_twin_cities_lund_matches_expected_graph():
    known = read_known(MINI)
    dataset = twin_cities.load(MINI / "twin_cities.csv", known)
    lund_graph = source_graph("https://viablecities.se/lulea-och-lund-utvalda-som-tvillingstader-i-netzerocities/")
    actual = graph_of(dataset, lambda quad: quad[3] == lund_graph)
    assert_same_quads(actual, expected("twin_lund.trig"))


def test_cities_lund_matches_expected_graph():
    dataset = cities.load(MINI / "cities.csv")
    lund_graph = source_graph("https://sws.geonames.org/2693678/")
    actual = graph_of(dataset, lambda quad: quad[3] == lund_graph)
    assert_same_quads(actual, expected("city_lund.trig"))


def test_entity_iri_from_stable_id():
    assert str(entity_iri("city", "lund")) == "https://w3id.org/nzc-twinning/id/city/lund"
    assert str(entity_iri("pilot", "leuven-c1")) == "https://w3id.org/nzc-twinning/id/pilot/leuven-c1"


def test_load_all_real_data_counts():
    """One resource per row of each fact file (counted with the csv module)."""
    dataset = load_all(Path(__file__).parent.parent / "data")

    def count(cls):
        return len({s for s, p, o, g in dataset.quads((None, RDF.type, cls, None))})
    assert count(TW.Twin) == len(csv_rows("twin_cities.csv"))
    assert count(TW.Pilot) == len(csv_rows("pilots.csv"))
    assert count(TW.ExchangeActivity) == len(csv_rows("exchange_activities.csv"))
    assert count(TW.SourceDocument) == len(csv_rows("sources.csv"))
    assert count(TW.City) == len(csv_rows("cities.csv"))
    mission_cities = {c for row in csv_rows("mission_cities.csv") for c in row["city_id"].split(";")}
    assert len({s for s, p, o, g in dataset.quads((None, TW.missionCityOf, None, None))}) == len(mission_cities)
    assert len(csv_rows("mission_cities.csv")) == 112  # every Mission City entry of 2022-04-28


def test_load_all_every_graph_has_its_source():
    dataset = load_all(MINI)
    graphs = {g for _, _, _, g in dataset.quads()}
    for graph in graphs:
        assert list(dataset.quads((graph, PROV.wasDerivedFrom, None, graph))), graph


def test_load_all_conflicting_sizes_kept_in_their_sources_graphs():
    dataset = load_all(MINI)
    cohort = URIRef("https://w3id.org/nzc-twinning/id/cohort/twinning-cohort-1")
    sizes = {(o.toPython(), g) for s, p, o, g in dataset.quads((cohort, None, None, None))
             if p in (TW.announcedSize, TW.reportedSize)}
    assert {size for size, _ in sizes} == {40, 37}
    graph_37 = {g for size, g in sizes if size == 37}
    graph_40 = {g for size, g in sizes if size == 40}
    assert not graph_37 & graph_40  # each figure stays in its own source's graph


def test_load_all_labels_carry_languages():
    dataset = load_all(MINI)
    labels = {o for s, p, o, g in dataset.quads((entity_iri("city", "lulea"), RDFS.label, None, None))}
    assert labels == {Literal("Luleå", lang="en"), Literal("Luleå", lang="sv")}


def test_programme_facts_typed_values():
    dataset = load_all(MINI)
    durations = {o for s, p, o, g in dataset.quads((None, TW.duration, None, None))}
    assert all(o.datatype == XSD.duration for o in durations)
    numbers = {o for s, p, o, g in dataset.quads((None, TW.cohortNumber, None, None))}
    assert Literal(1) in numbers


# --- errors ------------------------------------------------------------------------------------------------------

@pytest.fixture()
def mini(tmp_path) -> Path:
    target = tmp_path / "mini"
    target.mkdir()
    for path in MINI.glob("*.csv"):
        (target / path.name).write_bytes(path.read_bytes())
    return target


def test_load_error_unknown_city_names_file_line_column(mini):
    path = mini / "twin_cities.csv"
    line = line_of(path, "twin_city_id", "lund")
    rewrite(path, line, "paired_pilot_lead_city_ids", "atlantis")
    assert errors_of(mini) == [f"{path}:{line}: paired_pilot_lead_city_ids: unknown city 'atlantis'"]


def test_load_errors_all_reported_at_once(mini):
    twins, pilots = mini / "twin_cities.csv", mini / "pilots.csv"
    rewrite(twins, line_of(twins, "twin_city_id", "lund"), "cohort", "9")
    rewrite(twins, line_of(twins, "twin_city_id", "lulea"), "paired_pilot_id", "no-such-pilot")
    rewrite(pilots, line_of(pilots, "pilot_id", "umea-c1"), "cohort_year", "soon")
    errors = errors_of(mini)
    assert len(errors) == 3
    assert any("twin_cities.csv" in e and ": cohort: '9' is not one of 1, 2, 3" in e for e in errors)
    assert any("paired_pilot_id: unknown pilot 'no-such-pilot'" in e for e in errors)
    assert any("pilots.csv" in e and "cohort_year: 'soon' is not an integer" in e for e in errors)


@pytest.mark.parametrize("file, key, value, column, bad, message", [
    ("cities.csv", "city_id", "lund", "city_id", "Lund", "is not a lowercase slug"),
    ("cities.csv", "city_id", "lund", "latitude", "95", "is not a decimal number between -90 and 90"),
    ("cities.csv", "city_id", "lund", "country_iso2", "XX", "is not one of"),
    ("cities.csv", "city_id", "lund", "wikidata_id", "Q2167", "record Wikidata items in wikidata_links.csv"),
    ("wikidata_links.csv", "city_id", "stockholm", "wikidata_id", "Stockholm", "is not a Wikidata item id"),
    ("cities.csv", "city_id", "lund", "name_en", "", "is empty but required"),
    ("cities.csv", "city_id", "lund", "name_en", " Lund", "leading or trailing spaces"),
    ("mission_cities.csv", "city_id", "lund", "selected_date", "2022-02-30", "is not a date"),
    ("mission_cities.csv", "city_id", "lund", "eu_member", "maybe", "is not one of no, yes"),
    ("mission_cities.csv", "city_id", "lund", "source_url", "https://example.org/unlisted",
     "has no row in sources.csv"),
    ("pilots.csv", "pilot_id", "umea-c1", "domains", "fishing", "is not one of"),
    ("pilots.csv", "pilot_id", "umea-c1", "lead_city_ids", "umea;lund", "names 2 cities but lead_cities names 1"),
    ("twin_cities.csv", "twin_city_id", "lund", "source_url", "not a url", "is not an http(s) URL"),
    ("exchange_activities.csv", "activity_id", "wiesbaden-visit-malmo-2024-06", "end_date", "2024-06-01",
     "is before start_date"),
    ("exchange_activities.csv", "activity_id", "wiesbaden-visit-malmo-2024-06", "participant_city_ids",
     "malmo", "names the host"),
    ("exchange_activities.csv", "activity_id", "wiesbaden-visit-malmo-2024-06", "activity_type", "party",
     "is not one of"),
    ("sources.csv", "language", "sv", "language", "swedish", "is not an ISO 639-1 code"),
])
def test_load_error_cell(mini, file, key, value, column, bad, message):
    path = mini / file
    line = line_of(path, key, value)
    rewrite(path, line, column, bad)
    errors = [e for e in errors_of(mini) if e.startswith(f"{path}:{line}: {column}: ")]
    assert errors and message in errors[0], errors_of(mini)


@pytest.mark.parametrize("prop, column, value, message", [
    ("announcedSize", "value", "twenty", "'twenty' is not an xsd:integer"),
    ("duration", "value", "20 months", "'20 months' is not an ISO 8601 duration"),
    ("announcedSize", "datatype", "xsd:string", "'xsd:string' is not allowed for announcedSize"),
    ("label", "subject", "moon-programme", "'moon-programme' is not one of the fixed subject ids"),
    ("label", "property", "colour", "'colour' is not one of"),
])
def test_load_error_programme_fact(mini, prop, column, value, message):
    path = mini / "programme_facts.csv"
    line = line_of(path, "property", prop)
    rewrite(path, line, column, value)
    assert f"{path}:{line}: {column}: {message}" in [e[: len(f"{path}:{line}: {column}: {message}")]
                                                     for e in errors_of(mini)]


def test_load_error_duplicate_id(mini):
    path = mini / "cities.csv"
    line = line_of(path, "city_id", "lund")
    rewrite(path, line_of(path, "city_id", "malmo"), "city_id", "lund")
    assert any(f"city_id: 'lund' repeats line {line}" in e for e in errors_of(mini))


def test_load_error_repeated_statement(mini):
    path = mini / "programme_facts.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    with path.open("a", encoding="utf-8", newline="") as file:
        csv.writer(file, lineterminator="\r\n").writerow(rows[1])
    line = len(rows) + 1  # no field of the mini file spans lines
    assert any(f"{path}:{line}: value: repeats the statement of line 2" in e for e in errors_of(mini))


def test_load_error_bad_header(mini):
    path = mini / "pilots.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("pilot_name", "name", 1), encoding="utf-8")
    assert any(e.startswith(f"{path}:1: header: expected pilot_id,pilot_name") for e in errors_of(mini))


def test_load_error_not_utf8(mini):
    path = mini / "cities.csv"
    raw = path.read_bytes().replace("Luleå".encode(), "Luleå".encode("latin-1"))
    path.write_bytes(raw)
    line = raw[: raw.index(b"Lule\xe5")].count(b"\n") + 1
    assert f"{path}:{line}: -: is not UTF-8 (byte 0xe5)" in errors_of(mini)


def test_load_error_byte_order_mark(mini):
    path = mini / "sources.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert f"{path}:1: -: starts with a byte order mark" in errors_of(mini)


def test_load_error_wrong_field_count(mini):
    path = mini / "twin_cities.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "oops,too,few\r\n", encoding="utf-8", newline="")
    line = text.count("\n") + 1
    assert f"{path}:{line}: -: has 3 fields, the header has 12" in errors_of(mini)


def test_load_error_unterminated_quote(mini):
    path = mini / "twin_cities.csv"
    path.write_text(path.read_text(encoding="utf-8") + 'x,"open\r\n', encoding="utf-8", newline="")
    assert any("twin_cities.csv" in e and "is not valid CSV" in e for e in errors_of(mini))


def test_load_error_missing_file(mini):
    (mini / "exchange_activities.csv").unlink()
    assert any("exchange_activities.csv:0: -: cannot read the file" in e for e in errors_of(mini))


def test_load_error_twin_paired_with_later_pilot_cohort(mini):
    pilots = mini / "pilots.csv"
    rewrite(pilots, line_of(pilots, "pilot_id", "umea-c1"), "cohort", "3")
    twins = mini / "twin_cities.csv"
    line = line_of(twins, "twin_city_id", "lulea")
    assert any(e.startswith(f"{twins}:{line}: paired_pilot_id: pilot 'umea-c1' is of pilot cohort 3")
               for e in errors_of(mini))
