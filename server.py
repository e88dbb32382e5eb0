"""The HTTP face of the knowledge graph: the application factory, settings and errors, the SPARQL 1.1 Protocol
endpoint, named queries, writes (SPARQL Update, Graph Store Protocol) and limits; pages.py holds the pages.

HTTP only: request parsing, content negotiation, status codes and the one JSON error shape. Queries run in the
worker processes of graph.pool; results are serialized there by pyoxigraph and streamed through unchanged.
"""
import datetime
import hashlib
import hmac
import json
import logging
import math
import os
import re
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pyoxigraph as ox
from flask import Flask, Response, current_app, g, jsonify, render_template, request, url_for
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS
from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from graph.backend import create_backend
from graph.formats import GRAPH_FORMATS, RESULT_FORMATS, format_name, media_types
from graph.named import ParameterError, load_named_queries
from graph.policy import OutgoingRefused, check_outgoing
from graph.pool import QueryError, dump_job, query_job
from graph.protocol_dataset import DatasetConflict, with_protocol_dataset
from graph.writes import empty_release

PROJECT = Path(__file__).resolve().parent

# name -> (default, help). Each is also read from the environment as TWINNING_<NAME>; README.md lists them all.
SETTINGS = {
    "BACKEND": ("embedded", "where the graph is held: `embedded` (pyoxigraph in STORE) or `sparql` (an engine at ENDPOINT)"),
    "STORE": ("", "folder of the release store; empty means `store` in the instance folder"),
    "ENDPOINT": ("", "the remote engine's SPARQL query endpoint (backend `sparql`)"),
    "UPDATE_ENDPOINT": ("", "the remote engine's SPARQL Update endpoint; empty means ENDPOINT"),
    "STORE_ENDPOINT": ("", "the remote engine's Graph Store Protocol endpoint, for loading; empty: SPARQL Update"),
    "ENDPOINT_USER": ("", "user name for the remote engine (HTTP Basic or Digest authentication)"),
    "ENDPOINT_PASSWORD": ("", "password for the remote engine"),
    "DATA_DIR": ("", "folder of the fact files `twinning load` reads; empty means the project's `data/`"),
    "UNION_DEFAULT_GRAPH": (True, "a query's default graph is the union of all named graphs"),
    "QUERY_TIMEOUT": (30.0, "seconds a query may run before it is stopped (503); clients may ask for less"),
    "QUERY_WORKERS": (2, "query worker processes per server process"),
    "HOST": ("127.0.0.1", "address `twinning serve` listens on"),
    "PORT": (5000, "port `twinning serve` listens on"),
    "PUBLIC_URL": ("", "public base URL, path prefix included (`https://example.org/twinning/`): every URL names it"),
    "PROXY_HOPS": (0, "trusted reverse proxies in front, whose X-Forwarded-* and Forwarded headers are believed"),
    "SERVER_WORKERS": (2, "HTTP worker processes of `twinning serve` (one per core)"),
    "SERVER_THREADS": (8, "threads per HTTP worker process of `twinning serve`"),
    "ACCESS_LOG": (False, "`twinning serve` logs every request to standard output (costs about 3% of throughput)"),
    "MAX_CONTENT_LENGTH": (1024 * 1024, "largest request body accepted, in bytes (413 above)"),
    "MAX_QUERY_LENGTH": (65536, "longest query text accepted, in characters (414 in a URL, 413 in a body)"),
    "MAX_RESULT_ROWS": (100000, "most rows a SELECT answer holds; a capped answer says so (0: no limit)"),
    "MAX_RESPONSE_BYTES": (512 * 1024 * 1024, "largest response streamed; a longer one is cut off (0: no limit)"),
    "RATE_LIMIT": (100.0, "requests per second one client address may make on average (429 above; 0: no limit)"),
    "RATE_BURST": (400, "requests one client address may make at once before the rate limit applies"),
    "SERVICE_ALLOWLIST": ([], "hosts that SERVICE and LOAD may reach; every other outgoing request is refused"),
    "UPDATE_TOKEN": ("", "secret that enables SPARQL Update and Graph Store writes (Authorization: Bearer)"),
}

