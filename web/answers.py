"""Answering a request from the backend: the release being served, running jobs, content negotiation, release tags
and streamed responses. Every blueprint reaches the store through these functions."""
import datetime
import functools
import hashlib
import json
from dataclasses import replace
from pathlib import Path

from flask import Flask, Response, current_app, g, request, url_for
from rdflib import Graph
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from graph.errors import BadRequest, ResponseTooLarge, TooLarge, Unavailable, UriTooLong
from graph.formats import GRAPH_FORMATS, RESULT_FORMATS, format_name, media_types
from graph.jobs import DumpJob, Job, QueryJob
from graph.policy import check_outgoing
from graph.pool import Answer
from graph.release import Release, kept_releases
from graph.writes import empty_release

from .cache import AnswerCache, cacheable
from .errors import error_response

PAGE_FORMATS = {k: v for k, v in GRAPH_FORMATS.items() if k not in ("nquads", "trig")}  # formats of one graph


RDFLIB_NAMES = {"turtle": "turtle", "ntriples": "nt", "rdfxml": "xml", "jsonld": "json-ld"}


def dumps_given(release: Release) -> dict:
    """The release's dump files this server gives (name suffix -> size and checksum): all of them where it was built;
    a server of a remote engine elsewhere writes the uncompressed ones from the engine, byte for byte the same, and
    has no compressed ones (web/metadata.py)."""
    dumps = release.info.get("dumps", {})
    if (release.path / "dumps").is_dir():
        return dumps
    return {suffix: dump for suffix, dump in dumps.items() if not suffix.endswith(".gz")}


def nquads_dump(release: Release | None = None) -> str:
    """The N-Quads dump this server gives of a release (the one being served unless named)."""
    release = release or current()
    return "twinning.nq.gz" if release is None or "nq.gz" in dumps_given(release) else "twinning.nq"


def current():
    """The release being served, read once per request (a switch mid-request does not mix releases)."""
    if "release" not in g:
        g.release = current_app.extensions["twinning.backend"].current()
    return g.release


def run_job(job: Job, timeout: float | None = None, cached: bool = True):
    """Run a job on the backend, or answer a query from the answer cache (web/cache.py). Where the backend answered
    from a newer release than the job named (a remote engine switched meanwhile), the rest of the request speaks of
    that one (see current()); a page already built in part from the older one is not finished from the newer.

    A cacheable query's answer is read whole before its head goes out when it is small (up to the cache's entry
    limit): its body is then a list of one bytes object, and g.cache says ("hit" or "miss", strong ETag); otherwise
    it streams as the backend sends it, and g.cache is ("bypass", None). `cached=False` always asks the backend."""
    app = current_app
    if g.get("pinned"):  # a request about one kept release (web/releases.py, memento.py)
        job = replace(job, pinned=True)
    cache = app.extensions["twinning.cache"]
    key = None
    if isinstance(job, QueryJob):
        g.cache = ("bypass", None)
        if cached and cache.capacity and cacheable(job):
            if not g.get("pinned"):
                cache.saw_current(current().id, lambda: [kept.id for kept in kept_releases(Path(app.config["STORE"]))])
            key = cache.key(current().id, job)
            entry = cache.get(key)
            if entry is not None and not g.get("pinned") and app.extensions["twinning.backend"].kind == "sparql":
                # A remote engine's release is taken as confirmed for a second (graph/remote/store.py) and a hit
                # skips the query's own check of the engine: it asks once, so another process's switch is seen.
                engine_holds = app.extensions["twinning.backend"].current(fresh=True)
                if engine_holds is None or engine_holds.id != current().id:
                    entry = None
            if entry is not None:
                g.cache, g.answered = ("hit", entry.etag), True
                return Answer(entry.format, entry.graph, [entry.body], None)
    answer = app.extensions["twinning.backend"].run(job, timeout or float(app.config["QUERY_TIMEOUT"]))
    if answer.release is not None and answer.release.id != current().id:
        if g.get("answered"):
            answer.close()
            raise Unavailable("the graph switched to a new release while this page was built; ask again",
                             retry_after=1)
        g.release = answer.release
        key = None  # the job names the release it was sent to: an entry under the new one could never be hit
    g.answered = True
    return answer if key is None else read_small(answer, cache, key)


def joined(first: list[bytes], rest):
    """The chunks already read, then the rest of the stream; closing it closes the stream (a generator, so that a
    byte limit's cut reaches the backend)."""
    try:
        yield from first
        yield from rest
    finally:
        close = getattr(rest, "close", None)
        if close:
            close()


