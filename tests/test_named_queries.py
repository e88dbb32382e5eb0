"""Named queries: headers parse, parameters bind, and each query gives the rows the fact files imply.

Expected results are worked out here from the CSV files with the csv module, independently of the RDF pipeline,
or stated from the curated data's documented facts.
"""
import csv
import re
from collections import Counter

import pytest

from graph.named import NamedQueryError, ParameterError, load_named_queries, parse_named_query

from .conftest import PROJECT

ALL_BACKENDS = True  # see conftest.py: these tests run on the embedded store and on each remote engine

QUERIES = load_named_queries(PROJECT / "queries")
DATA = PROJECT / "data"
ID = "https://w3id.org/nzc-twinning/id/"
COUNTRY = "http://publications.europa.eu/resource/authority/country/"


def rows(name: str) -> list[dict]:
    with (DATA / name).open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def run(client, name: str, **params) -> list[dict]:
    response = client.get(f"/queries/{name}", query_string=params)
    assert response.status_code == 200, response.data[:300]
    bindings = response.get_json()["results"]["bindings"]
    return [{key: value["value"] for key, value in binding.items()} for binding in bindings]


def test_named_queries_at_least_twelve():
    assert len(QUERIES) >= 12


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_named_query_header_and_parameters_bind(client, name):
    query = QUERIES[name]
    assert query.summary and query.description
    example = {p.name: p.example for p in query.parameters}
    for param in query.parameters:
        assert param.example is not None, f"{name}: parameter {param.name} has no example"
    assert run(client, name, **example), f"{name} with its example parameters returned no rows"


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_named_query_every_format(client, name):
    example = {p.name: p.example for p in QUERIES[name].parameters}
    for fmt in ("json", "xml", "csv", "tsv"):
        assert client.get(f"/queries/{name}", query_string={**example, "format": fmt}).status_code == 200


def test_parse_named_query_rejects_bad_headers(tmp_path):
    cases = {
        "no_summary.rq": "#+ description: x\nSELECT * {}",
        "bad_type.rq": "#+ summary: x\n#+ params:\n#+   - {name: a, type: colour, description: d}\nSELECT ?a {}",
        "missing_var.rq": "#+ summary: x\n#+ params:\n#+   - {name: a, type: iri, description: d}\nSELECT ?b {}",
        "not_yaml.rq": "#+ summary: [x\nSELECT * {}",
    }
    for file, text in cases.items():
        (tmp_path / file).write_text(text)
        with pytest.raises(NamedQueryError, match=file):
            parse_named_query(tmp_path / file)


@pytest.mark.parametrize("type_, good, bad", [
    ("city", "lund", "Lund!"), ("pilot", "leuven-c1", "http://example.org/x"), ("integer", "3", "three"),
    ("date", "2024-02-29", "2023-02-29"), ("country", "SWE", "Sweden"), ("iri", "https://example.org/a", "a b"),
    ("boolean", "true", "yes"), ("gYear", "2024", "24"), ("decimal", "1.5", "1,5"),
])
def test_parameter_types(type_, good, bad):
    from graph.named import Parameter

    param = Parameter("p", type_, "d")
    assert param.bind(good)["value"]
    with pytest.raises(ParameterError, match="'p'"):
        param.bind(bad)


# --- expected results --------------------------------------------------------------------------------------------

def test_twins_of_pilot_umea(client):
    result = run(client, "twins_of_pilot", pilot="umea-c1")
    assert {r["twinCity"] for r in result} == {ID + "city/lulea", ID + "city/wurzburg"}


def test_twins_of_pilot_all_pairings_match_csv(client):
    expected = {(ID + "pilot/" + r["paired_pilot_id"], ID + "city/" + r["twin_city_id"])
                for r in rows("twin_cities.csv") if r["paired_pilot_id"]}
    assert {(r["pilot"], r["twinCity"]) for r in run(client, "twins_of_pilot")} == expected


