"""A query worker process: runs one SPARQL query at a time on a read-only store and streams the serialized result.

Running queries in a separate process is how the server stops them (pyoxigraph has no timeout: the process is
killed) and how it survives queries that abort the engine (see ../shared/regressions/). The query is evaluated and
its results serialized on this process's only thread, as pyoxigraph requires.

Protocol on stdin/stdout: the parent writes one JSON job per line; the worker answers with frames, each a kind byte,
a 4-byte big-endian length and a payload. First a header (H, JSON: {"status": 200, "format": name} or
{"status": 4xx/5xx, "error": message}), then, after a 200 header only, data (D) frames and an end (Z) frame, or an
error (E) frame when serialization fails after the header went out. The header is held back until the first data frame is ready, so a
query that crashes the engine during evaluation fails before the client is told anything.
"""
import csv
import functools
import io
import json
import os
import struct
import sys
from urllib.parse import urljoin

import pyoxigraph as ox

from . import export, results
from .formats import GRAPH_FORMATS, RESULT_FORMATS
from .jobs import DumpJob, Job, QueryJob, from_line
from .readers import hold
from .sparql_lexer import scan

CHUNK = 64 * 1024
UNION = ox.NamedNode(export.UNION_GRAPH)


class Capped(Exception):
    """The result has more rows than the job allows."""


class FrameWriter:
    """A binary file-like object that sends what pyoxigraph writes as frames, the header first.

    `before_header`, if given, runs once just before the header would go out because the result outgrew the first
    frame; it may raise Capped, which stops the serialization before the client was told anything.
    """

    def __init__(self, out, header: dict, before_header=None):
        self.out = out
        self.header = header
        self.buffer = bytearray()
        self.before_header = before_header

    def _frame(self, kind: bytes, payload: bytes) -> None:
        self.out.write(kind + struct.pack(">I", len(payload)))
        self.out.write(payload)

    def _send_header(self) -> None:
        if self.header is not None:
            self._frame(b"H", json.dumps(self.header).encode())
            self.header = None

    def write(self, data) -> int:
        self.buffer += data
        if len(self.buffer) >= CHUNK:
            if self.header is not None and self.before_header is not None:
                self.before_header()
            self._send_header()
            self._frame(b"D", bytes(self.buffer))
            self.buffer.clear()
        return len(data)

    def writelines(self, chunks) -> None:  # as a binary file does (export.write uses it)
        for chunk in chunks:
            self.write(chunk)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self._send_header()
        if self.buffer:
            self._frame(b"D", bytes(self.buffer))
            self.buffer.clear()
        self._frame(b"Z", b"")
        self.out.flush()

    def fail(self, status: int, message: str) -> None:
        """Report an error: as the header if none went out yet, else as an error frame that ends the stream."""
        if self.header is not None:  # an error header is the whole answer
            self.header = None
            self._frame(b"H", json.dumps({"status": status, "error": message}).encode())
        else:
            self._frame(b"E", message.encode())
        self.out.flush()


def send_error(out, status: int, message: str) -> None:
    FrameWriter(out, {}).fail(status, message)


def run_dump(store: ox.Store, job: DumpJob, out) -> None:
    """Stream a deterministic export of the release or of one named graph."""
    writer = FrameWriter(out, {"status": 200, "format": job.graph_format, "graph": True})
    if job.graph is not None:
        try:
            ox.NamedNode(job.graph)
        except ValueError as error:
            return writer.fail(400, f"parameter 'graph': not an IRI ({error})")
    try:
        export.write(store, job.graph_format, writer, job.graph)
    except export.UnknownGraph as error:
        return writer.fail(404, str(error))
    except (OSError, ValueError) as error:
        return writer.fail(500, f"the export failed: {error}")
    writer.close()


class RowCounter:
    """A sink for a TSV serialization that counts result rows and stops once there are more than `limit`."""

    def __init__(self, limit: int):
        self.limit = limit
        self.lines = 0

    def write(self, data) -> int:
        self.lines += bytes(data).count(b"\n")  # TSV escapes newlines inside values: one line, one row
        if self.lines - 1 > self.limit:  # the first line is the header
            raise Capped
        return len(data)

    def flush(self) -> None:
        pass


