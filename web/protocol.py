"""The SPARQL 1.1 Protocol endpoint (/sparql: queries, its Service Description) and the health check."""
import json

from flask import Blueprint, Response, current_app, request, url_for

from graph.errors import TwinningError
from graph.jobs import QueryJob
from graph.metadata import service_description_graph

from .answers import current, page_query, rdf_response, release_or_503, run_job, run_query
from .errors import error_response
from .writes import sparql_update

bp = Blueprint("protocol", __name__)


def sparql() -> Response:
    """SPARQL 1.1 Protocol: GET, POST form, POST direct; a bare GET returns the Service Description."""
    if request.method in ("GET", "HEAD"):  # HEAD is how link checkers (data.europa.eu's MQA) test the endpoint
        queries = request.args.getlist("query")
        if "update" in request.args:
            return error_response(400, "SPARQL Update is only accepted by POST")
        if not queries:
            return service_description()
        default_graphs = request.args.getlist("default-graph-uri")
        named_graphs = request.args.getlist("named-graph-uri")
    else:
        content_type = request.mimetype
        if content_type == "application/x-www-form-urlencoded":
            if "update" in request.form:
                return sparql_update(request.form.getlist("update"))
            queries = request.form.getlist("query")
        elif content_type == "application/sparql-query":
            charset = request.mimetype_params.get("charset", "utf-8").lower()
            if charset not in ("utf-8", "utf8"):
                return error_response(415, f"a direct POST query must be UTF-8, not {charset}")
            try:
                queries = [request.get_data().decode("utf-8")]
            except UnicodeDecodeError:
                return error_response(400, "the query is not valid UTF-8")
        elif content_type == "application/sparql-update":
            charset = request.mimetype_params.get("charset", "utf-8").lower()
            if charset not in ("utf-8", "utf8"):
                return error_response(415, f"a direct POST update must be UTF-8, not {charset}")
            try:
                return sparql_update([request.get_data().decode("utf-8")])
            except UnicodeDecodeError:
                return error_response(400, "the update is not valid UTF-8")
        else:
            return error_response(
                415, "POST a query as application/x-www-form-urlencoded or application/sparql-query"
                     + (f", not {content_type}" if content_type else " (the Content-Type header is missing)"))
        default_graphs = request.args.getlist("default-graph-uri") + request.form.getlist("default-graph-uri")
        named_graphs = request.args.getlist("named-graph-uri") + request.form.getlist("named-graph-uri")
        if "query" in request.args and content_type == "application/sparql-query":
            return error_response(400, "give the query either in the body or in the URL, not both")
    if len(queries) != 1:
        return error_response(400, "exactly one query parameter is allowed" if queries else "the query is empty")
    return run_query(queries[0], default_graphs, named_graphs)


def service_description() -> Response:
    """The SPARQL 1.1 Service Description of this endpoint, in the negotiated RDF format (Turtle by default)."""
    release = current()
    triples = release.info.get("statistics", {}).get("triples", release.info["quads"]) if release else None
    graph = service_description_graph(request.base_url,  # /sparql, or a pinned /releases/<id>/sparql
                                      
                                      [url_for("metadata.void", _external=True),
                                       url_for("metadata.catalog", _external=True)],
                                      bool(current_app.config["UNION_DEFAULT_GRAPH"]), triples)
    return rdf_response(graph)  # untagged: it is there before any release is


def health() -> Response:
    """For load balancers and monitors: 200 with the release when a query runs end to end (a worker or the engine
    answers ASK {}), else 503 with the reason. Never cached."""
    backend = current_app.extensions["twinning.backend"]
    try:
        if backend.kind == "sparql":
            backend.current(fresh=True)  # the engine itself, not the record it confirmed a moment ago
        answer = run_job(QueryJob(str(release_or_503().path), page_query("health")),
                         min(5.0, float(current_app.config["QUERY_TIMEOUT"])), cached=False)  # the backend itself
        try:
            b"".join(answer.body)
        finally:
            answer.close()
    except TwinningError as error:
        return error_response(503, error.message, {"Retry-After": "5", "Cache-Control": "no-store"})
    return Response(json.dumps({"status": "ok", "release": current().id, "backend": backend.kind}),
                    content_type="application/json", headers={"Cache-Control": "no-store"})


# HEAD is how link checkers (data.europa.eu's MQA) test the endpoint.
bp.add_url_rule("/sparql", view_func=sparql, methods=["GET", "HEAD", "POST"])
bp.add_url_rule("/health", view_func=health)