def test_pilots_of_country_sweden(client):
    city_country = {r["city_id"]: r["country_iso2"] for r in rows("cities.csv")}
    expected = {ID + "pilot/" + r["pilot_id"] for r in rows("pilots.csv")
                if any(city_country[c] == "SE" for c in r["lead_city_ids"].split(";") if c)}
    assert {r["pilot"] for r in run(client, "pilots_of_country", country="SWE")} == expected
    assert ID + "pilot/umea-c1" in expected


def test_cross_border_pairings_match_csv(client):
    city_country = {r["city_id"]: r["country_iso2"] for r in rows("cities.csv")}
    pilot_cities = {r["pilot_id"]: [c for c in r["lead_city_ids"].split(";") if c] for r in rows("pilots.csv")}
    expected = {ID + "city/" + r["twin_city_id"] for r in rows("twin_cities.csv")
                if r["paired_pilot_id"] and pilot_cities[r["paired_pilot_id"]]
                and all(city_country[c] != r["country_iso2"] for c in pilot_cities[r["paired_pilot_id"]])}
    result = {r["twinCity"] for r in run(client, "cross_border_pairings")}
    assert result == expected
    assert ID + "city/lund" in result  # Lund (SE) learns from Leuven (BE)
    assert ID + "city/lulea" not in result  # Luleå and Umeå are both Swedish


def test_mission_cities_in_programmes_match_csv(client):
    mission = {c for r in rows("mission_cities.csv") for c in r["city_id"].split(";")}
    pilots = {c for r in rows("pilots.csv") for c in r["lead_city_ids"].split(";") if c}
    twins = {r["twin_city_id"] for r in rows("twin_cities.csv")}
    expected = {ID + "city/" + c for c in mission & (pilots | twins)}
    result = run(client, "mission_cities_in_programmes")
    assert {r["city"] for r in result} == expected
    assert {r["role"] for r in result if r["city"] == ID + "city/lund"} == {"pilot", "twin"}


def test_cohort_sizes(client):
    result = run(client, "cohort_sizes")
    first = [r for r in result if r["cohortNumber"] == "1"]
    counts = Counter(r["cohort"] for r in rows("twin_cities.csv"))
    twins_c1 = sum(1 for r in rows("twin_cities.csv") if r["cohort"] == "1")
    paired_c1 = sum(1 for r in rows("twin_cities.csv") if r["cohort"] == "1" and r["paired_pilot_id"])
    assert {r["twinsKnown"] for r in first} == {str(twins_c1)}
    assert {r["pairingsKnown"] for r in first} == {str(paired_c1)}
    assert {(r["sizeKind"], r["publishedSize"]) for r in first} >= {("announced", "40"), ("reported", "37")}
    assert counts  # the CSV has cohorts at all
    assert {r["cohortNumber"] for r in result} == {"1", "2", "3", "4", "5"}


def test_sources_of_pairing_lund(client):
    result = run(client, "sources_of_pairing", twinCity="lund")
    assert [(r["pilot"], r["source"]) for r in result] == [
        (ID + "pilot/leuven-c1", "https://viablecities.se/lulea-och-lund-utvalda-som-tvillingstader-i-netzerocities/")]
    assert result[0]["publisher"] == "Viable Cities"


def test_sources_of_pairing_every_pairing_has_its_source(client):
    expected = {(ID + "city/" + r["twin_city_id"], r["source_url"].split(" ")[0])
                for r in rows("twin_cities.csv") if r["paired_pilot_id"]}
    assert {(r["twinCity"], r["source"]) for r in run(client, "sources_of_pairing")} == expected


def test_twin_cities_by_country_match_csv(client):
    expected = Counter(r["country_iso2"] for r in rows("twin_cities.csv"))
    iso3 = {"GR": "GRC", "ES": "ESP", "PT": "PRT", "TR": "TUR"}
    result = {r["country"]: int(r["twins"]) for r in run(client, "twin_cities_by_country")}
    for iso2, alpha3 in iso3.items():
        assert result[COUNTRY + alpha3] == expected[iso2]
    assert sum(result.values()) == sum(expected.values())


