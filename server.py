"""The HTTP face of the knowledge graph: the SPARQL 1.1 Protocol endpoint, named queries and a small home page.

HTTP only: request parsing, content negotiation, status codes and the one JSON error shape. Queries run in the
worker processes of graph.pool; results are serialized there by pyoxigraph and streamed through unchanged.
"""
import logging
from pathlib import Path

from flask import Flask, Response, current_app, g, jsonify, render_template_string, request, url_for
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF
from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import HTTPException

from graph.formats import GRAPH_FORMATS, RESULT_FORMATS, format_name, media_types
from graph.named import ParameterError, load_named_queries
from graph.pool import QueryError, WorkerPool
from graph.release import current_release

PROJECT = Path(__file__).resolve().parent

# name -> (default, help). Each is also read from the environment as TWINNING_<NAME>; README.md lists them all.
SETTINGS = {
    "STORE": ("", "folder of the release store; empty means `store` in the instance folder"),
    "DATA_DIR": ("", "folder of the fact files `twinning load` reads; empty means the project's `data/`"),
    "UNION_DEFAULT_GRAPH": (True, "a query's default graph is the union of all named graphs"),
    "QUERY_TIMEOUT": (30, "seconds a query may run before it is stopped (503); clients may ask for less"),
    "QUERY_WORKERS": (2, "query worker processes per server process"),
    "HOST": ("127.0.0.1", "address `twinning serve` listens on"),
    "PORT": (5000, "port `twinning serve` listens on"),
    "SERVER_WORKERS": (1, "HTTP worker processes of `twinning serve`"),
    "SERVER_THREADS": (8, "threads per HTTP worker process of `twinning serve`"),
    "MAX_CONTENT_LENGTH": (1024 * 1024, "largest request body accepted, in bytes (413 above)"),
}

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
SD_RESULT_FORMATS = {"json": "SPARQL_Results_JSON", "xml": "SPARQL_Results_XML", "csv": "SPARQL_Results_CSV",
                     "tsv": "SPARQL_Results_TSV", "turtle": "Turtle", "ntriples": "N-Triples",
                     "rdfxml": "RDF_XML", "jsonld": "JSON-LD", "nquads": "N-Quads", "trig": "TriG"}
log = logging.getLogger(__name__)


def create_app(test_config: dict | None = None) -> Flask:
    """Application factory: defaults, then TWINNING_* environment variables, then `test_config`."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping({name: default for name, (default, _) in SETTINGS.items()})
    app.config.from_prefixed_env("TWINNING")
    if test_config:
        app.config.update(test_config)
    app.config["STORE"] = app.config["STORE"] or str(Path(app.instance_path) / "store")
    app.config["DATA_DIR"] = app.config["DATA_DIR"] or str(PROJECT / "data")
    app.extensions["twinning.queries"] = load_named_queries(PROJECT / "queries")
    app.extensions["twinning.pool"] = WorkerPool(int(app.config["QUERY_WORKERS"]))

    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(QueryError, query_error)
    app.register_error_handler(ParameterError, lambda e: error_response(400, str(e)))
    app.register_error_handler(Exception, internal_error)
    app.after_request(allow_cross_origin)

    app.add_url_rule("/", view_func=home)
    app.add_url_rule("/sparql", view_func=sparql, methods=["GET", "POST"])
    app.add_url_rule("/queries", view_func=list_queries)
    app.add_url_rule("/queries/<name>", view_func=named_query, methods=["GET", "POST"])
    return app


# --- errors ------------------------------------------------------------------------------------------------------

def error_response(status: int, message: str, headers: dict | None = None) -> Response:
    response = jsonify(error=message, status=status)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def http_error(error: HTTPException) -> Response:
    headers = {"Allow": ", ".join(error.valid_methods)} if getattr(error, "valid_methods", None) else {}
    return error_response(error.code or 500, error.description or error.name, headers)


def query_error(error: QueryError) -> Response:
    headers = {"Retry-After": str(error.retry_after)} if error.retry_after else {}
    return error_response(error.status, error.message, headers)


def internal_error(error: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.path)
    return error_response(500, "internal server error; the incident was logged")


def allow_cross_origin(response: Response) -> Response:
    """CORS for every response: the endpoint is public and read-only by default."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = "Accept, Authorization, Content-Type"
    response.headers["Access-Control-Expose-Headers"] = "Content-Type, ETag, Last-Modified, Retry-After"
    return response


# --- query execution ---------------------------------------------------------------------------------------------

def release_or_503():
    """The release being served; 503 when none was built yet."""
    if "release" not in g:
        g.release = current_release(Path(current_app.config["STORE"]))
    if g.release is None:
        raise QueryError(503, "no release has been built yet: run `twinning load`", retry_after=30)
    return g.release


def negotiate(table: dict, accept: MIMEAccept, override: str | None) -> str | None:
    """The format name for a response of one kind (results or graph); None if the client accepts none of them."""
    if override:
        return format_name(table, override)
    if not accept:
        return next(iter(table))
    pairs = media_types(table)
    best = accept.best_match([media for media, _ in pairs])
    return dict(pairs).get(best)


def timeout_for(app: Flask, requested: str | None) -> float:
    limit = float(app.config["QUERY_TIMEOUT"])
    if requested:
        try:
            asked = float(requested)
        except ValueError:
            raise QueryError(400, f"parameter 'timeout': {requested!r} is not a number of seconds") from None
        if asked <= 0:
            raise QueryError(400, "parameter 'timeout' must be positive")
        limit = min(limit, asked)
    return limit


