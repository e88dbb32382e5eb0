"""Dataset metadata and dumps: VoID, the DCAT-AP catalogue record, the dump files and the OpenAPI description."""
from flask import Blueprint, Response, current_app, jsonify, render_template, request, send_file

from graph.formats import GRAPH_FORMATS, RESULT_FORMATS, SUFFIXES
from graph.metadata import catalog_graph, void_graph
from graph.patch import versions

from . import search
from .answers import current, dumps_given, nquads_dump, rdf_response, release_or_503, run_dump, tag
from .errors import error_response

bp = Blueprint("metadata", __name__)


def described() -> dict:
    """The served release's record as its metadata lists it: with the dumps this server gives."""
    release = release_or_503()
    return {**release.info, "dumps": dumps_given(release)}


def void() -> Response:
    """VoID description with the statistics computed when the release was built."""
    return rdf_response(void_graph(described(), request.url_root), "void")


def catalog() -> Response:
    """DCAT-AP 3 catalogue record: the dataset, the SPARQL endpoint as a data service, every dump, and every kept
    release as a version."""
    return rdf_response(catalog_graph(described(), request.url_root, versions(current_app.config["STORE"])),
                        "catalog")


def dump(name: str) -> Response:
    """A dump file of the release being served (the current one, or the one web/memento.py names), or with
    ?graph=IRI one named graph streamed from a worker."""
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
    paths.update(release_paths(paths["/sparql"]["get"], error))
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
            "error": {"type": "string"}, "status": {"type": "integer"},
            "line": {"type": "integer", "description": "A syntax error's line, from 1, where the parser says."},
            "column": {"type": "integer", "description": "A syntax error's column, from 1."}}},
            "SearchHit": {"type": "object", "required": ["iri", "label", "type"], "properties": {
                "iri": {"type": "string", "format": "uri"}, "label": {"type": "string"},
                "type": {"type": "string", "format": "uri", "nullable": True,
                         "description": "the resource's class (this graph's own where it has several)"}}}}},
    })