def rows_in(body: bytes, name: str) -> int:
    """Result rows in a complete, small serialization (the first frame)."""
    if name == "json":
        return len(json.loads(body).get("results", {}).get("bindings", []))
    if name == "xml":
        return body.count(b"<result>")  # "<" inside values is escaped, so the tag cannot be spoofed
    if name == "tsv":
        return max(body.count(b"\n") - 1, 0)
    return max(sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8")))) - 1, 0)


def write_capped(solutions, name: str, limit: int, writer) -> None:
    """Serialize the first `limit` solutions (the capped path only; full results stay in pyoxigraph)."""
    variables = [v.value for v in solutions.variables]
    rows = ({v: term_json(solution[v]) for v in variables if solution[v] is not None}
            for solution, _ in zip(solutions, range(limit)))
    for chunk in results.write((variables, rows), name):
        writer.write(chunk)


def term_json(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": term_json(term.subject),
                                            "predicate": term_json(term.predicate), "object": term_json(term.object)}}
    result = {"type": "literal", "value": term.value}
    if term.language:
        result["xml:lang"] = term.language
    elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
        result["datatype"] = term.datatype.value
    return result


def limited_within(query: str, limit: int) -> bool:
    """True if the query's own outermost LIMIT keeps it within `limit` rows, so no counting pass is needed."""
    own = scan(query).limit
    return own is not None and own <= limit


def run_job(store: ox.Store, job: Job, out) -> None:
    """Evaluate one job and write its frames."""
    if isinstance(job, DumpJob):
        return run_dump(store, job, out)
    try:
        store, options = dataset(store, job)
        if job.substitutions:
            options["substitutions"] = {ox.Variable(name): term_from_json(term)
                                        for name, term in job.substitutions.items()}
        result = store.query(job.query, base_iri=job.base_iri, **options)
    except SyntaxError as error:
        return send_error(out, 400, f"SPARQL syntax error: {error}")
    except (ValueError, RuntimeError) as error:  # e.g. a substituted variable that the query does not project
        return send_error(out, 400, str(error))
    is_graph = isinstance(result, ox.QueryTriples)
    name = job.graph_format if is_graph else job.result_format
    if name is None:
        kind = "an RDF graph (CONSTRUCT or DESCRIBE)" if is_graph else "query results (SELECT or ASK)"
        return send_error(out, 406, f"none of the accepted media types can hold {kind}")
    table = GRAPH_FORMATS if is_graph else RESULT_FORMATS
    limit = job.max_rows
    header = {"status": 200, "format": name, "graph": is_graph, "capped": False}

    def check_rows():
        """Before the head goes out: does the whole result fit the row limit? Counted on a second evaluation
        serialized to TSV, which stops as soon as the limit is passed."""
        store.query(job.query, base_iri=job.base_iri, **options).serialize(
            RowCounter(limit), ox.QueryResultsFormat.TSV)

    capped = isinstance(result, ox.QuerySolutions) and limit > 0 and not limited_within(job.query, limit)
    writer = FrameWriter(out, header, check_rows if capped else None)
    try:
        result.serialize(writer, table[name][2])
        if capped and writer.header is not None and rows_in(bytes(writer.buffer), name) > limit:
            raise Capped
    except Capped:
        header["capped"] = True
        writer = FrameWriter(out, header)
        write_capped(store.query(job.query, base_iri=job.base_iri, **options), name, limit, writer)
    except (OSError, ValueError, TypeError) as error:
        return writer.fail(500, f"the query failed during evaluation: {error}")
    writer.close()


def merged_dataset(job: QueryJob) -> tuple[list[str], list[str]] | None:
    """The default and named graphs a query job asks for, where its default graph is merged from two graphs or
    more (by protocol parameters, which replace the query's FROM clauses, or by FROM clauses); else None."""
    if job.default_graphs or job.named_graphs:
        defaults, named = list(job.default_graphs), list(job.named_graphs)
    else:
        clauses = scan(job.query).dataset
        if not clauses or any(clause.iri is None for clause in clauses):
            return None  # none, or a prefixed name without a PREFIX declaration: the engine says so
        defaults = [urljoin(job.base_iri or "", clause.iri) for clause in clauses if not clause.named]
        named = [clause.iri for clause in clauses if clause.named]
    return (list(dict.fromkeys(defaults)), named) if len(set(defaults)) > 1 else None


