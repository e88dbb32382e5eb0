"""What a query becomes before an engine sees it: parameters bound by a VALUES block, the dataset named by FROM and
FROM NAMED clauses.

Queries name their dataset in their text (FROM the release's union graph; FROM NAMED its graphs when the query uses
GRAPH), so staging graphs and an engine's own system graphs (Virtuoso has several) stay out of answers, and the union
default graph does not depend on how the engine was started.
"""
from .. import results
from ..pool import QueryError
from ..sparql_text import blanked, dataset_clauses, keyword, uncommented
from .graphs import DEFAULT_GRAPH, NO_GRAPH

FORM = keyword("SELECT|ASK|CONSTRUCT|DESCRIBE")
WHERE = keyword("WHERE")
GRAPH_KEYWORD = keyword("GRAPH")
SOLUTION_MODIFIER = keyword("GROUP|HAVING|ORDER|LIMIT|OFFSET|VALUES")


def query_form(query: str) -> str:
    match = FORM.search(blanked(query))
    return match.group(1).upper() if match else "SELECT"  # the engine reports the syntax error


def requested_dataset(query: str, default_graphs: list[str], named_graphs: list[str]) -> str:
    """The query over the dataset its client asked for, as the embedded store reads it: graphs given by protocol
    parameters replace the query's own FROM clauses, and a query naming only default graphs (FROM) or only named
    graphs (FROM NAMED) has none of the other kind. Virtuoso reads a missing kind as all of its graphs."""
    own = dataset_clauses(query)
    if default_graphs or named_graphs:
        for start, end, _ in own:
            query = query[:start] + " " * (end - start) + query[end:]
        return with_dataset(query, default_graphs or [DEFAULT_GRAPH], named_graphs or [NO_GRAPH])
    names_default = any(not named for _, _, named in own)
    names_named = any(named for _, _, named in own)
    return with_dataset(query, [] if names_default else [NO_GRAPH], [] if names_named else [NO_GRAPH])


def closing_brace(text: str, opening: int) -> int:
    """The position of the brace that closes the one at `opening` (in a blanked query), or -1."""
    depth = 0
    for position in range(opening, len(text)):
        depth += {"{": 1, "}": -1}.get(text[position], 0)
        if depth == 0:
            return position
    return -1


def where_clause(query: str) -> tuple[int, int]:
    """Where dataset clauses go in the query, and where the WHERE group's opening brace is (-1 if it has none,
    as in `DESCRIBE <iri>`). Braces inside parentheses (`SELECT (EXISTS { ... } AS ?e)`) are not the WHERE group."""
    text = blanked(query)
    form = FORM.search(text)
    position = form.end() if form else 0
    if form and form.group(1).upper() == "CONSTRUCT" and text[position:].lstrip().startswith("{"):
        position = closing_brace(text, text.index("{", position)) + 1  # past the template
    depth = 0
    for at in range(position, len(text)):
        depth += {"(": 1, ")": -1}.get(text[at], 0)
        if depth == 0 and text[at] == "{":
            where = WHERE.search(text, position, at)
            return (where.start() if where else at), at
    # No WHERE group (DESCRIBE <iri>): before any solution modifier, else at the end of the query proper.
    modifier = SOLUTION_MODIFIER.search(text, position)
    code = uncommented(query)
    return len(code[:modifier.start() if modifier else len(code)].rstrip()), -1


def bind_values(query: str, substitutions: dict) -> str:
    """The query with its parameters bound by a VALUES block closing its WHERE group (SPARQL has no other way to
    bind a variable from outside; at the end, it cannot clash with a BIND of the same variable). Parameters of named
    queries are bound by a triple pattern, so this narrows the answer as the embedded store's substitution does."""
    if not substitutions:
        return query
    names = list(substitutions)
    values = (f" VALUES ({' '.join('?' + n for n in names)}) "
              f"{{ ({' '.join(results.ntriples_term(substitutions[n]) for n in names)}) }} ")
    _, brace = where_clause(query)
    end = closing_brace(blanked(query), brace) if brace >= 0 else -1
    if end < 0:
        raise QueryError(400, "the query has no complete WHERE clause to bind parameters in")
    return query[:end] + values + query[end:]


def with_dataset(query: str, default_graphs: list[str], named_graphs: list[str]) -> str:
    """The query with FROM and FROM NAMED clauses. They go into the text, not into protocol parameters: Virtuoso
    echoes every protocol graph as a response header, past what HTTP clients accept."""
    clauses = "".join(f" FROM <{g}>" for g in default_graphs) + "".join(f" FROM NAMED <{g}>" for g in named_graphs)
    at, _ = where_clause(query)
    return f"{query[:at]}{clauses} {query[at:]}"  # on one line: the engine's error positions stay right
