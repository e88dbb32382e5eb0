"""/browse/<kind>: every member of a class, facets with counts that match what their links show, and a CSV of exactly
the rows shown. On every backend."""
import csv
import io
import re
import urllib.request
from html.parser import HTMLParser

import pytest

from nzc_twinning.namespaces import entity_iri

from .conftest import csv_rows

ALL_BACKENDS = True  # see conftest.py: these tests run on the embedded store and on each remote engine


class BrowsePage(HTMLParser):
    """The parts of a browse page a test reads: the table's rows (cell texts, and the link of the first cell), the
    facet links with their counts, and the CSV link."""

    def __init__(self):
        super().__init__()
        self.rows, self.facets, self.csv = [], {}, None
        self.facet = self.link = None
        self.in_body = self.in_cell = False
        self.count_next = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tbody":
            self.in_body = True
        elif tag == "tr" and self.in_body:
            self.rows.append({"cells": [], "href": None})
        elif tag == "td" and self.in_body:
            self.rows[-1]["cells"].append("")
            self.in_cell = True
        elif tag == "a" and self.in_body and self.in_cell and self.rows[-1]["href"] is None:
            self.rows[-1]["href"] = attrs["href"]
        elif tag == "h2" and attrs.get("id", "").startswith("facet-"):
            self.facet = attrs["id"][len("facet-"):]
            self.facets[self.facet] = []
        elif tag == "a" and self.facet and not self.in_body:
            self.link = {"href": attrs["href"], "text": "", "chosen": "chosen" in attrs.get("class", "")}
        elif tag == "span" and attrs.get("class") == "count":
            self.count_next = True
        elif tag == "a" and "download" in attrs:
            self.csv = attrs["href"]

    def handle_endtag(self, tag):
        if tag == "tbody":
            self.in_body = False
        elif tag == "td":
            self.in_cell = False
        elif tag == "a" and self.link is not None:
            self.facets[self.facet].append(self.link)
            self.link = None
        elif tag == "aside":
            self.facet = None

    def handle_data(self, data):
        if self.in_cell:
            self.rows[-1]["cells"][-1] += data
        elif self.count_next:
            self.facets[self.facet][-1]["count"] = int(data)
            self.count_next = False
        elif self.link is not None:
            self.link["text"] += data


def browse(client, url: str) -> BrowsePage:
    response = client.get(url)
    assert response.status_code == 200, (url, response.data[:300])
    page = BrowsePage()
    page.feed(response.get_data(as_text=True))
    return page


def csv_table(client, url: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "text/csv", (url, response.data[:300])
    assert response.headers["Content-Disposition"].startswith("attachment")
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


@pytest.mark.parametrize(("slug", "fact_file"), [("cities", "cities.csv"), ("twins", "twin_cities.csv"),
                                                 ("sources", "sources.csv"), ("activities", "exchange_activities.csv")])
def test_get_browse_lists_every_member(client, slug, fact_file):
    page = browse(client, f"/browse/{slug}")
    assert len(page.rows) == len(csv_rows(fact_file))


def test_get_browse_pilots_every_pilot(client):
    page = browse(client, "/browse/pilots")
    ids = {row["href"].rsplit("/", 1)[-1] for row in page.rows}
    assert {row["pilot_id"] for row in csv_rows("pilots.csv")} <= ids


@pytest.mark.parametrize(("slug", "facet"), [("cities", "cohort"), ("cities", "programme"), ("pilots", "cohort"),
                                             ("twins", "cohort"), ("activities", "kind")])
def test_get_browse_facet_counts_match_their_links(client, slug, facet):
    """The number beside each facet value is the number of rows its link shows, and the CSV of that view holds the
    same rows."""
    values = browse(client, f"/browse/{slug}").facets[facet]
    assert len(values) >= 2
    for value in values:
        shown = browse(client, value["href"])
        assert len(shown.rows) == value["count"], value
        assert next(v for v in shown.facets[facet] if v["chosen"])["text"] == value["text"]
        table = csv_table(client, shown.csv)
        assert [row["label"] for row in table] == [row["cells"][0] for row in shown.rows]


def test_get_browse_cities_sweden(client):
    everyone = browse(client, "/browse/cities")
    sweden = next(v for v in everyone.facets["country"] if v["text"] == "SWE")
    page = browse(client, sweden["href"])
    names = {row["cells"][0] for row in page.rows}
    swedish = {row["name_en"] for row in csv_rows("cities.csv") if row["country_iso2"] == "SE"}
    assert names == swedish and {"Luleå", "Lund", "Malmö", "Umeå"} <= names
    table = csv_table(client, page.csv)
    assert list(table[0]) == ["iri", "label", "country", "programme", "cohort"]  # the page's columns, and the IRI
    assert {row["country"] for row in table} == {"SWE"}
    assert entity_iri("city", "lulea") in {row["iri"] for row in table}


def test_get_browse_two_facets_narrow(client):
    """Facets combine: twins of cohort 1 in Sweden are Luleå and Lund (and the fact file agrees)."""
    page = browse(client, "/browse/twins?cohort=twinning-cohort-1&country=SWE")
    expected = {row["twin_city"] for row in csv_rows("twin_cities.csv") if row["cohort"] == "1"
                and row["country_iso2"] == "SE"}
    assert {row["cells"][3] for row in page.rows} == expected and "Luleå" in expected
    # counts under the other facet follow the chosen one: only cohort-1 twins are counted by country
    cohort_one = [row for row in csv_rows("twin_cities.csv") if row["cohort"] == "1"]
    counts = {v["text"]: v["count"] for v in browse(client, "/browse/twins?cohort=twinning-cohort-1").facets["country"]}
    assert sum(counts.values()) == len(cohort_one)


def test_get_browse_unknown_kind_404(client):
    for url in ("/browse/planets", "/browse/planets.csv"):
        response = client.get(url)
        assert response.status_code == 404
        assert response.get_json()["status"] == 404 and "cities" in response.get_json()["error"]


def test_get_browse_listing_links_every_kind(client):
    body = client.get("/browse").get_data(as_text=True)
    for slug in ("cities", "pilots", "twins", "activities", "sources"):
        assert f'href="/browse/{slug}"' in body
    assert re.search(rf"<strong>{len(csv_rows('cities.csv'))}</strong> Cities", body)


def test_get_browse_csv_live(live_server):
    """Through the real server, as a spreadsheet user's download."""
    with urllib.request.urlopen(live_server + "/browse/activities.csv?kind=site-visit") as response:
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        table = list(csv.DictReader(io.TextIOWrapper(response, encoding="utf-8")))
    expected = [row for row in csv_rows("exchange_activities.csv") if row["activity_type"] == "site-visit"]
    assert len(table) == len(expected) > 0 and {row["kind"] for row in table} == {"site visit"}
