"""The Wikidata cross-check (loaders/wikidata.py) on the real data and on copies with deliberately wrong rows, through
`twinning validate` as a user runs it."""
import csv
import io
import subprocess
import sys
from collections import Counter

import pytest

from loaders.wikidata import check, comparable, independent_source

from .conftest import PROJECT, csv_rows
from .test_loaders import line_of, rewrite

ALL_BACKENDS = True  # the home page's count is a query: run it on the embedded store and on each remote engine


def validate(data_dir) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", "validate", str(data_dir)], cwd=PROJECT,
                          capture_output=True, text=True, check=False)


def candidate_lines(path, city_id: str) -> list[int]:
    """The lines on which the candidate rows of one city start."""
    reader = csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline=""))
    lines, start = [], 2
    for row in reader:
        if row["city_id"] == city_id:
            lines.append(start)
        start = reader.line_num + 1
    return lines


def test_labels_compare_as_search_folds_names():
    """A record that spells a city's name without its letters ø, æ, ł passes the label check."""
    assert comparable("Sonderborg") == comparable("Sønderborg")
    assert comparable("Wroclaw") == comparable("Wrocław") and comparable("Aero") == comparable("Ærø")
    assert comparable("L'Aquila") == comparable("L Aquila") != comparable("Laquila")


def test_real_links_pass_and_have_two_independent_sources():
    findings = check(PROJECT / "data")
    assert not [f for f in findings if f.fatal], [str(f) for f in findings if f.fatal]
    links = csv_rows("wikidata_links.csv")
    candidates = csv_rows("wikidata_candidates.csv")
    assert len(links) >= 90
    for link in links:
        agreeing = [c for c in candidates if c["city_id"] == link["city_id"]]
        assert {c["wikidata_id"] for c in agreeing} == {link["wikidata_id"]}, link["city_id"]
        assert len({independent_source(c["source_url"]) for c in agreeing}) >= 2, link["city_id"]


def test_unlinked_failing_candidates_only_warn():
    """Larissa: one source's record lies 20 km away and names another item, so the city is not linked, and the
    run still passes with a warning for that line."""
    result = validate(PROJECT / "data")
    assert result.returncode == 0, result.stderr
    for line in candidate_lines(PROJECT / "data" / "wikidata_candidates.csv", "larisa"):
        assert f"wikidata_candidates.csv:{line}: wikidata: warning: larisa" in result.stderr
    assert "conflict" in result.stderr and "km from the city's GeoNames point" in result.stderr


def candidate_line(path, city_id: str, repository: str) -> int:
    """The line of the one candidate row of a city whose source_url is in the named repository."""
    lines = [line for line, row in zip(candidate_lines(path, city_id),
                                       [r for r in csv_rows("wikidata_candidates.csv") if r["city_id"] == city_id],
                                       strict=True) if f"/{repository}/" in row["source_url"]]
    assert len(lines) == 1, (city_id, repository, lines)
    return lines[0]


@pytest.mark.parametrize("column, value, message, severity", [
    ("item_label", "Atlantis", "label 'Atlantis' is not the city's English or local name", "warning"),
    ("item_country_iso2", "DE", "country DE is not the city's (DK)", "warning"),
    ("item_latitude", "56.6", "km from the city's GeoNames point (more than 10)", "warning"),
    ("wikidata_id", "Q1748", "conflict: other records give Q25319", "error"),
])
def test_wrong_candidate_of_a_linked_city_fails_validate(data_copy, column, value, message, severity):
    """A record of another item contradicts the link (an error on its line); a record of the linked item that fails
    a check only warns on its line, but the link, which cites it as a confirming source, is an error."""
    candidates = data_copy / "wikidata_candidates.csv"
    line = candidate_line(candidates, "aarhus", "natural-earth-geojson")  # a record the link cites
    rewrite(candidates, line, column, value)
    result = validate(data_copy)
    assert result.returncode == 1
    assert f"wikidata_candidates.csv:{line}: wikidata: {severity}: aarhus" in result.stderr
    assert message in result.stderr
    link_line = line_of(data_copy / "wikidata_links.csv", "city_id", "aarhus")
    assert f"wikidata_links.csv:{link_line}: wikidata: error: link aarhus Q25319" in result.stderr


