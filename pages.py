"""The pages of the knowledge graph: Linked Data for every IRI, the ontology, dataset metadata (VoID, DCAT-AP),
dumps, the research workbench (home, query editor, map, network, timeline) and the OpenAPI description.

HTTP only, like server.py, whose helpers (query workers, negotiation, errors, release tags) they use.
"""
import json
import re

from flask import Flask, Response, current_app, jsonify, render_template, request, send_file, url_for
from rdflib.namespace import RDF, RDFS

from graph.formats import GRAPH_FORMATS, PREFIXES, RESULT_FORMATS, SUFFIXES, media_types
from graph.metadata import catalog_graph, void_graph
from graph.pool import query_job
from pictures import map_view, network_view, timeline_view
from server import (
    PAGE_FORMATS,
    current,
    describe_queries,
    error_response,
    rdf_response,
    release_or_503,
    run_dump,
    run_job,
    select,
    tag,
    without_parameters,
)


def register(app: Flask) -> None:
    app.add_url_rule("/", view_func=home)
    app.add_url_rule("/query", view_func=editor)
    app.add_url_rule("/id/<path:rest>", view_func=resource)
    app.add_url_rule("/ontology", view_func=ontology)
    app.add_url_rule("/ontology.<suffix>", view_func=ontology_file)
    app.add_url_rule("/.well-known/void", view_func=void)
    app.add_url_rule("/catalog", view_func=catalog)
    app.add_url_rule("/dumps/<name>", view_func=dump)
    app.add_url_rule("/map", view_func=map_page)
    app.add_url_rule("/network", view_func=network_page)
    app.add_url_rule("/timeline", view_func=timeline_page)
    app.add_url_rule("/openapi.json", view_func=openapi)
    app.jinja_env.globals["local_href"] = local_href


# --- the workbench -----------------------------------------------------------------------------------------------

HOME_COUNTS = """
PREFIX tw: <https://w3id.org/nzc-twinning/ontology#>
SELECT ?what (COUNT(DISTINCT ?x) AS ?n) WHERE {
  VALUES (?class ?what) { (tw:City "cities") (tw:Pilot "pilot activities") (tw:Twin "twin-city participations")
                          (tw:ExchangeActivity "exchange activities") (tw:SourceDocument "source documents") }
  ?x a ?class
} GROUP BY ?what"""


def home() -> str:
    """What the graph holds (counted live), how complete it is, and where to get it."""
    release = current()
    counts, coverage = {}, []
    if release is not None:
        counts = {row["what"]["value"]: row["n"]["value"] for row in select(HOME_COUNTS)}
        coverage = select(named("coverage").text)
    return render_template("home.html", release=current(), queries=current_app.extensions["twinning.queries"],
                           counts=counts, coverage=coverage)


def named(name: str):
    return current_app.extensions["twinning.queries"][name]


def map_page() -> str:
    cohort = request.args.get("cohortNumber", "")
    if cohort and not cohort.isdigit():
        return error_response(400, "parameter 'cohortNumber': give a number")
    query = named("map_pairings")
    pairings = [r for r in select(query.text) if not cohort or r.get("cohortNumber", {}).get("value") == cohort]
    cities = [r for r in select(named("programme_cities").text)
              if not cohort or r.get("cohortNumber", {}).get("value") == cohort]
    return render_template("map.html", release=current(), view=map_view(pairings, cities), cohort=cohort,
                           behind=[query, named("programme_cities")])


def network_page() -> str:
    query = named("map_pairings")
    view = network_view(select(query.text))
    return render_template("network.html", release=current(), view=view, behind=[query])


def timeline_page() -> str:
    cohorts, activities = named("cohort_timeline"), named("activity_timeline")
    view = timeline_view(select(cohorts.text), select(activities.text))
    return render_template("timeline.html", release=current(), view=view, behind=[cohorts, activities])


def editor() -> str:
    """The query editor, opened on a query given in the URL or on a named query."""
    queries = current_app.extensions["twinning.queries"]
    selected = queries.get(request.args.get("name", ""))
    query = request.args.get("query") or (selected.text if selected else DEFAULT_QUERY)
    # Escaped for a <script> element: no "</" can close it early.
    named_json = json.dumps(describe_queries()).replace("</", "<\\/")
    return render_template("editor.html", release=current(), query=query, queries=queries,
                           selected=selected.name if selected else "", named_json=named_json)


