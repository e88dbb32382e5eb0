"""/search: names in any language, without accents or case, ranked; JSON and HTML; errors in the one shape. On every
backend, since the index is built from a query each engine answers."""
import doctest
import json
import unicodedata
import urllib.error
import urllib.parse
import urllib.request

import pytest

import nzc_twinning.text
from nzc_twinning.namespaces import TW, entity_iri

from .conftest import csv_rows
from .test_linked_data import BROWSER, parse_html

ALL_BACKENDS = True  # see conftest.py: these tests run on the embedded store and on each remote engine

JSON_ACCEPT = {"Accept": "application/json"}


def hits(client, text: str, **params) -> list[dict]:
    response = client.get("/search", query_string={"q": text, **params}, headers=JSON_ACCEPT)
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/json"
    return response.get_json()


def plain(text: str) -> str:
    """The test's own spelling without accents (an oracle apart from web/search.py's)."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).lower()


@pytest.mark.parametrize(("text", "city"), [("lulea", "lulea"), ("wurzburg", "wurzburg"), ("malmo", "malmo"),
                                            ("LULEÅ", "lulea"), ("Umea", "umea"), ("firenze", "firenze")])
def test_get_search_unaccented_finds_city_first(client, text, city):
    found = hits(client, text)
    assert found[0] == {"iri": entity_iri("city", city), "label": found[0]["label"], "type": TW + "City"}
    assert set(found[0]) == {"iri", "label", "type"}


def test_get_search_every_city_by_its_names(client):
    """Each city of the fact file is the first hit for its English name, and found by its local name typed without
    accents (Greek and Cyrillic names too)."""
    cities = csv_rows("cities.csv")
    assert len(cities) > 100
    for row in cities:
        iri = entity_iri("city", row["city_id"])
        assert hits(client, row["name_en"], limit=5)[0]["iri"] == iri, row["name_en"]
        if row["name_local"]:
            assert iri in [hit["iri"] for hit in hits(client, plain(row["name_local"]), limit=200)], row["name_local"]


def test_get_search_ranks_exact_prefix_word_substring(client):
    found = [hit["label"] for hit in hits(client, "lund", limit=200)]
    assert found[0] == "Lund"  # exact
    assert found.index("Lund, twin city of cohort 1") < found.index("CoPilot Lund")  # prefix before a word's prefix
    for text, kinds in [("lund", {0, 1, 2}), ("ulea", {3})]:
        seen = ranks(client, text)
        assert seen == sorted(seen) and kinds <= set(seen), text
    assert entity_iri("city", "lulea") in [hit["iri"] for hit in hits(client, "ulea")]  # inside a name


def ranks(client, text):
    """The match kinds of the HTML result table, in order."""
    page = parse_html(client.get("/search", query_string={"q": text, "limit": 200},
                                 headers={"Accept": BROWSER}).get_data(as_text=True))
    order = ["exact", "prefix", "word prefix", "substring"]
    return [order.index(cell) for cell in page.text if cell in order]


def test_get_search_types_and_other_kinds(client):
    pilots = {hit["iri"]: hit["type"] for hit in hits(client, "north star", limit=50)}  # Umeå's pilot activity
    assert pilots[entity_iri("pilot", "umea-c1")] == TW + "Pilot"
    assert TW + "ExchangeActivity" in {hit["type"] for hit in hits(client, "umea", limit=50)}
    sources = [hit for hit in hits(client, "tvillingstad", limit=50) if hit["type"] == TW + "SourceDocument"]
    assert sources and all(hit["iri"].startswith("http") for hit in sources)  # found by dcterms:title


def test_get_search_limit(client):
    assert len(hits(client, "a", limit=3)) == 3
    assert len(hits(client, "a")) == 20  # the default


def test_get_search_nothing_found(client):
    assert hits(client, "qqxqq") == []


@pytest.mark.parametrize(("params", "name"), [({"q": ""}, "q"), ({"q": "   "}, "q"), ({"q": "x" * 201}, "q"),
                                              ({}, "q"), ({"q": "lund", "limit": "0"}, "limit"),
                                              ({"q": "lund", "limit": "many"}, "limit"),
                                              ({"q": "lund", "limit": "100000"}, "limit"),
                                              ({"q": "lund", "limit": "²"}, "limit")])
def test_get_search_bad_input_400(client, params, name):
    response = client.get("/search", query_string=params, headers=JSON_ACCEPT)
    assert response.status_code == 400
    body = response.get_json()
    assert body["status"] == 400 and f"'{name}'" in body["error"]


def test_get_search_html(client):
    response = client.get("/search", query_string={"q": "wurzburg"}, headers={"Accept": BROWSER})
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = parse_html(response.get_data(as_text=True))
    assert "/id/city/wurzburg" in page.links and "Würzburg" in page.text
    bare = client.get("/search", headers={"Accept": BROWSER})  # no text yet: the form
    assert bare.status_code == 200 and b'name="q"' in bare.data


def test_get_search_json_with_parameters(client):
    """A media type parameter (a charset) does not keep a client from getting JSON, as on every other route."""
    response = client.get("/search", query_string={"q": "wurzburg"},
                          headers={"Accept": "application/json; charset=utf-8"})
    assert response.mimetype == "application/json" and response.get_json()[0]["iri"] == entity_iri("city", "wurzburg")


def test_get_search_live_json(live_server):
    """Through the real server: the JSON a script would read, and the error shape."""
    request = urllib.request.Request(live_server + "/search?" + urllib.parse.urlencode({"q": "Würz"}),
                                     headers=JSON_ACCEPT)
    with urllib.request.urlopen(request) as response:
        assert response.headers["Content-Type"].startswith("application/json")
        found = json.load(response)
    assert found[0]["iri"] == entity_iri("city", "wurzburg")
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(urllib.request.Request(live_server + "/search?q=", headers=JSON_ACCEPT))
    assert error.value.code == 400 and json.load(error.value)["status"] == 400


def test_get_search_conditional(client):
    """The answer changes only with the release: a client holding it gets 304."""
    first = client.get("/search?q=lund", headers=JSON_ACCEPT)
    assert first.headers["X-Twinning-Release"] and first.headers["Vary"] == "Accept"
    again = client.get("/search?q=lund", headers={**JSON_ACCEPT, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    html = client.get("/search?q=lund", headers={"Accept": BROWSER, "If-None-Match": first.headers["ETag"]})
    assert html.status_code == 200  # the HTML is another variant


def test_get_search_equal_matches_by_kind(client):
    """Among names that match equally well (here a word's prefix), a cohort comes before the twins of that cohort."""
    found = hits(client, "cohort 2", limit=200)
    kinds = [hit["type"] for hit in found]
    assert kinds.index(TW + "Cohort") < kinds.index(TW + "Twin")
    assert entity_iri("cohort", "twinning-cohort-2") in [hit["iri"] for hit in found[:3]]


def test_fold_examples():
    """The examples in fold's docstring hold (Luleå, WÜRZBURG, Malmö, Łódź, Straße)."""
    failures, tried = doctest.testmod(nzc_twinning.text)
    assert failures == 0 and tried >= 1