def test_pilots_of_cohort_match_csv(client):
    for cohort in ("1", "2", "3"):
        expected = {ID + "pilot/" + r["pilot_id"] for r in rows("pilots.csv") if r["cohort"] == cohort}
        assert {r["pilot"] for r in run(client, "pilots_of_cohort", cohortNumber=cohort)} == expected


def test_exchange_activities_of_city_malmo(client):
    expected = {ID + "activity/" + r["activity_id"] for r in rows("exchange_activities.csv")
                if r["host_city_id"] == "malmo" or "malmo" in r["participant_city_ids"].split(";")}
    result = run(client, "exchange_activities_of_city", city="malmo")
    assert {r["activity"] for r in result} == expected
    assert ID + "activity/wiesbaden-visit-malmo-2024-06" in expected


def test_conflicting_programme_facts_include_programme_length(client):
    result = run(client, "conflicting_programme_facts")
    durations = {r["value"] for r in result
                 if r["subject"] == ID + "cohort/twinning-cohort-1" and r["property"].endswith("#duration")}
    assert {20, 24} <= {months(d) for d in durations}
    sizes = {r["value"] for r in result
             if r["subject"] == ID + "cohort/twinning-cohort-1" and r["property"].endswith("Size")}
    assert sizes == set()  # announced (40) and reported (37) are different properties, not a conflict


def test_mission_label_years_match_csv(client):
    expected = Counter(r["mission_label_year"] or "none recorded" for r in rows("mission_cities.csv")
                       for _ in r["city_id"].split(";"))
    result = {r["year"]: int(r["cities"]) for r in run(client, "mission_label_years")}
    assert result == dict(expected)


def test_multi_city_pilots_match_csv(client):
    expected = {ID + "pilot/" + r["pilot_id"] for r in rows("pilots.csv") if len(r["lead_city_ids"].split(";")) >= 2}
    assert {r["pilot"] for r in run(client, "multi_city_pilots")} == expected


def test_twins_without_known_pilot_match_csv(client):
    expected = {ID + "twin/" + r["twin_city_id"] for r in rows("twin_cities.csv") if not r["paired_pilot_id"]}
    result = run(client, "twins_without_known_pilot")
    assert {r["twin"] for r in result} == expected
    named = {ID + "twin/" + r["twin_city_id"]: r["paired_pilot_lead_city_ids"] for r in rows("twin_cities.csv")
             if not r["paired_pilot_id"]}
    for row in result:
        expected_cities = {ID + "city/" + c for c in named[row["twin"]].split(";") if c}
        assert set(filter(None, row.get("namedPilotCities", "").split(";"))) == expected_cities


def months(duration: str) -> int:
    """Months of a year-month duration; the store writes P20M in canonical form as P1Y8M."""
    match = re.fullmatch(r"P(?:([0-9]+)Y)?(?:([0-9]+)M)?", duration)
    return int(match.group(1) or 0) * 12 + int(match.group(2) or 0)


def test_cohort_timeline_keeps_conflicting_durations(client):
    result = run(client, "cohort_timeline")
    c1 = {(months(r["value"]), r["source"]) for r in result
          if r["cohort"] == ID + "cohort/twinning-cohort-1" and r["property"].endswith("#duration")}
    expected = {(months(r["value"]), url) for r in rows("programme_facts.csv")
                if r["subject"] == "twinning-cohort-1" and r["property"] == "duration"
                for url in r["source_url"].split(" ")}
    assert c1 == expected
    assert len({value for value, _ in c1}) >= 2


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_named_query_parameters_narrow_the_answer(client, name):
    """A bound parameter keeps only the rows with that value (a variable used only in a FILTER would not)."""
    query = QUERIES[name]
    for param in query.parameters:
        bound = param.bind(param.example)
        rows = run(client, name, **{param.name: param.example})
        if not param.required:
            assert rows and len(rows) <= len(run(client, name))
        values = {row.get(param.name) for row in rows}
        assert values == {bound["value"]}, (name, param.name, values)
