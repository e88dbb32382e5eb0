"""The SPARQL 1.1 Protocol's update dataset (using-graph-uri, using-named-graph-uri) as USING clauses.

pyoxigraph's update takes no dataset argument, so the protocol's dataset is written into the update: a
`USING <g>` / `USING NAMED <g>` clause before the WHERE of each DELETE/INSERT operation, which is what the
protocol says the parameters mean. An update that has its own USING or WITH clause conflicts (400).
"""
import re

from .sparql_text import blanked

WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class DatasetConflict(ValueError):
    """The request gives a dataset both in the protocol and in the update's own USING or WITH clauses."""


def with_protocol_dataset(update: str, using: list[str], using_named: list[str]) -> str:
    """The update with the protocol's dataset written in as USING clauses. Raises DatasetConflict."""
    if not using and not using_named:
        return update
    clauses = " ".join([f"USING <{iri}>" for iri in using] + [f"USING NAMED <{iri}>" for iri in using_named])
    text = blanked(update)  # comments, strings and IRIs hold no syntax
    inserts, depth, position, previous = [], 0, 0, None
    while position < len(text):
        char = text[position]
        if char == "{":
            if depth == 0:
                previous = "{"  # a template: a WHERE after it belongs to DELETE/INSERT {…} WHERE
            depth += 1
        elif char == "}":
            depth -= 1
        elif depth == 0:
            word = WORD.match(text, position)
            if word and (position == 0 or not (text[position - 1].isalnum() or text[position - 1] in "_:?$.-")):
                keyword = word.group().upper()
                if keyword in ("USING", "WITH"):
                    raise DatasetConflict("the dataset is given both by using-graph-uri/using-named-graph-uri and by "
                                          f"a {keyword} clause in the update")
                if keyword == "WHERE" and previous != "DELETE":  # DELETE WHERE {…} takes no USING
                    inserts.append(position)
                previous = keyword
                position = word.end()
                continue
        position += 1
    for at in reversed(inserts):
        update = f"{update[:at]}{clauses} {update[at:]}"
    return update
