"""A remote SPARQL 1.1 engine as the store: publishing releases to it and answering queries from it.

The engine is reached with the standard protocols only: the SPARQL 1.1 Protocol for queries, SPARQL 1.1 Update, and
the Graph Store Protocol for loading, each with optional HTTP Basic or Digest authentication. Any engine that speaks
them can hold the graph (tested: Oxigraph server, Virtuoso). Releases stay atomic for readers (publishing.py).

    auth.py        HTTP Basic and Digest authentication
    engine.py      the engine client and the quirks of known engines (faithful formats, rewritten datatypes)
    graphs.py      the graphs a release occupies on an engine
    publishing.py  the release record, and publishing a release
    rewriting.py   what a query becomes before the engine sees it (edits from one sparql_lexer reading)
    answers.py     answers streamed through or re-encoded, within the deadline
    store.py       RemoteStore: the current release, and each job asked of the engine
"""
from .engine import WRAPPED, Engine
from .graphs import NO_GRAPH, STAGING, STATE
from .publishing import publish, record
from .rewriting import bind_values, requested_dataset, with_dataset
from .store import RemoteStore

__all__ = ["NO_GRAPH", "STAGING", "STATE", "WRAPPED", "Engine", "RemoteStore", "bind_values", "publish", "record",
           "requested_dataset", "with_dataset"]