def test_failing_record_of_the_linked_item_does_not_block(data_copy):
    """Aarhus' Natural Earth record made to fail the label check: with the link citing only the two records that
    pass (countries-states-cities-database with a point, Eurostat), the city stays linked and the record warns."""
    candidates, links = data_copy / "wikidata_candidates.csv", data_copy / "wikidata_links.csv"
    line = candidate_line(candidates, "aarhus", "natural-earth-geojson")
    rewrite(candidates, line, "item_label", "Atlantis")
    link_line = line_of(links, "city_id", "aarhus")
    cited = [url for url in csv_rows("wikidata_links.csv")[link_line - 2]["source_url"].split(" ")
             if "natural-earth-geojson" not in url]
    rewrite(links, link_line, "source_url", " ".join(cited))
    result = validate(data_copy)
    assert result.returncode == 0, result.stderr
    assert f"wikidata_candidates.csv:{line}: wikidata: warning: aarhus Q25319: label 'Atlantis'" in result.stderr
    assert "link aarhus" not in result.stderr


def test_real_link_with_a_failing_record_of_its_item():
    """Oulu: Who's On First's record gives the same item but its point, the label point of the municipality, lies
    22 km from the GeoNames point; it warns, and the three records that pass keep the link."""
    result = validate(PROJECT / "data")
    assert result.returncode == 0, result.stderr
    line = candidate_line(PROJECT / "data" / "wikidata_candidates.csv", "oulu", "whosonfirst-data-admin-fi")
    assert (f"wikidata_candidates.csv:{line}: wikidata: warning: oulu Q47048: item lies 22.2 km from the city's "
            "GeoNames point") in result.stderr
    [link] = [r for r in csv_rows("wikidata_links.csv") if r["city_id"] == "oulu"]
    assert link["wikidata_id"] == "Q47048"
    assert "whosonfirst" not in link["source_url"]  # the failing record is not cited as a confirmation


def test_record_of_another_item_still_blocks(data_copy):
    """Oulu's failing Who's On First record, made to give another item, is a conflict: an error on its line and on
    the link, although three other records still confirm Q47048."""
    candidates = data_copy / "wikidata_candidates.csv"
    line = candidate_line(candidates, "oulu", "whosonfirst-data-admin-fi")
    rewrite(candidates, line, "wikidata_id", "Q1")
    result = validate(data_copy)
    assert result.returncode == 1
    assert f"wikidata_candidates.csv:{line}: wikidata: error: oulu Q1:" in result.stderr
    link_line = line_of(data_copy / "wikidata_links.csv", "city_id", "oulu")
    assert (f"wikidata_links.csv:{link_line}: wikidata: error: link oulu Q47048: another source gives a different "
            "item") in result.stderr


@pytest.mark.parametrize("city, item, made_to_fail, says", [
    # Eurostat's record made to fail leaves Natural Earth and Who's On First (one source) passing;
    # countries-states-cities-database gives the same item but lies 12.7 km away, so it does not make a second.
    ("antalya", "Q6487", "citydata",
     "fewer than two independent sources give the item in records that pass every check"),
    # With Who's On First's record made to fail, the records that pass (Eurostat, Richpedia) give no point; those
    # that do (Natural Earth, countries-states-cities-database) lie over 10 km away and do not count.
    ("istanbul", "Q406", "whosonfirst-data-admin-tr",
     "no record that passes every check gives the item's country and coordinates"),
])
def test_a_failing_record_confirms_nothing(data_copy, city, item, made_to_fail, says):
    candidates = data_copy / "wikidata_candidates.csv"
    rewrite(candidates, candidate_line(candidates, city, made_to_fail), "item_label", "Atlantis")
    result = validate(data_copy)
    assert result.returncode == 1
    link_line = line_of(data_copy / "wikidata_links.csv", "city_id", city)
    assert f"wikidata_links.csv:{link_line}: wikidata: error: link {city} {item}: {says}" in result.stderr