@functools.lru_cache(maxsize=1)  # the release this worker has open
def union_dataset(store: ox.Store) -> tuple:
    """pyoxigraph's options for the union default graph of a release, as (name, value) pairs."""
    if store.contains_named_graph(UNION):
        return ("default_graph", [UNION]), ("named_graphs", export.source_graphs(store))
    return (("use_default_graph_as_union", True),)  # a release built before the union graph existed


def dataset(store: ox.Store, job: QueryJob) -> tuple[ox.Store, dict]:
    """The store to ask and pyoxigraph's dataset options for a job, so that every default graph is a set of triples.

    Without a dataset of its own, a query reads the release's union graph (export.UNION_GRAPH) and reaches the
    release's named graphs with GRAPH. Graphs given by protocol parameters replace the query's FROM clauses. A
    default graph merged from several graphs is copied into an in-memory store, where a statement that several of
    them hold is one statement: pyoxigraph would count it once per graph. Raises ValueError for a graph name that
    is not an IRI.
    """
    if job.copy:  # the store is a copy of the requested dataset, its default graph already merged
        return store, {"default_graph": [ox.DefaultGraph()], "named_graphs": [ox.NamedNode(iri) for iri in job.named_graphs]}
    requested = merged_dataset(job)
    if requested is not None:
        return copy_of(store, *requested)
    if job.default_graphs or job.named_graphs:
        return store, {"default_graph": [ox.NamedNode(iri) for iri in job.default_graphs] or [ox.DefaultGraph()],
                       "named_graphs": [ox.NamedNode(iri) for iri in job.named_graphs]}
    reading = scan(job.query)
    if reading.dataset or not job.union:
        return store, {}  # pyoxigraph reads the query's own dataset, or the store's default graph
    options = dict(union_dataset(store))
    if not reading.has_graph:  # no GRAPH: the named graphs are out of reach, and listing them costs 0.4 ms a query
        options.pop("named_graphs", None)
    return store, options


def copy_of(store: ox.Store, defaults: list[str], named: list[str]) -> tuple[ox.Store, dict]:
    """An in-memory store holding the merge of `defaults` as its default graph and the graphs `named`."""
    named_nodes = [ox.NamedNode(iri) for iri in named]
    copy = ox.Store()
    for name in [ox.NamedNode(iri) for iri in defaults]:
        copy.bulk_load(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=name), ox.RdfFormat.N_TRIPLES)
    for name in named_nodes:
        copy.bulk_load(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=name), ox.RdfFormat.N_TRIPLES,
                       to_graph=name)
    return copy, {"default_graph": [ox.DefaultGraph()], "named_graphs": named_nodes}


def term_from_json(term: dict):
    """A pyoxigraph term from its SPARQL JSON results form (the shape the server sends bound parameters in)."""
    if term["type"] == "uri":
        return ox.NamedNode(term["value"])
    if "xml:lang" in term:
        return ox.Literal(term["value"], language=term["xml:lang"])
    if "datatype" in term:
        return ox.Literal(term["value"], datatype=ox.NamedNode(term["datatype"]))
    return ox.Literal(term["value"])


def main() -> None:
    jobs = sys.stdin
    out = os.fdopen(sys.stdout.fileno(), "wb", closefd=False)
    sys.stdout = sys.stderr  # nothing but frames may reach the parent's pipe
    stores: dict[str, ox.Store] = {}
    held = None  # the reader lock of the open release (readers.py): pruning never drops it under us
    for line in jobs:
        job = from_line(line)
        path = job.store
        if isinstance(job, QueryJob) and job.copy:  # a dataset copied from a remote engine, for this job only
            copy = ox.Store()
            copy.bulk_load(path=job.copy, format=ox.RdfFormat.N_QUADS)
            run_job(copy, job, out)
            continue
        if path not in stores:
            stores.clear()  # a new release: drop the old one, and let it be pruned
            if held is not None:
                held.close()
            held = hold(path)
            if held is None:
                send_error(out, 404, "this release was dropped; see /releases for the kept ones")
                continue
            try:
                stores[path] = ox.Store.read_only(path)
            except OSError as error:
                held.close()
                held = None
                send_error(out, 503, f"the store cannot be opened: {error}")
                continue
        try:
            run_job(stores[path], job, out)
        except OSError as error:
            send_error(out, 500, f"the store failed while answering: {error}")


if __name__ == "__main__":
    main()
