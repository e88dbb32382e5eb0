"""What a backend is asked to do, as frozen dataclasses: a query (QueryJob) or an export (DumpJob) of a release, and
a write (WriteJob). They cross into a worker or write process as one JSON line (to_line, from_line): the only place
they are plain data."""
import json
from dataclasses import dataclass, field, fields


@dataclass(frozen=True)
class QueryJob:
    """A query on a release, and the formats its answer may take: results (SELECT, ASK) or a graph (CONSTRUCT,
    DESCRIBE); None for a kind the client accepts no format of."""

    store: str  # the release's folder (for a remote engine, which release the query was made for)
    query: str
    result_format: str | None = "json"
    graph_format: str | None = None
    union: bool = True  # without a dataset of its own, the query reads the union of all graphs
    substitutions: dict = field(default_factory=dict)  # variable -> RDF term in SPARQL JSON results form
    base_iri: str | None = None  # what relative IRIs in the query resolve against
    default_graphs: tuple[str, ...] = ()  # the protocol's default-graph-uri: replaces the query's FROM
    named_graphs: tuple[str, ...] = ()  # the protocol's named-graph-uri: replaces the query's FROM NAMED
    max_rows: int = 0  # most rows of a SELECT answer; 0: no limit
    copy: str | None = None  # an N-Quads file holding the whole dataset (a merged default graph from an engine)
    pinned: bool = False  # answer from exactly this release, not whichever is current (/releases/<id>/sparql)


@dataclass(frozen=True)
class DumpJob:
    """An export of the release, or of one of its named graphs, in a graph format (as export.write writes it)."""

    store: str
    graph_format: str
    graph: str | None = None
    pinned: bool = False  # export exactly this release, not whichever is current (/releases/<id>/dumps/...)


@dataclass(frozen=True)
class WriteJob:
    """A write applied as a new release: a SPARQL Update, or a Graph Store PUT, POST or DELETE of one graph."""

    kind: str  # "update", "put", "post" or "delete"
    graph: str | None = None  # the graph written; None: the default graph
    update: str = ""  # the SPARQL Update (kind "update")
    parts: tuple[tuple[str, str], ...] = ()  # (file, format name) of each RDF document merged into the graph
    base_iri: str | None = None
    empty: bool = False  # start from an empty store (a remote engine that holds nothing yet)
    union: bool = True  # an update's WHERE reads the union of all graphs, as queries do (UNION_DEFAULT_GRAPH)
    expected: tuple[str | None, ...] = ()  # (release id,) the writer saw current; another one current is a conflict


Job = QueryJob | DumpJob
KINDS = {kind.__name__: kind for kind in (QueryJob, DumpJob, WriteJob)}


def to_line(job: Job | WriteJob) -> bytes:
    # The fields as they are (asdict's deep copy cost more than the rest of a small query's hand-off).
    return json.dumps({"job": type(job).__name__, **{f.name: getattr(job, f.name) for f in fields(job)}}).encode() + b"\n"


def from_line(line: str | bytes) -> Job | WriteJob:
    data = json.loads(line)
    kind = KINDS[data.pop("job")]
    for name in ("default_graphs", "named_graphs", "expected"):
        if name in data:
            data[name] = tuple(data[name])
    if "parts" in data:
        data["parts"] = tuple(tuple(part) for part in data["parts"])
    return kind(**data)
