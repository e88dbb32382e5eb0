"""Quality gates on the built release: every fact has a source, references resolve, published counts hold."""
import pytest

from .conftest import csv_rows

ALL_BACKENDS = True  # see conftest.py: these tests run on the embedded store and on each remote engine

ID = "https://w3id.org/nzc-twinning/id/"


@pytest.fixture()
def ask(client):
    def run(query: str) -> list[dict]:
        response = client.get("/sparql", query_string={"query": "PREFIX tw: <https://w3id.org/nzc-twinning/ontology#>\n"
                                                                "PREFIX prov: <http://www.w3.org/ns/prov#>\n"
                                                                "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                                                                + query})
        assert response.status_code == 200, response.data[:300]
        body = response.get_json()
        return body["boolean"] if "boolean" in body else [{k: v["value"] for k, v in b.items()}
                                                          for b in body["results"]["bindings"]]
    return run


def test_no_fact_outside_a_named_graph(client):
    response = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }", "default-graph-uri": "urn:x-none"})
    assert response.get_json()["boolean"] is False  # sanity: an empty default graph answers false
    from server import create_app  # the store's own default graph, without the union
    backend = {key: client.application.config[key] for key in ("STORE", "BACKEND", "ENDPOINT", "ENDPOINT_USER",
                                                                 "ENDPOINT_PASSWORD")}
    app = create_app({"TESTING": True, **backend, "UNION_DEFAULT_GRAPH": False})
    try:
        assert app.test_client().get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}).get_json()["boolean"] \
            is False
    finally:
        app.extensions["twinning.backend"].close()


def test_every_graph_names_its_source(ask):
    assert ask("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER NOT EXISTS { ?g prov:wasDerivedFrom ?src } }") \
        == []


def test_derived_graphs_say_how(ask):
    rows = ask(f"""SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }}
                   FILTER(STRSTARTS(STR(?g), "{ID}derived/"))
                   FILTER NOT EXISTS {{ ?g prov:wasGeneratedBy ?how . ?how a prov:Activity ; rdfs:comment ?c }} }}""")
    assert rows == []
    assert ask(f'ASK {{ GRAPH ?g {{ ?plan tw:dueDate ?d }} FILTER(STRSTARTS(STR(?g), "{ID}derived/")) }}')


def test_due_dates_only_in_derived_graphs(ask):
    assert ask(f'ASK {{ GRAPH ?g {{ ?plan tw:dueDate ?d }} FILTER(!STRSTARTS(STR(?g), "{ID}derived/")) }}') is False


def test_every_twin_with_a_cohort_has_a_plan(ask):
    assert ask("ASK { ?t a tw:Twin ; tw:cohort ?c FILTER NOT EXISTS { ?t tw:replicationPlan ?p } }") is False


def test_every_source_document_described(ask):
    rows = ask("""SELECT ?doc WHERE { ?doc a tw:SourceDocument
                  FILTER NOT EXISTS { ?doc <http://purl.org/dc/terms/language> ?l } }""")
    assert rows == []
    used = ask("""SELECT DISTINCT ?src WHERE { ?g prov:wasDerivedFrom ?src
                  FILTER(STRSTARTS(STR(?src), "http") && !STRSTARTS(STR(?src), "https://sws.geonames.org/")
                         && !STRSTARTS(STR(?src), "https://w3id.org/"))
                  FILTER NOT EXISTS { ?src a tw:SourceDocument } }""")
    assert used == []


def test_references_resolve_to_described_cities(ask):
    rows = ask("""SELECT DISTINCT ?city WHERE {
        VALUES ?p { tw:ledBy tw:twinCity tw:pairedPilotCity tw:hostCity tw:participant }
        ?x ?p ?city
        FILTER NOT EXISTS { ?city tw:country ?country ; <http://www.w3.org/2000/01/rdf-schema#label> ?label } }""")
    assert rows == []
    assert ask("ASK { ?t tw:pairedWith ?pilot FILTER NOT EXISTS { ?pilot a tw:Pilot ; tw:cohort ?c } }") is False


def test_every_city_has_country_coordinates_geonames(ask):
    rows = ask("""SELECT ?city WHERE { ?city a tw:City
        FILTER NOT EXISTS { ?city tw:country ?c ; <http://www.w3.org/2003/01/geo/wgs84_pos#lat> ?lat ;
                            <http://www.opengis.net/ont/geosparql#hasGeometry> ?geom ;
                            <http://www.w3.org/2004/02/skos/core#exactMatch> ?gn
                            FILTER(STRSTARTS(STR(?gn), "https://sws.geonames.org/")) } }""")
    assert rows == []


def test_published_counts(ask):
    assert len(csv_rows("mission_cities.csv")) == 112
    entries = {c for row in csv_rows("mission_cities.csv") for c in row["city_id"].split(";")}
    assert int(ask("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c tw:missionCityOf ?m }")[0]["n"]) == len(entries)
    sizes = ask(f"""SELECT ?n (MAX(?size) AS ?max) (COUNT(DISTINCT ?t) AS ?known) WHERE {{
        ?cohort tw:programme <{ID}programme/twinning-programme> ; tw:cohortNumber ?n ; tw:announcedSize ?size .
        OPTIONAL {{ ?t a tw:Twin ; tw:cohort ?cohort }} }} GROUP BY ?n""")
    announced = {row["n"]: int(row["max"]) for row in sizes}
    assert announced == {"1": 40, "2": 19, "3": 24}  # as the programme announced them
    for row in sizes:
        assert int(row["known"]) <= int(row["max"])  # never more participations than announced
    pilots = ask(f"""SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p a tw:Pilot ; tw:cohort <{ID}cohort/pilot-cohort-1> }}""")
    assert int(pilots[0]["n"]) == 25  # cohort 1 is complete: 25 activities


def test_every_pairing_has_a_source_saying_so(ask):
    rows = ask("""SELECT ?t WHERE { ?t tw:pairedWith ?p
        FILTER NOT EXISTS { GRAPH ?g { ?t tw:pairedWith ?p } ?g prov:wasDerivedFrom ?src } }""")
    assert rows == []
