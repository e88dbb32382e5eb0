"""Writes, when an operator enabled them: SPARQL 1.1 Update (POSTed to /sparql) and the Graph Store Protocol (/store).
Each write is applied as a new release (graph/writes.py)."""
import hmac
import tempfile
import uuid
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from graph.errors import BadRequest, Forbidden, NotFound, Unauthorized, UnsupportedMediaType
from graph.formats import GRAPH_FORMATS, format_name, iri_error
from graph.jobs import QueryJob, WriteJob
from graph.policy import check_outgoing
from graph.protocol_dataset import with_protocol_dataset

from .answers import (
    PAGE_FORMATS,
    current,
    format_hints,
    negotiate,
    page_query,
    release_or_503,
    run_dump,
    run_job,
    select,
    tag,
)
from .errors import error_response

bp = Blueprint("writes", __name__)


def authorize_write() -> None:
    """Writes exist only when an operator set UPDATE_TOKEN, and each needs it as a bearer token."""
    token = current_app.config["UPDATE_TOKEN"]
    if not token:
        raise Forbidden("this endpoint is read-only: SPARQL Update and Graph Store writes are disabled")
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):  # constant time: no timing oracle
        raise Unauthorized("this write needs the header Authorization: Bearer <token>" if not given
                           else "the bearer token in the Authorization header is not the right one")


def write(operation: WriteJob) -> dict:
    """Apply a write as a new release (see graph/writes.py). Raises an errors.TwinningError."""
    return current_app.extensions["twinning.backend"].write(operation, float(current_app.config["QUERY_TIMEOUT"]) * 4)


def sparql_update(updates: list[str]) -> Response:
    """SPARQL 1.1 Update by POST, when writes are enabled."""
    authorize_write()
    if len(updates) != 1:
        return error_response(400, "exactly one update parameter is allowed")
    if len(updates[0]) > int(current_app.config["MAX_QUERY_LENGTH"]):
        return error_response(413, "the update is too long; see /limits")
    update = with_protocol_dataset(updates[0], request.values.getlist("using-graph-uri"),
                                   request.values.getlist("using-named-graph-uri"))
    update = check_outgoing(update, list(current_app.config["SERVICE_ALLOWLIST"]), update=True)
    if not update:  # only LOAD SILENT of refused hosts: success without a change, and no new release
        return jsonify(release=current() and current().id)
    result = write(WriteJob("update", update=update, base_iri=request.base_url,
                            union=bool(current_app.config["UNION_DEFAULT_GRAPH"])))
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
        graph, created = url_for("writes.graph_store", rest=uuid.uuid4().hex, _external=True), True
    else:
        return error_response(400, "name the graph with ?graph=IRI or ?default (exactly one); a POST that names "
                                   "none makes a new graph")
    if graph is not None and (problem := iri_error(graph)):
        return error_response(400, f"parameter 'graph': {graph!r} is not an IRI ({problem})")
    if request.method in ("GET", "HEAD"):
        name = negotiate(PAGE_FORMATS, format_hints())
        if name is None:
            return error_response(406, "graphs are available as " + ", ".join(PAGE_FORMATS))
        response = read_graph(name, graph)
        response.headers["Vary"] = "Accept"
        return response
    authorize_write()
    if request.method == "DELETE":
        write(WriteJob("delete", graph))
        return Response(status=204)
    with tempfile.TemporaryDirectory() as folder:
        parts = rdf_parts(Path(folder))
        existed = not created and (graph is None or graph_exists(graph))
        write(WriteJob(request.method.lower(), graph, parts=parts, base_iri=graph or request.base_url))
    if created:
        return Response(status=201, headers={"Location": graph})
    return Response(status=204 if existed else 201)


def read_graph(name: str, graph: str | None) -> Response:
    """GET or HEAD of a graph (None: the default graph, see graph_store). HEAD has GET's headers without running
    the export: the body would only be thrown away. Raises an errors.TwinningError (404 for a graph the store does not hold)."""
    dump = graph is not None or bool(current_app.config["UNION_DEFAULT_GRAPH"])  # else the own default graph
    if request.method == "HEAD":
        if graph is not None and not graph_exists(graph):
            raise NotFound(f"the release has no named graph <{graph}>")
        # No Content-Length rather than 0: GET's is not known without the export (werkzeug counts a body it can).
        response = Response(iter(()), content_type=f"{GRAPH_FORMATS[name][0]}; charset=utf-8")
        response.implicit_sequence_conversion = False
    elif dump:
        return run_dump(name, graph)
    else:
        job = QueryJob(str(release_or_503().path), page_query("store_default_graph"), None, name, union=False)
        answer = run_job(job)
        response = Response(answer.body, content_type=f"{GRAPH_FORMATS[name][0]}; charset=utf-8")
        response.call_on_close(answer.close)
    return tag(response, release_or_503(), f"dump|{name}|{graph}" if dump else f"default graph|{name}")


def rdf_parts(folder: Path) -> tuple[tuple[str, str], ...]:
    """The RDF documents of a write, each saved in `folder`, as (file, format name): the body, or each part of a
    multipart/form-data body (all of them merged into the graph). Raises UnsupportedMediaType for a document in no
    format the store reads, BadRequest for a broken multipart body."""
    if request.mimetype == "multipart/form-data":
        documents = multipart_documents()
    else:
        documents = [(request.mimetype or "", request.get_data(), "")]
    parts = []
    for number, (media, data, label) in enumerate(documents):
        name = format_name(PAGE_FORMATS, media)
        if name is None:
            what = f"part {label!r} of the form" if label else "the graph"
            raise UnsupportedMediaType(f"send {what} as " + ", ".join(media for media, _, _ in PAGE_FORMATS.values())
                                  + (f", not {media}" if media else " (its Content-Type is missing)"))
        path = folder / f"{number}.rdf"
        path.write_bytes(data)
        parts.append((str(path), name))
    return tuple(parts)


def multipart_documents() -> list[tuple[str, bytes, str]]:
    """Each part of a multipart/form-data body: its media type, its bytes and its name. Raises an errors.TwinningError (400)."""
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
        raise BadRequest(f"the multipart/form-data body cannot be read: {error}") from None
    if not boundary or isinstance(event, NeedData) or not documents:
        raise BadRequest("the multipart/form-data body is incomplete, or its boundary parameter is missing")
    return [(media, bytes(data), label) for media, data, label in documents]


def graph_exists(graph: str) -> bool:
    """Whether the release being served (or the empty one of a writable store) holds the named graph."""
    return bool(select(page_query("graph_exists"), this=graph))


bp.add_url_rule("/store", view_func=graph_store, methods=["GET", "HEAD", "PUT", "POST", "DELETE"])
bp.add_url_rule("/store/<path:rest>", view_func=graph_store, methods=["GET", "HEAD", "PUT", "POST", "DELETE"])