def run_query(query: str, default_graphs=(), named_graphs=(), substitutions=None) -> Response:
    """Run a query through the worker pool and stream its negotiated serialization."""
    app = current_app
    override = request.values.get("format")
    result_format = negotiate(RESULT_FORMATS, request.accept_mimetypes, override)
    graph_format = negotiate(GRAPH_FORMATS, request.accept_mimetypes, override)
    if override and result_format is None and graph_format is None:
        raise QueryError(400, f"parameter 'format': unknown format {override!r}")
    release = release_or_503()
    job = {
        "store": str(release.path),
        "query": query,
        "base_iri": request.base_url,  # relative IRIs in a query resolve against the endpoint (SPARQL 1.1 Protocol)
        "union": bool(app.config["UNION_DEFAULT_GRAPH"]),
        "default_graphs": list(default_graphs),
        "named_graphs": list(named_graphs),
        "substitutions": substitutions or {},
        "result_format": result_format,
        "graph_format": graph_format,
    }
    answer = app.extensions["twinning.pool"].run(job, timeout_for(app, request.values.get("timeout")))
    media = (GRAPH_FORMATS if answer.graph else RESULT_FORMATS)[answer.format][0]
    response = Response(answer.body, content_type=f"{media}; charset=utf-8")
    response.headers["Vary"] = "Accept"
    response.headers["X-Twinning-Release"] = release.id
    return response


# --- routes ------------------------------------------------------------------------------------------------------

def sparql() -> Response:
    """SPARQL 1.1 Protocol: GET, POST form, POST direct; a bare GET returns the Service Description."""
    if request.method == "GET":
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
                return error_response(403, "this endpoint is read-only: SPARQL Update is disabled")
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
            return error_response(403, "this endpoint is read-only: SPARQL Update is disabled")
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
    endpoint = URIRef(url_for("sparql", _external=True))
    graph = Graph()
    graph.bind("sd", SD)
    graph.bind("formats", FORMATS)
    service = BNode()
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, endpoint))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    for name in (*RESULT_FORMATS, *GRAPH_FORMATS):
        graph.add((service, SD.resultFormat, FORMATS[SD_RESULT_FORMATS[name]]))
    if current_app.config["UNION_DEFAULT_GRAPH"]:
        graph.add((service, SD.feature, SD.UnionDefaultGraph))
    graph.add((service, SD.feature, SD.BasicFederatedQuery))
    dataset = BNode()
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    default_graph = BNode()
    graph.add((dataset, SD.defaultGraph, default_graph))
    graph.add((default_graph, RDF.type, SD.Graph))
    release = current_release(Path(current_app.config["STORE"]))
    if release is not None:
        graph.add((default_graph, URIRef("http://rdfs.org/ns/void#triples"), Literal(release.info["quads"])))
    name = negotiate({k: v for k, v in GRAPH_FORMATS.items() if k not in ("nquads", "trig")},
                     request.accept_mimetypes, request.args.get("format"))
    if name is None:
        return error_response(406, "the service description is available as " +
                              ", ".join(media for media, _, _ in GRAPH_FORMATS.values()))
    rdflib_names = {"turtle": "turtle", "ntriples": "nt", "rdfxml": "xml", "jsonld": "json-ld"}
    body = graph.serialize(format=rdflib_names[name])
    return Response(body, content_type=f"{GRAPH_FORMATS[name][0]}; charset=utf-8", headers={"Vary": "Accept"})


def list_queries() -> Response:
    """The named queries with their parameters, as JSON."""
    return jsonify([
        {
            "name": q.name, "summary": q.summary, "description": q.description,
            "url": url_for("named_query", name=q.name, _external=True),
            "parameters": [{"name": p.name, "type": p.type, "description": p.description, "required": p.required,
                            "example": p.example} for p in q.parameters],
        }
        for q in current_app.extensions["twinning.queries"].values()
    ])


def named_query(name: str) -> Response:
    """Run a named query with its parameters bound as values, in any result format."""
    query = current_app.extensions["twinning.queries"].get(name)
    if query is None:
        return error_response(404, f"there is no named query {name!r}; see /queries")
    values = {key: request.values.get(key) for key in request.values}
    return run_query(query.text, substitutions=query.bind(values))


HOME = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Twinning knowledge graph</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main>
<h1>NetZeroCities twinning knowledge graph</h1>
<p>Open data on the EU Cities Mission's Pilot Cities and Twinning Learning programmes, every fact with its source.</p>
{% if release %}<p>Release <code>{{ release.id }}</code>: {{ release.info.quads }} statements in
{{ release.info.graphs }} named graphs.</p>{% else %}<p>No release has been built yet.</p>{% endif %}
<h2>Query</h2>
<form action="{{ url_for('sparql') }}" method="get">
<label for="query">SPARQL query</label><br>
<textarea id="query" name="query" rows="8" cols="80">PREFIX tw: &lt;https://w3id.org/nzc-twinning/ontology#&gt;
SELECT ?twin ?pilot WHERE { ?t tw:twinCity ?twin ; tw:pairedWith ?pilot } LIMIT 20</textarea><br>
<button type="submit">Run</button>
</form>
<h2>Named queries</h2>
<ul>{% for q in queries.values() %}<li><a href="{{ url_for('named_query', name=q.name) }}">{{ q.name }}</a>:
{{ q.summary }}</li>{% endfor %}</ul>
<p>Endpoint: <a href="{{ url_for('sparql') }}">{{ url_for('sparql', _external=True) }}</a> (SPARQL 1.1 Protocol).</p>
</main></body></html>
"""


def home() -> str:
    release = current_release(Path(current_app.config["STORE"]))
    return render_template_string(HOME, release=release, queries=current_app.extensions["twinning.queries"])