def release_paths(sparql: dict, error: dict) -> dict:
    """The kept releases' operations (issue 16): the list and its feed, a release's pinned endpoint and changes, and
    Memento for the dumps and resources. The examples name the current release, so each operation can be tried."""
    held = current()
    release = {"name": "id", "in": "path", "required": True, "description": "A kept release's id (see /releases).",
               "schema": {"type": "string"}, **({"example": held.id} if held else {})}
    dump_name = {"name": "name", "in": "path", "required": True, "description": "A dump file's name.",
                 "schema": {"type": "string", "pattern": r"^twinning\.(ttl|nt|nq|trig|jsonld)(\.gz)?$"},
                 "example": nquads_dump()}
    resource = [{"name": "type", "in": "path", "required": True, "schema": {"type": "string"}, "example": "city"},
                {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}, "example": "lund"}]
    accept_datetime = {"name": "Accept-Datetime", "in": "header", "required": False,
                       "description": "An HTTP date (RFC 7089): answer from the release that was current then (the "
                                      "oldest kept one for an earlier instant).", "schema": {"type": "string"},
                       "example": "Fri, 01 Jan 2100 00:00:00 GMT"}
    problem = {"content": {"application/json": {"schema": error}}}
    unknown = {"404": {"description": "No kept release has that id (never kept, or dropped).", **problem}}
    link_format = {"application/link-format": {"schema": {"type": "string"}}}
    memento = {"Memento-Datetime": {"description": "When the release answering was made.", "schema": {"type": "string"}},
               "Link": {"description": "The original, its TimeGate and the TimeMap.", "schema": {"type": "string"}}}
    graph_files = {media: {"schema": {"type": "string", "format": "binary"}}
                   for media in (*(m for m, _, _ in GRAPH_FORMATS.values()), "application/gzip")}

    def get(operation_id: str, summary: str, parameters: list, responses: dict, description: str = "") -> dict:
        return {"get": {"operationId": operation_id, "summary": summary, "tags": ["releases"],
                        **({"description": description} if description else {}), "parameters": parameters,
                        "responses": responses}}

    return {
        "/releases": get("releases", "The kept releases, newest first", [], {"200": {
            "description": "`{\"releases\": [{\"id\", \"created\", \"triples\", \"parent\", \"current\", "
                           "\"dump\"}]}` (`dump`: the N-Quads dump this server gives of it), or a page for a browser.",
            "content": {"application/json": {"schema": {"type": "object"}}, "text/html": {"schema": {"type": "string"}}}}}),
        "/releases.atom": get("releasesFeed", "The kept releases as an Atom feed, each entry linking its changes", [],
                              {"200": {"description": "Atom 1.0 feed.",
                                       "content": {"application/atom+xml": {"schema": {"type": "string"}}}}}),
        "/releases/{id}/sparql": {"get": {
            **sparql, "operationId": "releaseSparql", "summary": "SPARQL 1.1 Protocol query over one kept release, "
            "exactly as it was (read-only)", "tags": ["releases"], "parameters": [release, *sparql["parameters"]],
            "responses": {**sparql["responses"], **unknown}}},
        "/releases/{id}/changes": get(
            "releaseChanges", "What changed in a release, as RDF Patch", [release, {
                "name": "since", "in": "query", "required": False, "schema": {"type": "string"},
                "description": "An older kept release: the changes from it (default: the release's parent)."}],
            {"200": {"description": "RDF Patch (`H id`, `H prev`, `TX`, `A`/`D` rows, `TC`), or the added and deleted "
                                    "statements per graph for Accept: application/json.",
                     "content": {"text/rdf-patch": {"schema": {"type": "string"}},
                                 "application/json": {"schema": {"type": "object"}}}},
             "400": {"description": "`since` is not older than the release.", **problem}, **unknown}),
        "/dumps/{name}": get(
            "dump", "A dump file of the whole graph; with Accept-Datetime, of the release current then",
            [dump_name, accept_datetime, {"name": "graph", "in": "query", "required": False,
                                          "schema": {"type": "string", "format": "uri"},
                                          "description": "One named graph, streamed uncompressed."}],
            {"200": {"description": "The file; with Accept-Datetime, a memento (Memento-Datetime, Link, "
                                    "Content-Location naming /releases/{id}/dumps/{name}).",
                     "headers": memento, "content": graph_files},
             "400": {"description": "Accept-Datetime is not an HTTP date.", **problem},
             "404": {"description": "No such dump.", **problem}}),
        "/releases/{id}/dumps/{name}": get(
            "releaseDump", "A dump file of one kept release (a memento)", [release, dump_name],
            {"200": {"description": "The release's own file.", "headers": memento, "content": graph_files},
             **unknown}),
        "/timemap/dumps/{name}": get(
            "dumpTimeMap", "The mementos of a dump file: one per kept release whose dump this server gives",
            [dump_name],
            {"200": {"description": "TimeMap (RFC 7089) in link format.", "content": link_format},
             "404": {"description": "No kept release has such a dump.", **problem}}),
        "/releases/{id}/id/{type}/{slug}": get(
            "releaseResource", "A resource as one kept release holds it (a memento)", [release, *resource],
            {"200": {"description": "The resource's page or RDF, as /id/{type}/{slug} gives it.", "headers": memento,
                     "content": {m: {"schema": {"type": "string"}} for m in ("text/html", "text/turtle")}},
             **unknown}),
        "/timemap/id/{type}/{slug}": get(
            "resourceTimeMap", "The mementos of a resource: one per kept release", resource,
            {"200": {"description": "TimeMap (RFC 7089) in link format.", "content": link_format}}),
    }


def api() -> str:
    """The OpenAPI description, browsable and runnable in the vendored Swagger UI."""
    return render_template("api.html", release=current())


bp.add_url_rule("/.well-known/void", view_func=void)
bp.add_url_rule("/catalog", view_func=catalog)
bp.add_url_rule("/dumps/<name>", view_func=dump)
bp.add_url_rule("/openapi.json", view_func=openapi)
bp.add_url_rule("/api", view_func=api)
bp.add_app_template_global(nquads_dump)  # the pages link the dump this server can give