DEFAULT_QUERY = """PREFIX tw: <https://w3id.org/nzc-twinning/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?twinCityLabel ?pilotLabel WHERE {
  ?twin tw:twinCity/rdfs:label ?twinCityLabel ; tw:pairedWith/rdfs:label ?pilotLabel .
  FILTER(lang(?twinCityLabel) = "en" && lang(?pilotLabel) = "en")
} LIMIT 20"""


# --- Linked Data -------------------------------------------------------------------------------------------------

ID = "https://w3id.org/nzc-twinning/id/"
ONTOLOGY_IRI = "https://w3id.org/nzc-twinning/ontology"
IRI_PATH = re.compile(r"^[A-Za-z0-9._~!$&'()*+,;=:@/%-]+$")

OUTGOING = """
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?this ?p ?o ?source WHERE {
  GRAPH ?g { ?this ?p ?o }
  OPTIONAL { ?g prov:wasDerivedFrom ?source }
}"""
INCOMING = """
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?this ?s ?p ?source WHERE {
  GRAPH ?g { ?s ?p ?this }
  OPTIONAL { ?g prov:wasDerivedFrom ?source }
}"""
LABELS = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT DISTINCT ?this ?x ?label ?title ?publisher ?issued WHERE {
  { GRAPH ?g { ?this ?p ?x } } UNION { GRAPH ?g { ?x ?p ?this } } UNION { GRAPH ?g { ?this ?x ?o } }
  UNION { GRAPH ?g { ?s ?x ?this } } UNION { GRAPH ?g { ?this ?p ?o } ?g prov:wasDerivedFrom ?x }
  UNION { GRAPH ?g { ?s ?p ?this } ?g prov:wasDerivedFrom ?x }
  OPTIONAL { ?x rdfs:label ?label FILTER(lang(?label) = "en" || lang(?label) = "") }
  OPTIONAL { ?x dcterms:title ?title }
  OPTIONAL { ?x dcterms:publisher ?publisher }
  OPTIONAL { ?x dcterms:issued ?issued }
}"""
EXISTS = "SELECT ?this WHERE { { ?this ?p ?o } UNION { ?s ?p ?this } } LIMIT 1"
DESCRIBE = "CONSTRUCT { ?this ?p ?o . ?s ?q ?this } WHERE { { ?this ?p ?o } UNION { ?s ?q ?this } }"


def page_format(suffix: str | None) -> str | None:
    """HTML or an RDF format name, from a file suffix or else the Accept header; None if nothing fits (406)."""
    if suffix:
        return SUFFIXES.get(suffix) if SUFFIXES.get(suffix) in PAGE_FORMATS else None
    candidates = ["text/html", *[media for media, _ in media_types(PAGE_FORMATS)]]
    best = without_parameters(request.accept_mimetypes).best_match(candidates) if request.accept_mimetypes else "text/html"
    return "html" if best == "text/html" else dict(media_types(PAGE_FORMATS)).get(best)


def split_suffix(path: str) -> tuple[str, str | None]:
    stem, dot, suffix = path.rpartition(".")
    return (stem, suffix) if dot and suffix in SUFFIXES else (path, None)


def resource(rest: str) -> Response:
    """A resource IRI under /id/: an HTML page or its RDF description, by Accept header or file suffix."""
    rest, suffix = split_suffix(rest)
    if not IRI_PATH.match(rest):
        return error_response(404, f"/id/{rest} is not an identifier of this graph")
    iri = ID + rest
    name = page_format(suffix)
    if name is None:
        return error_response(406 if not suffix else 404, "available as HTML, " + ", ".join(PAGE_FORMATS))
    release = release_or_503()
    if name != "html":
        if not select(EXISTS, this=iri):
            return error_response(404, f"<{iri}> is not in this graph")
        job = query_job(release.path, DESCRIBE, None, name, substitutions={"this": {"type": "uri", "value": iri}})
        answer = run_job(job)
        response = Response(answer.body, content_type=f"{PAGE_FORMATS[name][0]}; charset=utf-8")
        response.call_on_close(answer.close)
        response.headers["Vary"] = "Accept"
        return tag(response, current(), f"{iri}|{name}")
    page = describe_page(iri)
    if page is None:
        return error_response(404, f"<{iri}> is not in this graph")
    response = Response(render_template("resource.html", release=current(), **page), content_type="text/html")
    response.headers["Vary"] = "Accept"
    return tag(response, current(), f"{iri}|html")


def describe_page(iri: str) -> dict | None:
    """What the HTML page of a resource shows: labels, statements in and out with labels and sources."""
    outgoing, incoming = select(OUTGOING, this=iri), select(INCOMING, this=iri)
    if not outgoing and not incoming:
        return None
    labels, titles = {}, {}
    for row in select(LABELS, this=iri):
        x = row["x"]["value"]
        if "label" in row and (x not in labels or row["label"].get("xml:lang") == "en"):
            labels[x] = row["label"]["value"]
        if "title" in row:
            titles[x] = {"url": x, "title": row["title"]["value"], "publisher": row.get("publisher", {}).get("value"),
                         "issued": row.get("issued", {}).get("value")}

    def term(t: dict) -> dict:
        if t["type"] == "uri":
            value = t["value"]
            href = local_href(value)
            return {"href": href, "text": labels.get(value) or compact(value), "iri": value}
        return {"text": t["value"], "lang": t.get("xml:lang"), "datatype": compact(t.get("datatype", "")) if
                t.get("datatype") and not t["datatype"].endswith("#string") else None}

    def grouped(rows, key):
        merged: dict = {}
        for row in rows:
            k = tuple(row[v]["value"] + row[v].get("xml:lang", "") + row[v].get("datatype", "") for v in key)
            entry = merged.setdefault(k, {**{v: term(row[v]) for v in key}, "sources": []})
            source = row.get("source", {}).get("value")
            if source and source not in entry["sources"]:
                entry["sources"].append(source)
        return sorted(merged.values(), key=lambda e: (e["p"]["text"], *(e[v]["text"] for v in key if v != "p")))

    out_rows, in_rows = grouped(outgoing, ("p", "o")), grouped(incoming, ("s", "p"))
    sources = sorted({s for row in out_rows + in_rows for s in row["sources"]})
    source_numbers = {s: i + 1 for i, s in enumerate(sources)}
    label_rows = [row["o"] for row in out_rows if row["p"]["iri"] == str(RDFS.label)]
    types = [row["o"] for row in out_rows if row["p"]["iri"] == str(RDF.type)]
    external = sorted({row["o"]["iri"] for row in out_rows if row["o"].get("iri")
                       and not row["o"]["iri"].startswith(("https://w3id.org/nzc-twinning/",
                                                           "http://www.w3.org/", "http://publications"))})
    english = [label["text"] for label in label_rows if label.get("lang") == "en"]
    return {
        **pairings_of(iri, out_rows),
        "iri": iri, "title": english[0] if english else compact(iri), "types": types,
        "labels": [{"value": label["text"], "lang": label.get("lang")} for label in label_rows],
        "outgoing": out_rows, "incoming": in_rows, "external": external,
        "sources": [titles.get(s, {"url": s}) for s in sources], "source_numbers": source_numbers,
        "alternates": [(PAGE_FORMATS[SUFFIXES[s]][0], s) for s in ("ttl", "nt", "jsonld", "rdf")],
        "query_link": url_for("editor", query=f"DESCRIBE <{iri}>"),
    }


def pairings_of(iri: str, out_rows: list[dict]) -> dict:
    """For a city, pilot or twin page: its pairings and a small map of them."""
    kind = iri[len(ID):].split("/", 1)[0]
    if kind == "twin":
        cities = [row["o"]["iri"] for row in out_rows if row["p"]["iri"].endswith("#twinCity")]
        bindings = {"city": cities[0]} if cities else None
    else:
        bindings = {"city": iri} if kind == "city" else {"pilot": iri} if kind == "pilot" else None
    if not bindings:
        return {"pairings": [], "pairing_map": None}
    rows = select(named("map_pairings").text, **bindings)
    pairs = {(r["twinCity"]["value"], r["pilot"]["value"]): r for r in rows}
    pairings = [{"twin": local_href(r["twinCity"]["value"]), "twinLabel": r["twinLabel"]["value"],
                 "pilot": local_href(r["pilot"]["value"]), "pilotLabel": r["pilotLabel"]["value"],
                 "cohort": r.get("cohortNumber", {}).get("value", "unknown")} for r in pairs.values()]
    return {"pairings": sorted(pairings, key=lambda p: (p["cohort"], p["twinLabel"])),
            "pairing_map": map_view(rows, [], width=600) if rows else None}


def local_href(iri: str) -> str:
    """Links to resources of this graph stay on this server, wherever it is hosted."""
    if iri.startswith(ID):
        return url_for("resource", rest=iri[len(ID):])
    if iri.startswith(ONTOLOGY_IRI):
        return url_for("ontology") + iri[len(ONTOLOGY_IRI):]
    return iri


def compact(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


ONTOLOGY_TERMS = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?term ?kind ?label ?definition
       (GROUP_CONCAT(DISTINCT STR(?parent); separator=" ") AS ?parents) (SAMPLE(?d) AS ?domain) (SAMPLE(?r) AS ?range)
WHERE { GRAPH <https://w3id.org/nzc-twinning/ontology> {
  ?term a ?kind ; rdfs:label ?label ; skos:definition ?definition .
  VALUES ?kind { owl:Class owl:ObjectProperty owl:DatatypeProperty }
  OPTIONAL { ?term rdfs:subClassOf|rdfs:subPropertyOf ?parent }
  OPTIONAL { ?term rdfs:domain ?d } OPTIONAL { ?term rdfs:range ?r }
  FILTER(lang(?label) = "en")
} }
GROUP BY ?term ?kind ?label ?definition ORDER BY ?kind ?term"""
ONTOLOGY_HEADER = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?title ?description ?version WHERE { GRAPH <https://w3id.org/nzc-twinning/ontology> {
  <https://w3id.org/nzc-twinning/ontology> dcterms:title ?title ; dcterms:description ?description ;
      owl:versionInfo ?version } }"""


def ontology() -> Response:
    """The ontology IRI: human documentation in a browser, the ontology itself as RDF."""
    name = page_format(None)
    if name is None:
        return error_response(406, "available as HTML, " + ", ".join(PAGE_FORMATS))
    if name != "html":
        return run_dump(name, ONTOLOGY_IRI)
    header = select(ONTOLOGY_HEADER)
    if not header:
        return error_response(404, "the release holds no ontology")
    sections = {"Classes": [], "Object properties": [], "Datatype properties": []}
    kinds = {"Class": "Classes", "ObjectProperty": "Object properties", "DatatypeProperty": "Datatype properties"}
    for row in select(ONTOLOGY_TERMS):
        sections[kinds[row["kind"]["value"].rsplit("#", 1)[1]]].append({
            "name": row["term"]["value"].rsplit("#", 1)[1], "label": row["label"]["value"],
            "definition": row["definition"]["value"],
            "parents": [compact(p) for p in row.get("parents", {}).get("value", "").split()],
            "domain": compact(row["domain"]["value"]) if "domain" in row else None,
            "range": compact(row["range"]["value"]) if "range" in row else None,
        })
    head = {key: header[0][key]["value"] for key in ("title", "description", "version")}
    response = Response(render_template("ontology.html", release=current(), header=head,
                                        sections=sections.items()), content_type="text/html")
    response.headers["Vary"] = "Accept"
    return tag(response, current(), "ontology|html")


def ontology_file(suffix: str) -> Response:
    name = SUFFIXES.get(suffix)
    if name not in PAGE_FORMATS:
        return error_response(404, f"the ontology is available as {', '.join(SUFFIXES)}")
    return run_dump(name, ONTOLOGY_IRI)


# --- dataset metadata and dumps ----------------------------------------------------------------------------------

def void() -> Response:
    """VoID description with the statistics computed when the release was built."""
    return rdf_response(void_graph(release_or_503().info, request.url_root), "void")


def catalog() -> Response:
    """DCAT-AP 3 catalogue record: the dataset, the SPARQL endpoint as a data service, every dump."""
    return rdf_response(catalog_graph(release_or_503().info, request.url_root), "catalog")


def dump(name: str) -> Response:
    """A dump file of the current release, or with ?graph=IRI one named graph streamed from a worker."""
    release = release_or_503()
    stem, _, suffix = name.partition(".")
    if stem != "twinning" or suffix not in release.info.get("dumps", {}):
        return error_response(404, f"no dump {name!r}; dumps are twinning.{{ttl,nt,nq,trig,jsonld}}[.gz]")
    if request.args.get("graph"):
        if suffix.endswith(".gz"):
            return error_response(400, "a single graph is streamed uncompressed; drop .gz")
        return run_dump(SUFFIXES[suffix], request.args["graph"])
    unchanged = tag(Response(status=200), release, f"dump|{name}")
    if unchanged.status_code == 304:  # answer before opening the file
        return unchanged
    path = release.path / "dumps" / name
    if not path.exists():  # a remote engine's release, built on another machine: written from the engine instead
        if suffix.endswith(".gz"):
            return error_response(404, f"the compressed dumps of release {release.id} are kept where it was built; "
                                       f"/dumps/twinning.{suffix.removesuffix('.gz')} has the same statements")
        response = run_dump(SUFFIXES[suffix])
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    media = "application/gzip" if suffix.endswith(".gz") else GRAPH_FORMATS[SUFFIXES[suffix]][0]
    response = send_file(path, mimetype=media, conditional=False, etag=False)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return tag(response, release, f"dump|{name}")


# --- OpenAPI -----------------------------------------------------------------------------------------------------

PARAMETER_SCHEMAS = {
    "integer": {"type": "integer"}, "decimal": {"type": "number"}, "boolean": {"type": "boolean"},
    "date": {"type": "string", "format": "date"}, "gYear": {"type": "string", "pattern": "^[0-9]{4}$"},
    "iri": {"type": "string", "format": "uri"}, "string": {"type": "string"},
    "country": {"type": "string", "pattern": "^([A-Z]{3}|http://publications\\.europa\\.eu/resource/authority/country/"
                                             "[A-Z]{3})$"},
}
RESULT_MEDIA = [media for media, _, _ in RESULT_FORMATS.values()]


def openapi() -> Response:
    """OpenAPI 3 description of the named queries (and the SPARQL endpoint), generated from the .rq headers."""
    error = {"$ref": "#/components/schemas/Error"}
    results = {media: {"schema": {"type": "object"} if "json" in media else {"type": "string"}}
               for media in RESULT_MEDIA}
    format_parameter = {"name": "format", "in": "query", "required": False,
                        "description": "Result format, overriding the Accept header.",
                        "schema": {"type": "string", "enum": list(RESULT_FORMATS)}}
    paths = {}
    for query in current_app.extensions["twinning.queries"].values():
        parameters = [{
            "name": p.name, "in": "query", "required": p.required, "description": p.description,
            "schema": PARAMETER_SCHEMAS.get(p.type, {"type": "string", "description": f"a {p.type} id or IRI"}),
            **({"example": int(p.example) if p.type == "integer" else p.example} if p.example is not None else {}),
        } for p in query.parameters]
        paths[f"/queries/{query.name}"] = {"get": {
            "operationId": query.name, "summary": query.summary, "description": query.description,
            "tags": ["named queries"], "parameters": [*parameters, format_parameter],
            "responses": {
                "200": {"description": "The query's results.", "content": results},
                "400": {"description": "A parameter is missing or not of its type.",
                        "content": {"application/json": {"schema": error}}},
            },
        }}
    paths["/sparql"] = {"get": {
        "operationId": "sparql", "summary": "SPARQL 1.1 Protocol query", "tags": ["SPARQL"],
        "parameters": [{"name": "query", "in": "query", "required": True, "schema": {"type": "string"},
                        "example": "ASK { ?s ?p ?o }"},
                       {**format_parameter, "description": "Format of the results (SELECT, ASK) or of the graph "
                        "(CONSTRUCT, DESCRIBE), overriding the Accept header where it fits the answer; aliases and "
                        "media types are read too.", "schema": {"type": "string",
                                                                "enum": [*RESULT_FORMATS, *GRAPH_FORMATS]}}],
        "responses": {"200": {"description": "Results (SELECT, ASK) or a graph (CONSTRUCT, DESCRIBE).",
                              "content": {**results, **{m: {"schema": {"type": "string"}} for m, _, _ in
                                                        GRAPH_FORMATS.values()}}},
                      "400": {"description": "A syntax error, with the parser's message.",
                              "content": {"application/json": {"schema": error}}}},
    }}
    return jsonify({
        "openapi": "3.0.3",
        "info": {"title": "NetZeroCities twinning knowledge graph", "version": "1.0.0",
                 "description": "Named research queries over the twinning knowledge graph; parameters are bound as "
                                "RDF terms, never pasted into the query.",
                 "license": {"name": "CC BY 4.0 (data)", "url": "https://creativecommons.org/licenses/by/4.0/"}},
        "servers": [{"url": request.url_root.rstrip("/")}],
        "paths": paths,
        "components": {"schemas": {"Error": {"type": "object", "required": ["error", "status"], "properties": {
            "error": {"type": "string"}, "status": {"type": "integer"}}}}},
    })
