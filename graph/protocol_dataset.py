"""The SPARQL 1.1 Protocol's update dataset (using-graph-uri, using-named-graph-uri) as USING clauses.

pyoxigraph's update takes no dataset argument, so the protocol's dataset is written into the update: a
`USING <g>` / `USING NAMED <g>` clause before the WHERE of each DELETE/INSERT operation, which is what the
protocol says the parameters mean. An update that has its own USING or WITH clause conflicts (400).
"""
from .errors import BadRequest
from .sparql_lexer import edited, scan


class DatasetConflict(BadRequest):
    """The request gives a dataset both in the protocol and in the update's own USING or WITH clauses."""


def with_protocol_dataset(update: str, using: list[str], using_named: list[str]) -> str:
    """The update with the protocol's dataset written in as USING clauses. Raises DatasetConflict."""
    if not using and not using_named:
        return update
    reading = scan(update)
    if reading.own_dataset:
        raise DatasetConflict("the dataset is given both by using-graph-uri/using-named-graph-uri and by "
                              f"a {reading.own_dataset} clause in the update")
    clauses = " ".join([f"USING <{iri}>" for iri in using] + [f"USING NAMED <{iri}>" for iri in using_named])
    return edited(update, [(at, at, f"{clauses} ") for at in reading.using_at])
