"""Export of a release: the whole graph or one named graph, deterministic, streamed by pyoxigraph.

Triple formats (Turtle, N-Triples, RDF/XML) hold the union of all graphs, each triple once, sorted (by their
N-Triples lines: subject, predicate, object) so that Turtle groups a subject's statements and the same release always
gives the same bytes.
Dataset formats (N-Quads, TriG, JSON-LD) keep every graph, in order of graph name (the default graph first), each
graph's statements sorted the same way: the bytes depend only on the data, not on the store that holds it (an
in-memory copy of a remote engine's release writes what the embedded store writes).
"""
import contextlib
import heapq
import shutil
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import BinaryIO, Self

import pyoxigraph as ox

from nzc_twinning.namespaces import PREFIXES, UNION_GRAPH

from .errors import NotFound
from .formats import GRAPH_FORMATS

DUMP_FORMATS = {"ttl": "turtle", "nt": "ntriples", "nq": "nquads", "trig": "trig", "jsonld": "jsonld"}
TRIPLE_ONLY = {"turtle", "ntriples", "rdfxml"}
SORT_CHUNK = 8 << 20  # bytes of N-Triples sorted in memory at a time; larger graphs are merged from sorted runs
MERGED_CHUNK = 10_000  # lines handed on at a time from a merge
LOAD_PART = 16 << 20  # bytes of N-Triples or N-Quads bulk-loaded at a time
LOAD_THREADS = 2  # bulk loads at a time: a load waits on its disk writes much of its time, and there are two cores
# An internal graph of every release: the union of all its graphs, each statement once. SPARQL's default graph is a
# set, and pyoxigraph's union option (like a default graph of several graphs) yields a statement once per graph that
# holds it; queries over the union read this graph instead. It is derived, never exported, never a named graph of the
# release. The remote backend publishes the same graph under the same name.


class UnknownGraph(NotFound):
    """The release has no named graph of that IRI."""


def source_graphs(store: ox.Store) -> list[ox.NamedNode]:
    """The release's named graphs (without the internal union graph)."""
    return [name for name in store.named_graphs() if name.value != UNION_GRAPH]


def derive_union(store: ox.Store) -> None:
    """(Re)write the union graph of a writable store from all its other graphs: their triples are dumped into one
    temporary N-Triples file and bulk-loaded from it in parts (one load per graph cost a RocksDB ingestion per
    graph)."""
    union = ox.NamedNode(UNION_GRAPH)
    store.remove_graph(union)
    with tempfile.TemporaryFile() as triples:
        for name in [*source_graphs(store), ox.DefaultGraph()]:
            store.dump(triples, format=ox.RdfFormat.N_TRIPLES, from_graph=name)
        triples.seek(0)
        # A statement already there is stored once: the store is a set of quads.
        bulk_load_in_parts(store, triples, ox.RdfFormat.N_TRIPLES, to_graph=union)


def bulk_load_in_parts(store: ox.Store, lines: Iterable[bytes], rdf_format: ox.RdfFormat,
                       to_graph: ox.NamedNode | None = None) -> None:
    """Bulk-load N-Triples or N-Quads lines (each ending with a newline) in parts of about LOAD_PART bytes: the
    loader holds about a kilobyte a statement of what one call is given. Every line that may hold a blank node goes
    into one last part, since each call names the blank nodes it reads afresh: a blank node stays one node."""
    part, size, blank = [], 0, []
    with ParallelLoad(store) as load:
        for line in lines:
            if b"_:" in line:
                blank.append(line)
                continue
            part.append(line)
            size += len(line)
            if size >= LOAD_PART:
                load(b"".join(part), rdf_format, to_graph=to_graph)
                part, size = [], 0
        for rest in (part, blank):
            if rest:
                load(b"".join(rest), rdf_format, to_graph=to_graph)