PAGE_FORMATS = {k: v for k, v in GRAPH_FORMATS.items() if k not in ("nquads", "trig")}  # formats of one graph
RDFLIB_NAMES = {"turtle": "turtle", "ntriples": "nt", "rdfxml": "xml", "jsonld": "json-ld"}
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
SD_RESULT_FORMATS = {"json": "SPARQL_Results_JSON", "xml": "SPARQL_Results_XML", "csv": "SPARQL_Results_CSV",
                     "tsv": "SPARQL_Results_TSV", "turtle": "Turtle", "ntriples": "N-Triples",
                     "rdfxml": "RDF_XML", "jsonld": "JSON-LD", "nquads": "N-Quads", "trig": "TriG"}
log = logging.getLogger(__name__)


class SettingError(ValueError):
    """A TWINNING_* variable whose value does not fit its setting's type."""


def settings_from_environment(environ) -> dict:
    """The TWINNING_<NAME> variables of SETTINGS, each read as the type of its default: text stays text (a token
    of "1.50" is not the number 1.5), numbers and yes/no are checked. Raises SettingError naming the variable."""
    found = {}
    for name, (default, _) in SETTINGS.items():
        variable = f"TWINNING_{name}"
        if variable in environ:
            try:
                found[name] = typed(environ[variable], default)
            except ValueError as error:
                raise SettingError(f"{variable}={environ[variable]!r}: {error}") from None
    return found


def typed(text: str, default):
    """A setting's text as the type of its default. Raises ValueError."""
    if isinstance(default, bool):
        words = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False,
                 "off": False}
        if text.strip().lower() not in words:
            raise ValueError("give true or false")
        return words[text.strip().lower()]
    if isinstance(default, int):
        try:
            return int(text)
        except ValueError:
            raise ValueError("give a whole number") from None
    if isinstance(default, float):
        try:
            return float(text)
        except ValueError:
            raise ValueError("give a number") from None
    if isinstance(default, list):  # a JSON list, or names separated by commas
        value = json.loads(text) if text.strip().startswith("[") else [part.strip() for part in text.split(",")]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ValueError("give a JSON list of strings or names separated by commas")
        return [item for item in value if item]
    return text