def test_link_with_one_source_fails(data_copy):
    candidates = data_copy / "wikidata_candidates.csv"
    lines = candidate_lines(candidates, "aarhus")
    text = candidates.read_text(encoding="utf-8").splitlines(keepends=True)
    for line in reversed(lines[:-1]):  # keep only the last source's record
        del text[line - 1]
    candidates.write_text("".join(text), encoding="utf-8")
    result = validate(data_copy)
    assert result.returncode == 1
    assert "link aarhus Q25319: fewer than two independent sources give the item in" in result.stderr


def test_natural_earth_and_whos_on_first_are_one_source():
    """Natural Earth took its Wikidata ids from Who's On First, whose per-country repositories are one source."""
    natural_earth = "https://github.com/martynafford/natural-earth-geojson/blob/0b9a/10m/cultural/places.7z"
    denmark = "https://github.com/whosonfirst-data/whosonfirst-data-admin-dk/blob/ba04/data/101/749/159/101749159.geojson"
    greece = "https://github.com/whosonfirst-data/whosonfirst-data-admin-gr/blob/b661/data/101/849/145/101849145.geojson"
    assert independent_source(natural_earth) == independent_source(denmark) == independent_source(greece)
    assert independent_source(denmark) != independent_source(
        "https://github.com/dr5hn/countries-states-cities-database/blob/7fda/contributions/cities/DK.json")


def test_link_resting_on_natural_earth_and_whos_on_first_fails(data_copy):
    """Sønderborg is linked by countries-states-cities-database and Who's On First; were the first record Natural
    Earth's instead, the two records would be one source and the link must fail."""
    candidates = data_copy / "wikidata_candidates.csv"
    rows = {row["source_url"].split("/")[4]: line for line, row in zip(
        candidate_lines(candidates, "sonderborg"), [r for r in csv_rows("wikidata_candidates.csv")
                                                    if r["city_id"] == "sonderborg"], strict=True)}
    assert set(rows) == {"countries-states-cities-database", "whosonfirst-data-admin-dk"}
    rewrite(candidates, rows["countries-states-cities-database"], "source_url",
            "https://github.com/martynafford/natural-earth-geojson/blob/0b9a6ceb0a7032713abd9460ac1e995a9c60cd1e/"
            "10m/cultural/ne_10m_populated_places.7z")
    result = validate(data_copy)
    assert result.returncode == 1
    assert "link sonderborg Q21179: fewer than two independent sources give the item in" in result.stderr


def test_link_without_any_candidate_fails(data_copy):
    links = data_copy / "wikidata_links.csv"
    line = line_of(links, "city_id", "aarhus")
    rewrite(links, line, "wikidata_id", "Q999999999")
    result = validate(data_copy)
    assert result.returncode == 1
    assert f"wikidata_links.csv:{line}: wikidata: error: link aarhus Q999999999: no record" in result.stderr


def test_every_link_row_is_one_city_and_cited_sources_are_listed():
    links = csv_rows("wikidata_links.csv")
    assert not [c for c, n in Counter(r["city_id"] for r in links).items() if n > 1]
    sources = {r["source_url"] for r in csv_rows("sources.csv")}
    for row in csv_rows("wikidata_candidates.csv"):
        assert row["source_url"] in sources, row["source_url"]


def test_home_page_counts_the_linked_cities(client):
    """The home page's count comes from the graph: every row of wikidata_links.csv, one link per city."""
    home = client.get("/").get_data(as_text=True)
    assert f"<strong>{len(csv_rows('wikidata_links.csv'))}</strong> cities linked to Wikidata" in home


def test_documented_counts_are_the_files():
    """The READMEs write the number of links and records as prose; they must say what the files hold."""
    links, candidates = csv_rows("wikidata_links.csv"), csv_rows("wikidata_candidates.csv")
    cities = len(csv_rows("cities.csv"))
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    data_readme = (PROJECT / "data" / "README.md").read_text(encoding="utf-8")
    assert f"; {len(links)} have a Wikidata link" in readme
    assert f"| `wikidata_links.csv` | {len(links)} |" in data_readme
    assert f"| `wikidata_candidates.csv` | {len(candidates)} |" in data_readme
    assert f"**Result: {len(links)} of {cities} cities linked**" in data_readme
    assert f"| {len(links)} of {cities} |" in data_readme
