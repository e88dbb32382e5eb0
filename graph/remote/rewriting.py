"""What a query becomes before an engine sees it: parameters bound by a VALUES block, the dataset named by FROM and
FROM NAMED clauses, the endpoint as BASE, and the datatypes an engine rewrites named as it stores them.

The query is read once (sparql_lexer.scan) and every change is an edit of that reading, applied together, so the
text keeps its lines and the engine's error positions stay right. Queries name their dataset in their text (FROM
the release's union graph; FROM NAMED its graphs when the query uses GRAPH), so staging graphs and an engine's own
system graphs (Virtuoso has several) stay out of answers, and the union default graph does not depend on how the
engine was started. The dataset goes into the text, not into protocol parameters: Virtuoso echoes every protocol
graph as a response header, past what HTTP clients accept.
"""
from collections.abc import Callable

from .. import results
from ..errors import BadRequest
from ..jobs import QueryJob
from ..sparql_lexer import Reading, edited, scan
from .engine import Engine
from .graphs import DEFAULT_GRAPH, NO_GRAPH

Edit = tuple[int, int, str]


def values_edits(reading: Reading, substitutions: dict, stored: Callable[[str], str] = str) -> list[Edit]:
    """A VALUES block closing the WHERE group that binds the parameters (SPARQL has no other way to bind a variable
    from outside; at the end, it cannot clash with a BIND of the same variable). Parameters of named queries are
    bound by a triple pattern, so this narrows the answer as the embedded store's substitution does. `stored` names
    IRIs as the engine holds them. Raises an errors.TwinningError (400) for a query without a complete WHERE group."""
    if not substitutions:
        return []
    if reading.where is None:
        raise BadRequest("the query has no complete WHERE clause to bind parameters in")
    names = list(substitutions)
    terms = [as_stored(substitutions[name], stored) for name in names]
    values = (f" VALUES ({' '.join('?' + name for name in names)}) "
              f"{{ ({' '.join(results.ntriples_term(term) for term in terms)}) }} ")
    closing = reading.where[1]
    return [(closing, closing, values)]


def as_stored(term: dict, stored: Callable[[str], str]) -> dict:
    """A term in SPARQL JSON results form, its IRI or datatype named as the engine holds it."""
    if term["type"] == "uri":
        return {**term, "value": stored(term["value"])}
    if "datatype" in term:
        return {**term, "datatype": stored(term["datatype"])}
    return term


def dataset_edits(reading: Reading, default_graphs: list[str], named_graphs: list[str]) -> list[Edit]:
    """FROM and FROM NAMED clauses added where dataset clauses go, on the query's own line."""
    if reading.dataset_at is None:
        raise BadRequest("SPARQL syntax error: the query has no place for a dataset")
    clauses = "".join(f" FROM <{g}>" for g in default_graphs) + "".join(f" FROM NAMED <{g}>" for g in named_graphs)
    return [(reading.dataset_at, reading.dataset_at, f"{clauses} ")]


def requested_dataset_edits(reading: Reading, default_graphs: list[str], named_graphs: list[str]) -> list[Edit]:
    """The query over the dataset its client asked for, as the embedded store reads it: graphs given by protocol
    parameters replace the query's own FROM clauses, and a query naming only default graphs (FROM) or only named
    graphs (FROM NAMED) has none of the other kind. Virtuoso reads a missing kind as all of its graphs."""
    own = reading.dataset
    if default_graphs or named_graphs:
        blanks = [(clause.start, clause.end, " " * (clause.end - clause.start)) for clause in own]
        return blanks + dataset_edits(reading, default_graphs or [DEFAULT_GRAPH], named_graphs or [NO_GRAPH])
    names_default = any(not clause.named for clause in own)
    names_named = any(clause.named for clause in own)
    return dataset_edits(reading, [] if names_default else [NO_GRAPH], [] if names_named else [NO_GRAPH])


def rewritten(reading: Reading, job: QueryJob, release_dataset: tuple[list[str], list[str]], engine: Engine) -> str:
    """The text an engine is asked for a query job: its parameters bound, its dataset named (the one the client
    asked for, else `release_dataset`), its base the endpoint's, its wrapped datatypes named. Raises an errors.TwinningError."""
    edits = values_edits(reading, job.substitutions, engine.stored)
    default_graphs, named = list(job.default_graphs), list(job.named_graphs)
    if default_graphs or named or reading.dataset:
        edits += requested_dataset_edits(reading, default_graphs, named)
    else:
        edits += dataset_edits(reading, *release_dataset)
    query = edited(reading.text, edits + engine.wrap_edits(reading))
    return f"BASE <{job.base_iri}> {query}" if job.base_iri else query


# The same rewrites on query text, one at a time.

def bind_values(query: str, substitutions: dict) -> str:
    return edited(query, values_edits(scan(query), substitutions))


def with_dataset(query: str, default_graphs: list[str], named_graphs: list[str]) -> str:
    return edited(query, dataset_edits(scan(query), default_graphs, named_graphs))


def requested_dataset(query: str, default_graphs: list[str], named_graphs: list[str]) -> str:
    return edited(query, requested_dataset_edits(scan(query), default_graphs, named_graphs))