def create_app(test_config: dict | None = None) -> Flask:
    """Application factory: defaults, then TWINNING_* environment variables, then `test_config`."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping({name: default for name, (default, _) in SETTINGS.items()})
    app.config.update(settings_from_environment(os.environ))
    if test_config:
        app.config.update(test_config)
    app.config["STORE"] = app.config["STORE"] or str(Path(app.instance_path) / "store")
    app.config["DATA_DIR"] = app.config["DATA_DIR"] or str(PROJECT / "data")
    app.extensions["twinning.queries"] = load_named_queries(PROJECT / "queries")
    app.extensions["twinning.backend"] = create_backend(app.config)

    app.extensions["twinning.rate"] = RateLimiter(float(app.config["RATE_LIMIT"]), float(app.config["RATE_BURST"]))
    app.before_request(limit_rate)
    app.wsgi_app = public_address(app.wsgi_app, app.config)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(QueryError, query_error)
    app.register_error_handler(ParameterError, lambda e: error_response(400, str(e)))
    app.register_error_handler(OutgoingRefused, lambda e: error_response(403, str(e)))
    app.register_error_handler(Exception, internal_error)
    app.after_request(allow_cross_origin)

    app.add_url_rule("/sparql", view_func=sparql, methods=["GET", "POST"])
    app.add_url_rule("/queries", view_func=list_queries)
    app.add_url_rule("/queries/<name>", view_func=named_query, methods=["GET", "POST"])
    app.add_url_rule("/store", view_func=graph_store, methods=["GET", "PUT", "POST", "DELETE"])
    app.add_url_rule("/store/<path:rest>", view_func=graph_store, methods=["GET", "PUT", "POST", "DELETE"])
    app.add_url_rule("/limits", view_func=limits)
    app.add_url_rule("/health", view_func=health)
    import pages  # the pages import this module's helpers, so they register once it is loaded

    pages.register(app)
    return app


class RateLimiter:
    """A token bucket per client address: `rate` requests a second on average, `burst` at once."""

    def __init__(self, rate: float, burst: float):
        self.rate, self.burst = rate, burst
        self.buckets: dict[str, tuple[float, float]] = {}
        self.lock = threading.Lock()

    def wait_needed(self, client: str) -> float:
        """0 if the client may go ahead (and take a token), else the seconds until it may."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic()
        with self.lock:
            tokens, last = self.buckets.get(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens < 1:
                self.buckets[client] = (tokens, now)
                return (1 - tokens) / self.rate
            self.buckets[client] = (tokens - 1, now)
            if len(self.buckets) > 100_000:  # forget idle clients rather than grow without bound
                self.buckets = {k: v for k, v in self.buckets.items() if now - v[1] < 60}
            return 0.0


def limit_rate():
    """Fair use: 429 with Retry-After for a client address past its rate (the address the server sees)."""
    wait = current_app.extensions["twinning.rate"].wait_needed(request.remote_addr or "")
    if wait > 0:
        return error_response(429, "too many requests from this address; see /limits",
                              {"Retry-After": str(max(1, math.ceil(wait)))})


# --- the public address ------------------------------------------------------------------------------------------

def public_address(wsgi_app, config):
    """WSGI middleware that makes every URL the app builds name the public address (issue 12, item 4): the headers
    of PROXY_HOPS trusted proxies give the client's address (the rate limit's key), scheme, host and path prefix;
    PUBLIC_URL, when set, fixes scheme, host and prefix whatever the request says. Raises ValueError on bad values."""
    try:
        hops = int(config["PROXY_HOPS"])
    except (TypeError, ValueError):
        hops = -1
    if hops < 0:
        raise ValueError(f"setting PROXY_HOPS: {config['PROXY_HOPS']!r} is not a number of proxies (0 or more)")
    if config["PUBLIC_URL"]:
        wsgi_app = with_public_url(wsgi_app, str(config["PUBLIC_URL"]))
    if hops:
        wsgi_app = with_forwarded(ProxyFix(wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops,
                                           x_prefix=hops), hops)
    return wsgi_app


def with_public_url(wsgi_app, url: str):
    """Scheme, host and path prefix of every request taken from the public base URL."""
    parts = urlsplit(url)
    try:
        port = str(parts.port or (443 if parts.scheme == "https" else 80))
    except ValueError:  # not a port number
        port = ""
    if (parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc or not port
            or parts.query or parts.fragment):
        raise ValueError(f"setting PUBLIC_URL: {url!r} is not an http(s) base URL like https://example.org/twinning/")
    fixed = {"wsgi.url_scheme": parts.scheme, "HTTP_HOST": parts.netloc, "SERVER_NAME": parts.hostname,
             "SERVER_PORT": port, "SCRIPT_NAME": parts.path.rstrip("/")}

    def app(environ, start_response):
        environ.update(fixed)
        return wsgi_app(environ, start_response)

    return app


FORWARDED_PAIR = re.compile(r'\s*([^=;,\s]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;,\s]*)\s*([;,]?)')
X_FORWARDED = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PORT")


def with_forwarded(wsgi_app, hops: int):
    """The standard Forwarded header (RFC 7239): client address, scheme and host from the element the outermost
    trusted proxy added. Only for a request without X-Forwarded-For/-Proto/-Host/-Port: a proxy that sets those
    (nginx usually does) passes a client's own Forwarded header on unchanged, so it must not be believed."""

    def app(environ, start_response):
        if "HTTP_FORWARDED" in environ and not any(key in environ for key in X_FORWARDED):
            elements = forwarded_elements(environ["HTTP_FORWARDED"])
            element = elements[-hops] if len(elements) >= hops else {}
            if element.get("for"):
                environ["REMOTE_ADDR"] = element["for"]
            if element.get("proto"):
                environ["wsgi.url_scheme"] = element["proto"]
            if element.get("host"):
                environ["HTTP_HOST"] = element["host"]
        return wsgi_app(environ, start_response)

    return app


def forwarded_elements(header: str) -> list[dict]:
    """The elements of a Forwarded header, nearest proxy last, each as {parameter: value}; a `for` node without its
    port or IPv6 brackets (the rate limit keys on it).

    >>> forwarded_elements('for=192.0.2.60;proto=http;by=203.0.113.43, For="[2001:db8:cafe::17]:4711";host=a.org')
    [{'for': '192.0.2.60', 'proto': 'http', 'by': '203.0.113.43'}, {'for': '2001:db8:cafe::17', 'host': 'a.org'}]
    """
    elements, element = [], {}
    for match in FORWARDED_PAIR.finditer(header):
        name, value, separator = match.group(1).lower(), match.group(2), match.group(3)
        if value.startswith('"') and len(value) > 1:
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        if name == "for":
            value = value[1:].partition("]")[0] if value.startswith("[") else value.partition(":")[0]
        element[name] = value
        if separator != ";":
            elements.append(element)
            element = {}
    return elements if not element else [*elements, element]


# --- errors ------------------------------------------------------------------------------------------------------

def error_response(status: int, message: str, headers: dict | None = None) -> Response:
    response = jsonify(error=message, status=status)
    response.status_code = status
    if status == 406:  # a cache must not give this answer to a client that accepts other types
        response.headers["Vary"] = "Accept"
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


# Headers a cross-origin script may read: the caching and paging ones, and every X-Twinning-* header.
EXPOSED_HEADERS = ("Content-Type, Content-Length, Content-Disposition, ETag, Last-Modified, Link, Location, "
                   "Retry-After, Vary, X-Twinning-Capped, X-Twinning-Release, X-Twinning-Row-Limit")


def allow_cross_origin(response: Response) -> Response:
    """CORS for every response: the endpoint is public, and writes need a token, not a cookie. A preflight may ask
    for any request header (clients add their own, such as X-Requested-With or Cache-Control) and is cached a day."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, PUT, DELETE, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = request.headers.get(
        "Access-Control-Request-Headers", "Accept, Authorization, Content-Type")
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


# --- query execution ---------------------------------------------------------------------------------------------

def current():
    """The release being served, read once per request (a switch mid-request does not mix releases)."""
    if "release" not in g:
        g.release = current_app.extensions["twinning.backend"].current()
    return g.release


def run_job(job: dict, timeout: float | None = None):
    """Run a job on the backend. Where the backend answered from a newer release than the job named (a remote
    engine switched meanwhile), the rest of the request speaks of that one (see current()); a page already built
    in part from the older one is not finished from the newer."""
    app = current_app
    answer = app.extensions["twinning.backend"].run(job, timeout or float(app.config["QUERY_TIMEOUT"]))
    if answer.release is not None and answer.release.id != current().id:
        if g.get("answered"):
            answer.close()
            raise QueryError(503, "the graph switched to a new release while this page was built; ask again",
                             retry_after=1)
        g.release = answer.release
    g.answered = True
    return answer


def release_or_503():
    """The release being served; 503 when none was built yet, unless writes are enabled: a writable store with no
    release is an empty store, whose queries the empty release answers for the rest of the request (issue 12)."""
    if current() is None:
        if not current_app.config["UPDATE_TOKEN"]:
            raise QueryError(503, "no release has been built yet: run `twinning load`", retry_after=30)
        g.release = empty_release(Path(current_app.config["STORE"]))
    return current()


def tag(response: Response, release, variant: str = "") -> Response:
    """ETag and Last-Modified follow the release; answer 304 to a client that has this version."""
    response.set_etag(hashlib.sha256(f"{release.id}|{variant}".encode()).hexdigest()[:32])
    response.last_modified = datetime.datetime.fromisoformat(release.info["created"])
    response.headers["X-Twinning-Release"] = release.id
    return response.make_conditional(request)


def format_hints() -> list[str]:
    """The formats a request names in parameters: `format`, and `output` and `results` as SPARQLWrapper and other
    clients send them (each may be repeated, as SPARQLWrapper repeats a short name with its media type)."""
    return [hint for key in ("format", "output", "results") for hint in request.values.getlist(key)]


def negotiate(table: dict, accept: MIMEAccept, hints: list[str] = ()) -> str | None:
    """The format name for a response of one kind (results or graph): the first format hint that names one of the
    table, else the Accept header's choice (as Virtuoso and Fuseki read an unknown or unsuitable hint); None if the
    client accepts none of them."""
    for hint in hints:
        if name := format_name(table, hint):
            return name
    if not accept:
        return next(iter(table))
    pairs = media_types(table)
    best = without_parameters(accept).best_match([media for media, _ in pairs])
    return dict(pairs).get(best)


def without_parameters(accept: MIMEAccept) -> MIMEAccept:
    """The Accept header without media type parameters: werkzeug matches `text/turtle; charset=utf-8` only to an
    offer with the same parameters, and clients (the W3C tests among them) send a charset."""
    return MIMEAccept([(value.split(";")[0].strip(), quality) for value, quality in accept])


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
    result_format = negotiate(RESULT_FORMATS, request.accept_mimetypes, format_hints())
    graph_format = negotiate(GRAPH_FORMATS, request.accept_mimetypes, format_hints())
    if len(query) > int(app.config["MAX_QUERY_LENGTH"]):
        raise QueryError(414 if request.method == "GET" else 413,
                         f"the query is longer than {app.config['MAX_QUERY_LENGTH']} characters; see /limits")
    query = check_outgoing(query, list(app.config["SERVICE_ALLOWLIST"]))  # SERVICE SILENT to a refused host: {}
    release = release_or_503()
    job = query_job(release.path, query, result_format, graph_format, bool(app.config["UNION_DEFAULT_GRAPH"]),
                    substitutions, max_rows=int(app.config["MAX_RESULT_ROWS"]),
                    # relative IRIs in a query resolve against the endpoint (SPARQL 1.1 Protocol)
                    base_iri=request.base_url, default_graphs=list(default_graphs), named_graphs=list(named_graphs))
    answer = run_job(job, timeout_for(app, request.values.get("timeout")))
    media = (GRAPH_FORMATS if answer.graph else RESULT_FORMATS)[answer.format][0]
    response = Response(cut_off(answer.body, int(app.config["MAX_RESPONSE_BYTES"])),
                        content_type=f"{media}; charset=utf-8")
    response.call_on_close(answer.close)
    response.headers["Vary"] = "Accept"
    response.headers["X-Twinning-Release"] = current().id
    if job["max_rows"]:
        response.headers["X-Twinning-Row-Limit"] = str(job["max_rows"])
    if answer.capped:
        # Honest about truncation: say so, and point to the complete data.
        response.headers["X-Twinning-Capped"] = f"rows={job['max_rows']}"
        response.headers["Link"] = (f'<{url_for("dump", name="twinning.nq.gz", _external=True)}>; rel="alternate"; '
                                    f'title="complete dump", <{url_for("limits", _external=True)}>; rel="help"')
    return response


def cut_off(body, limit: int):
    """Stream at most `limit` bytes; past it the response is aborted (an error to the client, never a
    silently short document)."""
    sent = 0
    for chunk in body:
        sent += len(chunk)
        if limit and sent > limit:
            body.close()
            raise QueryError(507, f"the response passed the limit of {limit} bytes; see /limits")
        yield chunk


def run_dump(name: str, graph: str | None = None) -> Response:
    """Stream an export of the current release (or one named graph) from a query worker."""
    release = release_or_503()
    job = dump_job(release.path, name, graph)
    answer = run_job(job)
    response = Response(answer.body, content_type=f"{GRAPH_FORMATS[name][0]}; charset=utf-8")
    response.call_on_close(answer.close)
    return tag(response, current(), f"dump|{name}|{graph}")


def select(query: str, **bindings: str) -> list[dict]:
    """Rows of a SELECT for an HTML page, each variable as its SPARQL JSON term. IRIs given are bound as values."""
    release = release_or_503()
    job = query_job(release.path, query, substitutions={k: {"type": "uri", "value": v} for k, v in bindings.items()})
    answer = run_job(job)
    try:
        return json.loads(b"".join(answer.body))["results"]["bindings"]
    finally:
        answer.close()


# --- routes ------------------------------------------------------------------------------------------------------

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


# --- writes ------------------------------------------------------------------------------------------------------

def authorize_write() -> None:
    """Writes exist only when an operator set UPDATE_TOKEN, and each needs it as a bearer token."""
    token = current_app.config["UPDATE_TOKEN"]
    if not token:
        raise QueryError(403, "this endpoint is read-only: SPARQL Update and Graph Store writes are disabled")
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):  # constant time: no timing oracle
        raise Unauthorized()


class Unauthorized(QueryError):
    def __init__(self):
        super().__init__(401, "this write needs the header Authorization: Bearer <token>")


def write(operation: dict) -> dict:
    """Apply a write as a new release (see graph/writes.py). Raises QueryError."""
    return current_app.extensions["twinning.backend"].write(operation, float(current_app.config["QUERY_TIMEOUT"]) * 4)


def sparql_update(updates: list[str]) -> Response:
    """SPARQL 1.1 Update by POST, when writes are enabled."""
    authorize_write()
    if len(updates) != 1:
        return error_response(400, "exactly one update parameter is allowed")
    if len(updates[0]) > int(current_app.config["MAX_QUERY_LENGTH"]):
        return error_response(413, "the update is too long; see /limits")
    try:
        update = with_protocol_dataset(updates[0], request.values.getlist("using-graph-uri"),
                                       request.values.getlist("using-named-graph-uri"))
    except DatasetConflict as error:
        return error_response(400, str(error))
    update = check_outgoing(update, list(current_app.config["SERVICE_ALLOWLIST"]), update=True)
    if not update:  # only LOAD SILENT of refused hosts: success without a change, and no new release
        return jsonify(release=current() and current().id)
    result = write({"kind": "update", "update": update, "base_iri": request.base_url})
    return jsonify(result)


def graph_store(rest: str | None = None) -> Response:
    """SPARQL 1.1 Graph Store HTTP Protocol: /store?graph=IRI or ?default (indirect), /store/... (direct); a POST to
    /store itself makes a new graph under /store/ and answers 201 with its Location.

    ?default is the store's own default graph for writes, as SPARQL Update's DEFAULT is; GET and HEAD answer what the
    protocol says they mean, `CONSTRUCT WHERE { ?s ?p ?o }` at /sparql: with UNION_DEFAULT_GRAPH (the default), the
    union of all graphs, each statement once, as before; without it, the store's own default graph."""
    created = False
    if rest is not None:
        graph = request.base_url  # direct identification: the request URL names the graph
    elif "default" in request.args and "graph" not in request.args:
        graph = None
    elif "graph" in request.args and "default" not in request.args:
        graph = request.args["graph"]
    elif request.method == "POST" and "graph" not in request.args and "default" not in request.args:
        graph, created = url_for("graph_store", rest=uuid.uuid4().hex, _external=True), True
    else:
        return error_response(400, "name the graph with ?graph=IRI or ?default (exactly one); a POST that names "
                                   "none makes a new graph")
    if graph is not None:
        try:
            ox.NamedNode(graph)
        except ValueError as error:
            return error_response(400, f"parameter 'graph': {graph!r} is not an IRI ({error})")
    if request.method in ("GET", "HEAD"):
        name = negotiate(PAGE_FORMATS, request.accept_mimetypes, format_hints())
        if name is None:
            return error_response(406, "graphs are available as " + ", ".join(PAGE_FORMATS))
        response = read_graph(name, graph)
        response.headers["Vary"] = "Accept"
        return response
    authorize_write()
    if request.method == "DELETE":
        write({"kind": "delete", "graph": graph})
        return Response(status=204)
    with tempfile.TemporaryDirectory() as folder:
        parts = rdf_parts(Path(folder))
        existed = not created and (graph is None or graph_exists(graph))
        write({"kind": request.method.lower(), "graph": graph, "parts": parts, "base_iri": graph or request.base_url})
    if created:
        return Response(status=201, headers={"Location": graph})
    return Response(status=204 if existed else 201)


def read_graph(name: str, graph: str | None) -> Response:
    """GET or HEAD of a graph (None: the default graph, see graph_store). HEAD has GET's headers without running
    the export: the body would only be thrown away. Raises QueryError (404 for a graph the store does not hold)."""
    dump = graph is not None or bool(current_app.config["UNION_DEFAULT_GRAPH"])  # else the own default graph
    if request.method == "HEAD":
        if graph is not None and not graph_exists(graph):
            raise QueryError(404, f"the release has no named graph <{graph}>")
        # No Content-Length rather than 0: GET's is not known without the export (werkzeug counts a body it can).
        response = Response(iter(()), content_type=f"{GRAPH_FORMATS[name][0]}; charset=utf-8")
        response.implicit_sequence_conversion = False
    elif dump:
        return run_dump(name, graph)
    else:
        job = query_job(release_or_503().path, "CONSTRUCT WHERE { ?s ?p ?o }", None, name, union=False)
        answer = run_job(job)
        response = Response(answer.body, content_type=f"{GRAPH_FORMATS[name][0]}; charset=utf-8")
        response.call_on_close(answer.close)
    return tag(response, release_or_503(), f"dump|{name}|{graph}" if dump else f"default graph|{name}")


def rdf_parts(folder: Path) -> list[dict]:
    """The RDF documents of a write, each saved in `folder` with its format: the body, or each part of a
    multipart/form-data body (all of them merged into the graph). Raises QueryError: 415 for a document in no
    format the store reads, 400 for a broken multipart body."""
    if request.mimetype == "multipart/form-data":
        documents = multipart_documents()
    else:
        documents = [(request.mimetype or "", request.get_data(), "")]
    parts = []
    for number, (media, data, label) in enumerate(documents):
        name = format_name(PAGE_FORMATS, media)
        if name is None:
            what = f"part {label!r} of the form" if label else "the graph"
            raise QueryError(415, f"send {what} as " + ", ".join(media for media, _, _ in PAGE_FORMATS.values())
                                  + (f", not {media}" if media else " (its Content-Type is missing)"))
        path = folder / f"{number}.rdf"
        path.write_bytes(data)
        parts.append({"data": str(path), "format": name})
    return parts


def multipart_documents() -> list[tuple[str, bytes, str]]:
    """Each part of a multipart/form-data body: its media type, its bytes and its name. Raises QueryError (400)."""
    boundary = request.mimetype_params.get("boundary", "")
    decoder = MultipartDecoder(boundary.encode("latin-1"))
    documents: list = []
    try:
        decoder.receive_data(request.get_data())
        decoder.receive_data(None)
        event = decoder.next_event()
        while not isinstance(event, (Epilogue, NeedData)):
            if isinstance(event, (Field, File)):
                documents.append((event.headers.get("Content-Type", "").split(";")[0].strip(), bytearray(),
                                  event.name))
            elif isinstance(event, Data):
                documents[-1][1].extend(event.data)
            event = decoder.next_event()
    except ValueError as error:
        raise QueryError(400, f"the multipart/form-data body cannot be read: {error}") from None
    if not boundary or isinstance(event, NeedData) or not documents:
        raise QueryError(400, "the multipart/form-data body is incomplete, or its boundary parameter is missing")
    return [(media, bytes(data), label) for media, data, label in documents]


def graph_exists(graph: str) -> bool:
    """Whether the release being served (or the empty one of a writable store) holds the named graph."""
    return bool(select("SELECT ?this WHERE { GRAPH ?this { ?s ?p ?o } } LIMIT 1", this=graph))


def health() -> Response:
    """For load balancers and monitors: 200 with the release when a query runs end to end (a worker or the engine
    answers ASK {}), else 503 with the reason. Never cached."""
    backend = current_app.extensions["twinning.backend"]
    try:
        if backend.kind == "sparql":
            backend.current(fresh=True)  # the engine itself, not the record it confirmed a moment ago
        answer = run_job(query_job(release_or_503().path, "ASK {}"), min(5.0, float(current_app.config["QUERY_TIMEOUT"])))
        try:
            b"".join(answer.body)
        finally:
            answer.close()
    except QueryError as error:
        return error_response(503, error.message, {"Retry-After": "5", "Cache-Control": "no-store"})
    return Response(json.dumps({"status": "ok", "release": current().id, "backend": backend.kind}),
                    content_type="application/json", headers={"Cache-Control": "no-store"})


def limits() -> str:
    """The documented limits of this server, with their current values."""
    keys = ["QUERY_TIMEOUT", "MAX_RESULT_ROWS", "MAX_RESPONSE_BYTES", "MAX_CONTENT_LENGTH", "MAX_QUERY_LENGTH",
            "RATE_LIMIT", "RATE_BURST", "SERVICE_ALLOWLIST"]
    rows = [(key, current_app.config[key], SETTINGS[key][1]) for key in keys]
    return render_template("limits.html", release=current(), rows=rows,
                           writes=bool(current_app.config["UPDATE_TOKEN"]))


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
    # Portals find the dataset descriptions from here.
    graph.add((service, RDFS.seeAlso, URIRef(url_for("void", _external=True))))
    graph.add((service, RDFS.seeAlso, URIRef(url_for("catalog", _external=True))))
    dataset = BNode()
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    default_graph = BNode()
    graph.add((dataset, SD.defaultGraph, default_graph))
    graph.add((default_graph, RDF.type, SD.Graph))
    if current() is not None:
        triples = current().info.get("statistics", {}).get("triples", current().info["quads"])
        graph.add((default_graph, URIRef("http://rdfs.org/ns/void#triples"), Literal(triples)))
    return rdf_response(graph)  # untagged: it is there before any release is


def rdf_response(graph: Graph, variant: str | None = None) -> Response:
    """An rdflib graph (metadata) in the negotiated RDF format, Turtle by default; with a variant, tagged with the
    release for caching."""
    name = negotiate(PAGE_FORMATS, request.accept_mimetypes, format_hints())
    if name is None:
        return error_response(406, "available as " + ", ".join(media for media, _, _ in PAGE_FORMATS.values()))
    response = Response(graph.serialize(format=RDFLIB_NAMES[name]),
                        content_type=f"{PAGE_FORMATS[name][0]}; charset=utf-8", headers={"Vary": "Accept"})
    return response if variant is None else tag(response, release_or_503(), f"{variant}|{name}|{request.url_root}")


def describe_queries() -> list[dict]:
    """The named queries with their parameters, as plain data."""
    return [{
        "name": q.name, "summary": q.summary, "description": q.description, "text": q.text,
        "url": url_for("named_query", name=q.name, _external=True),
        "parameters": [{"name": p.name, "type": p.type, "description": p.description, "required": p.required,
                        "example": p.example} for p in q.parameters],
    } for q in current_app.extensions["twinning.queries"].values()]


def list_queries() -> Response:
    """The named queries with their parameters, as JSON."""
    return jsonify(describe_queries())


def named_query(name: str) -> Response:
    """Run a named query with its parameters bound as values, in any result format."""
    query = current_app.extensions["twinning.queries"].get(name)
    if query is None:
        return error_response(404, f"there is no named query {name!r}; see /queries")
    values = {key: request.values.get(key) for key in request.values}
    return run_query(query.text, substitutions=query.bind(values))