def read_small(answer: Answer, cache: AnswerCache, key) -> Answer:
    """The answer read whole and kept in the cache if it is small and complete; else as it streams, its first
    chunks already read. An error while reading is raised before the client is told anything."""
    chunks, size, body = [], 0, iter(answer.body)
    try:
        for chunk in body:
            chunks.append(chunk)
            size += len(chunk)
            if size > cache.entry_limit:
                answer.body = joined(chunks, body)
                return answer
    except BaseException:
        answer.close()
        raise
    whole = b"".join(chunks)
    answer.body = [whole]
    if not answer.capped:  # a capped answer is not proved to be the same at every evaluation
        g.cache = ("miss", cache.put(key, answer.format, answer.graph, whole).etag)
    return answer


def release_or_503():
    """The release being served; 503 when none was built yet, unless writes are enabled: a writable store with no
    release is an empty store, whose queries the empty release answers for the rest of the request (issue 12)."""
    if current() is None:
        if not current_app.config["UPDATE_TOKEN"]:
            raise Unavailable("no release has been built yet: run `twinning load`", retry_after=30)
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


def negotiate(table: dict, hints: list[str] = ()) -> str | None:
    """The format name for a response of one kind (results or graph): the first format hint that names one of the
    table, else the Accept header's choice (as Virtuoso and Fuseki read an unknown or unsuitable hint); None if the
    client accepts none of them."""
    for hint in hints:
        if name := format_name(table, hint):
            return name
    pairs = media_types(table)
    return dict(pairs).get(preferred(tuple(media for media, _ in pairs)))


def preferred(offers: tuple[str, ...]) -> str | None:
    """The media type of `offers` that the request's Accept header prefers: the first offer when the header names
    none, None when it accepts none of them."""
    header = request.headers.get("Accept", "")
    # Only headers of a usual length are kept: under granian one header may be as long as the longest query.
    match = best_offer if len(header) <= 1024 else best_offer.__wrapped__
    return match(header, offers)


@functools.lru_cache(maxsize=512)  # clients send few distinct headers, and matching one costs 25 to 60 µs
def best_offer(header: str, offers: tuple[str, ...]) -> str | None:
    # Media type parameters are dropped: werkzeug matches `text/turtle; charset=utf-8` only to an offer with the
    # same parameters, and clients (the W3C tests among them) send a charset.
    accept = MIMEAccept([(value.split(";")[0].strip(), quality)
                         for value, quality in parse_accept_header(header, MIMEAccept)])
    return accept.best_match(offers) if accept else offers[0]


def timeout_for(app: Flask, requested: str | None) -> float:
    limit = float(app.config["QUERY_TIMEOUT"])
    if requested:
        try:
            asked = float(requested)
        except ValueError:
            raise BadRequest(f"parameter 'timeout': {requested!r} is not a number of seconds") from None
        if asked <= 0:
            raise BadRequest("parameter 'timeout' must be positive")
        limit = min(limit, asked)
    return limit


