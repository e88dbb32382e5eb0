"""Dataset metadata and dumps: VoID, the DCAT-AP catalogue record, the dump files and the OpenAPI description."""
from flask import Blueprint, Response, current_app, jsonify, request, send_file

from graph.formats import GRAPH_FORMATS, RESULT_FORMATS, SUFFIXES
from graph.metadata import catalog_graph, void_graph

from . import search
from .answers import rdf_response, release_or_503, run_dump, tag
from .errors import error_response

bp = Blueprint("metadata", __name__)


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
    paths["/search"] = {"get": {
        "operationId": "search", "summary": "Resources by name", "tags": ["search"],
        "description": "Every labelled resource of the current release with a name (in any language) matching the "
                       "text, without regard to accents or case, best matches first: exact, prefix, a word's prefix, "
                       "inside. JSON for Accept: application/json (or format=json), else an HTML page.",
        "parameters": [{"name": "q", "in": "query", "required": True, "example": "lulea",
                        "schema": {"type": "string", "minLength": 1, "maxLength": search.MAX_TEXT}},
                       {"name": "limit", "in": "query", "required": False, "schema": {
                           "type": "integer", "minimum": 1, "maximum": search.MAX_LIMIT,
                           "default": search.DEFAULT_LIMIT}}],
        "responses": {"200": {"description": "The matches.", "content": {
                          "application/json": {"schema": {"type": "array", "items": {
                              "$ref": "#/components/schemas/SearchHit"}}},
                          "text/html": {"schema": {"type": "string"}}}},
                      "400": {"description": "The text is missing, empty or too long, or the limit is not a whole "
                                             "number in range.", "content": {"application/json": {"schema": error}}}},
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
            "error": {"type": "string"}, "status": {"type": "integer"}}},
            "SearchHit": {"type": "object", "required": ["iri", "label", "type"], "properties": {
                "iri": {"type": "string", "format": "uri"}, "label": {"type": "string"},
                "type": {"type": "string", "format": "uri", "nullable": True,
                         "description": "the resource's class (this graph's own where it has several)"}}}}},
    })


bp.add_url_rule("/.well-known/void", view_func=void)
bp.add_url_rule("/catalog", view_func=catalog)
bp.add_url_rule("/dumps/<name>", view_func=dump)
bp.add_url_rule("/openapi.json", view_func=openapi)