class ParallelLoad:
    """Bulk loads of parts into one store, LOAD_THREADS at a time (pyoxigraph lets go of the GIL while it loads, and
    `oxigraph load` loads several files into one store at once the same way), with at most as many parts again
    waiting, so that memory stays bounded. Used as a context manager: leaving it waits for every load and raises the
    first error; a load that failed stops the caller at its next part."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store
        self.pool = ThreadPoolExecutor(LOAD_THREADS, thread_name_prefix="bulk-load")
        self.loads: deque[Future] = deque()

    def __call__(self, data: bytes, rdf_format: ox.RdfFormat, to_graph: ox.NamedNode | None = None,
                 lenient: bool = False) -> None:
        """Load `data` in a worker thread (`lenient`: text whose terms another part has already checked)."""
        while len(self.loads) >= 2 * LOAD_THREADS or (self.loads and self.loads[0].done()):
            self.loads.popleft().result()
        self.loads.append(self.pool.submit(self.store.bulk_load, data, rdf_format, to_graph=to_graph,
                                           lenient=lenient))

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *failure) -> None:
        try:
            for load in self.loads:
                if failure[0] is not None:
                    load.cancel()
            while self.loads:
                load = self.loads.popleft()
                if not load.cancelled() and failure[0] is None:
                    load.result()
        finally:
            self.pool.shutdown(wait=True)
            self.store = None  # the caller closes the store by dropping it (before renaming or removing its folder)


def sorted_ntriples(store: ox.Store, graph: str | None) -> Iterator[bytes]:
    """The triples of one graph, or of all graphs each once, as N-Triples lines in sorted order, one by one.

    Sorting the lines (subject first) groups each subject's statements for Turtle. It is done here rather than with
    SPARQL ORDER BY, which is twenty times slower on a million triples and aborts pyoxigraph 0.5.13 on mixed
    date and integer values (../shared/regressions/).
    """
    # Not from the union graph: its blank nodes were relabelled when it was loaded.
    graphs = [ox.NamedNode(graph)] if graph else [*source_graphs(store), ox.DefaultGraph()]
    return sorted_stream(store, graphs)


class _SortedRuns:
    """A file-like sink for Store.dump: the N-Triples lines written to it are sorted in chunks of about SORT_CHUNK
    bytes, each chunk kept in a temporary file, so that sorting a graph of any size holds one chunk in memory."""

    def __init__(self) -> None:
        self.lines: list[bytes] = []
        self.size = 0
        self.rest = b""
        self.runs: list[BinaryIO] = []
        self.files = contextlib.ExitStack()  # the runs' temporary files, closed (and so removed) after the merge

    def write(self, data: bytes) -> int:
        *lines, rest = (self.rest + data).split(b"\n")
        self.lines += lines
        self.size += len(data)
        self.rest = rest
        if self.size >= SORT_CHUNK:
            self.spill()
        return len(data)

    def extend(self, lines: list[bytes]) -> None:
        """Add whole lines, without their newlines."""
        self.lines += lines
        self.size += sum(map(len, lines)) + len(lines)
        if self.size >= SORT_CHUNK:
            self.spill()

    def flush(self) -> None:
        pass

    def spill(self) -> None:
        self.lines.sort()
        run = self.files.enter_context(tempfile.TemporaryFile())  # noqa: SIM115 (closed with self.files)
        run.writelines(line + b"\n" for line in self.lines)
        run.seek(0)
        self.runs.append(run)
        self.lines, self.size = [], 0

    def merged(self, render: Callable[[list[bytes]], bytes] = lambda lines: b"\n".join(lines) + b"\n") \
            -> Iterator[bytes]:
        """Every line once, in sorted order, in chunks of whole lines written by `render` (by default each line
        ending with a newline); the temporary files are closed after."""
        if self.rest:
            self.lines.append(self.rest)
        if not self.runs:  # all in memory: sorted without a merge
            lines = sorted(set(self.lines) - {b""})
            if lines:
                yield render(lines)
            return
        self.lines.sort()
        try:
            # A line is compared without its newline, as sorting the bare lines does.
            streams = [(line[:-1] for line in run) for run in self.runs] + [iter(self.lines)]
            previous, chunk = b"", []  # the empty line is dropped too
            for line in heapq.merge(*streams):
                if line != previous:
                    chunk.append(line)
                    previous = line
                    if len(chunk) == MERGED_CHUNK:
                        yield render(chunk)
                        chunk = []
            if chunk:
                yield render(chunk)
        finally:
            self.files.close()


def sorted_lines(store: ox.Store, graphs: list) -> bytes:
    """The statements of these graphs, each once, as sorted N-Triples lines, in one piece (for small graphs)."""
    return b"".join(sorted_stream(store, graphs))


def sorted_stream(store: ox.Store, graphs: list) -> Iterator[bytes]:
    """The statements of these graphs, each once, as sorted N-Triples lines in chunks (external merge sort)."""
    runs = _SortedRuns()
    for name in graphs:
        store.dump(runs, format=ox.RdfFormat.N_TRIPLES, from_graph=name)
        if runs.rest:  # a graph's dump ends with a newline; keep lines of two graphs apart all the same
            runs.write(b"\n")
    return runs.merged()


def sorted_nquads(store: ox.Store, triples: _SortedRuns | None = None) -> Iterator[bytes]:
    """Every graph's statements as N-Quads, graph by graph in order of name (the default graph first), each sorted.
    Written as bytes from the N-Triples lines: no statement becomes a Python object. Each line's triple is also
    written to `triples`, if given."""
    for chunk in sorted_stream(store, [ox.DefaultGraph()]):
        if triples is not None:
            triples.write(chunk)
        yield chunk
    for name in sorted(source_graphs(store), key=lambda graph: graph.value):
        label = f" <{name.value}> .\n".encode()
        for chunk in sorted_stream(store, [name]):
            if triples is not None:
                triples.write(chunk)
            # " .\n" ends a line and nothing else: N-Triples escapes newlines in literals, IRIs hold no spaces.
            yield chunk.replace(b" .\n", label)


@contextlib.contextmanager
def _spooled(lines: Iterator[bytes]) -> Iterator[BinaryIO]:
    """Lines written to a temporary file, rewound: the input of a streaming parse, holding nothing in memory."""
    with tempfile.TemporaryFile() as spool:
        spool.writelines(lines)
        spool.seek(0)
        yield spool


def write_all(store: ox.Store, outputs: dict[str, BinaryIO]) -> None:
    """Write the whole release in several formats at once (`outputs` maps a name of GRAPH_FORMATS to a file), from
    one pass over its graphs: the sorted N-Quads are spooled once, and the N-Triples are sorted from their triples.
    The bytes are those `write` gives for each format."""
    triples = _SortedRuns() if any(name in TRIPLE_ONLY for name in outputs) else None
    _write_formats(sorted_nquads(store, triples), triples, outputs)


def _write_formats(nquads: Iterator[bytes], triples: _SortedRuns | None, outputs: dict[str, BinaryIO]) -> None:
    """The formats of `outputs` from sorted N-Quads (spooled once) and, for the triple formats, the N-Triples lines
    in `triples` (filled while `nquads` is read, so merged after)."""
    with _spooled(nquads) as quads:
        for name in (name for name in outputs if name not in TRIPLE_ONLY):
            quads.seek(0)
            _convert(quads, ox.RdfFormat.N_QUADS, name, outputs[name])
    if triples is not None:
        with _spooled(triples.merged()) as lines:
            for name in (name for name in outputs if name in TRIPLE_ONLY):
                lines.seek(0)
                _convert(lines, ox.RdfFormat.N_TRIPLES, name, outputs[name])


class TextDumps:
    """A release's dumps written from the N-Quads text its store is loaded from, rather than read back from the store
    (which looks up the text of every term again: about four times the work). Each part of the text is first loaded
    into an in-memory store and read back from it, so each line is the one the release's store gives for its
    statement (a number, date or boolean in its canonical form, "12.50" as 12.5; escapes, xsd:string and language
    tags as Oxigraph writes them), and the text is checked as strictly as a store load checks it. So the bytes are
    those `write_all` gives on the store; tests/test_export.py compares the two.

    The text must hold every statement in a named graph and no blank node (each store load names blank nodes
    afresh, so only the store knows their names): release.py writes the dumps of such data from the store."""

    def __init__(self) -> None:
        self.quads = _SortedRuns()  # "graph-IRI triple-line": sorted by graph name, then as N-Triples lines
        self.triples = _SortedRuns()

    def add(self, nquads: bytes) -> None:
        """Add N-Quads text (whole lines). Raises SyntaxError as a store load does."""
        part = ox.Store()
        part.bulk_load(nquads, ox.RdfFormat.N_QUADS)
        normalized = part.dump(format=ox.RdfFormat.N_QUADS)
        keyed, triples = [], []
        for line in normalized.split(b"\n")[:-1]:
            # The graph name is the line's last term: an IRI, which holds no space.
            at = line.rindex(b" <")
            triple = line[:at] + b" ."
            keyed.append(line[at + 2:-3] + b" " + triple)
            triples.append(triple)
        self.quads.extend(keyed)
        self.triples.extend(triples)

    def write(self, outputs: dict[str, BinaryIO]) -> None:
        """Write the formats of `outputs` (names of GRAPH_FORMATS) as `write_all` does."""
        _write_formats(self.quads.merged(_graph_last), self.triples if any(
            name in TRIPLE_ONLY for name in outputs) else None, outputs)


def _graph_last(keyed: list[bytes]) -> bytes:
    """N-Quads lines of "graph-IRI triple-line" lines."""
    lines = []
    for line in keyed:
        graph, _, triple = line.partition(b" ")
        lines.append(triple[:-1] + b"<" + graph + b"> .\n")
    return b"".join(lines)


def _convert(source: BinaryIO, source_format: ox.RdfFormat, name: str, output: BinaryIO) -> None:
    """Sorted N-Quads or N-Triples in `source` written in format `name`: copied, or parsed and serialized."""
    rdf_format = GRAPH_FORMATS[name][2]
    if rdf_format == source_format:
        shutil.copyfileobj(source, output, 1 << 20)
    else:
        prefixes = PREFIXES if name in ("turtle", "trig") else None
        ox.serialize(ox.parse(source, format=source_format), output, rdf_format, prefixes=prefixes)


def write(store: ox.Store, name: str, output: BinaryIO, graph: str | None = None) -> None:
    """Write the release held by `store` (or its named graph `graph`) in format `name`. Raises UnknownGraph."""
    rdf_format = GRAPH_FORMATS[name][2]
    if graph is not None and (graph == UNION_GRAPH or not store.contains_named_graph(ox.NamedNode(graph))):
        raise UnknownGraph(f"the release has no named graph <{graph}>")
    prefixes = PREFIXES if name in ("turtle", "trig") else None
    if name == "ntriples":
        output.writelines(sorted_ntriples(store, graph))
    elif name in TRIPLE_ONLY or graph is not None:  # one graph is written as triples in any format
        with _spooled(sorted_ntriples(store, graph)) as triples:
            ox.serialize(ox.parse(triples, format=ox.RdfFormat.N_TRIPLES), output, rdf_format, prefixes=prefixes)
    elif name == "nquads":
        output.writelines(sorted_nquads(store))
    else:
        with _spooled(sorted_nquads(store)) as quads:
            ox.serialize(ox.parse(quads, format=ox.RdfFormat.N_QUADS), output, rdf_format, prefixes=prefixes)