def run_query(query: str, default_graphs=(), named_graphs=(), substitutions=None) -> Response:
    """Run a query through the worker pool and stream its negotiated serialization."""
    app = current_app
    hints = format_hints()
    result_format, graph_format = negotiate(RESULT_FORMATS, hints), negotiate(GRAPH_FORMATS, hints)
    if len(query) > int(app.config["MAX_QUERY_LENGTH"]):
        raise (UriTooLong if request.method == "GET" else TooLarge)(
                         f"the query is longer than {app.config['MAX_QUERY_LENGTH']} characters; see /limits")
    query = check_outgoing(query, list(app.config["SERVICE_ALLOWLIST"]))  # SERVICE SILENT to a refused host: {}
    release = release_or_503()
    job = QueryJob(str(release.path), query, result_format, graph_format, bool(app.config["UNION_DEFAULT_GRAPH"]),
                   substitutions or {}, max_rows=int(app.config["MAX_RESULT_ROWS"]),
                   # relative IRIs in a query resolve against the endpoint (SPARQL 1.1 Protocol)
                   base_iri=request.base_url, default_graphs=tuple(default_graphs), named_graphs=tuple(named_graphs))
    answer = run_job(job, timeout_for(app, request.values.get("timeout")))
    media = (GRAPH_FORMATS if answer.graph else RESULT_FORMATS)[answer.format][0]
    limit = int(app.config["MAX_RESPONSE_BYTES"])
    if isinstance(answer.body, list):  # read whole (run_job): sent with its length, or refused before its head
        if limit and len(answer.body[0]) > limit:
            answer.close()
            raise ResponseTooLarge(f"the response passed the limit of {limit} bytes; see /limits")
        response = Response(answer.body, content_type=f"{media}; charset=utf-8")
        response.headers["Content-Length"] = str(len(answer.body[0]))
    else:
        response = Response(cut_off(answer.body, limit), content_type=f"{media}; charset=utf-8")
    response.call_on_close(answer.close)
    response.headers["Vary"] = "Accept"
    state, etag = g.cache
    response.headers["X-Twinning-Cache"] = state
    response.headers["Cache-Control"] = cache_control(job, answer, etag)
    response.headers["X-Twinning-Release"] = current().id
    if job.max_rows:
        response.headers["X-Twinning-Row-Limit"] = str(job.max_rows)
    links = []
    if answer.capped:
        # Honest about truncation: say so, and point to the complete data.
        response.headers["X-Twinning-Capped"] = f"rows={job.max_rows}"
        links.append(f'<{url_for("metadata.dump", name=nquads_dump(), _external=True)}>; rel="alternate"; '
                     f'title="complete dump", <{url_for("limits.limits", _external=True)}>; rel="help"')
    if request.endpoint == "protocol.sparql":  # where the same query gives the same answer later (issue 16)
        links.append(f'<{url_for("releases.release_sparql", release_id=current().id, _external=True)}>; rel="memento"')
    if links:
        response.headers["Link"] = ", ".join(links)
    if etag is None:
        return response
    response.set_etag(etag)
    return response.make_conditional(request)


def cache_control(job: QueryJob, answer: Answer, etag: str | None) -> str:
    """What a reverse proxy or browser may keep: an answer that depends on its release alone (one with an ETag, or
    a cacheable one too long to be kept here) may be kept; a pinned release's for good, the current release's for
    ANSWER_MAX_AGE seconds and then checked with its ETag, as the release may switch. Volatile, SERVICE and capped
    answers are not kept anywhere."""
    if answer.capped or not (etag or cacheable(job)):
        return "no-store"
    if g.get("pinned"):
        return "public, max-age=31536000, immutable"
    age = int(current_app.config["ANSWER_MAX_AGE"])
    return f"public, max-age={age}" if age else "public, no-cache"


def cut_off(body, limit: int):
    """Stream at most `limit` bytes; past it the response is aborted (an error to the client, never a
    silently short document)."""
    sent = 0
    for chunk in body:
        sent += len(chunk)
        if limit and sent > limit:
            body.close()
            raise ResponseTooLarge(f"the response passed the limit of {limit} bytes; see /limits")
        yield chunk


def run_dump(name: str, graph: str | None = None) -> Response:
    """Stream an export of the current release (or one named graph) from a query worker."""
    release = release_or_503()
    job = DumpJob(str(release.path), name, graph)
    answer = run_job(job)
    response = Response(answer.body, content_type=f"{GRAPH_FORMATS[name][0]}; charset=utf-8")
    response.call_on_close(answer.close)
    return tag(response, current(), f"dump|{name}|{graph}")


def select(query: str, **bindings: str) -> list[dict]:
    """Rows of a SELECT for an HTML page, each variable as its SPARQL JSON term. IRIs given are bound as values."""
    release = release_or_503()
    job = QueryJob(str(release.path), query, substitutions={k: {"type": "uri", "value": v} for k, v in bindings.items()})
    answer = run_job(job)
    try:
        return json.loads(b"".join(answer.body))["results"]["bindings"]
    finally:
        answer.close()


def rdf_response(graph: Graph, variant: str | None = None) -> Response:
    """An rdflib graph (metadata) in the negotiated RDF format, Turtle by default; with a variant, tagged with the
    release for caching."""
    name = negotiate(PAGE_FORMATS, format_hints())
    if name is None:
        return error_response(406, "available as " + ", ".join(media for media, _, _ in PAGE_FORMATS.values()))
    response = Response(graph.serialize(format=RDFLIB_NAMES[name]),
                        content_type=f"{PAGE_FORMATS[name][0]}; charset=utf-8", headers={"Vary": "Accept"})
    return response if variant is None else tag(response, release_or_503(), f"{variant}|{name}|{request.url_root}")


def page_query(name: str) -> str:
    """A query of the pages, from queries/pages/ (not served as a named query)."""
    return current_app.extensions["twinning.page_queries"][name]
