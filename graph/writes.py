"""Writes (SPARQL Update, Graph Store Protocol): each one makes a new release, switched in atomically.

Readers never see a half-applied change: the current release is copied (a RocksDB checkpoint), the change applied to
the copy, its statistics and dumps rebuilt, and the copy switched in. Writes run one at a time (a file lock) in a
process of their own (`python -m graph.writes STORE KEEP`, keeping the newest KEEP releases), so a write that
crashes the engine costs only that request.
Protocol: one JSON operation on stdin; on stdout one JSON line, {"release": id} or {"status": 4xx, "error": msg}.

A store with no release yet is an empty store: the first write starts from an empty pyoxigraph store and makes the
first release (issue 12, item 8). Until then a writable server answers queries from empty_release().
"""
import hashlib
import json
import logging
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox

from nzc_twinning.namespaces import INTERNAL, UNION_GRAPH

from . import export
from .errors import BadRequest, Conflict, EngineFailed, NotFound, TwinningError, Unavailable, for_status
from .formats import GRAPH_FORMATS
from .jobs import WriteJob, from_line, to_line
from .protocol_dataset import with_protocol_dataset
from .release import KEEP_RELEASES, Release, current_release, exclusive, finish, new_release_folder, software_version
from .sparql_lexer import scan

log = logging.getLogger(__name__)
EMPTY = "empty"  # the folder, inside a store folder, of the empty release (see empty_release)


def change(store: ox.Store, operation: WriteJob) -> None:
    """Apply one operation to a writable copy of the release. Raises an errors.TwinningError."""
    kind = operation.kind
    graph = ox.NamedNode(operation.graph) if operation.graph is not None else ox.DefaultGraph()
    if isinstance(graph, ox.NamedNode) and graph.value.startswith(INTERNAL):  # a write there would be lost or harmful
        raise BadRequest(f"parameter 'graph': <{graph.value}> is a graph the store keeps for itself")
    if kind == "update" and INTERNAL in operation.update:  # as above; the union graph is derived again anyway
        raise BadRequest(f"the update names a graph the store keeps for itself (<{INTERNAL}...>)")
    try:
        if kind == "update":
            update = over_the_union(store, operation.update) if operation.union else operation.update
            store.update(update, base_iri=operation.base_iri)
        elif kind == "delete":
            if isinstance(graph, ox.NamedNode) and not store.contains_named_graph(graph):
                raise NotFound(f"there is no graph <{graph.value}>")
            store.clear_graph(graph) if isinstance(graph, ox.DefaultGraph) else store.remove_graph(graph)
        elif kind in ("put", "post"):
            if kind == "put" and (isinstance(graph, ox.DefaultGraph) or store.contains_named_graph(graph)):
                store.clear_graph(graph)
            # Each part of a multipart/form-data body is merged into the graph (Graph Store Protocol, 5.5).
            for data, name in operation.parts:
                store.load(Path(data).read_bytes(), GRAPH_FORMATS[name][2], base_iri=operation.base_iri, to_graph=graph)
        else:
            raise BadRequest(f"unknown operation {kind!r}")
    except SyntaxError as error:
        raise BadRequest(f"syntax error: {error}") from None
    except ValueError as error:
        raise BadRequest(str(error)) from None


def over_the_union(store: ox.Store, update: str) -> str:
    """The update with the WHERE of each operation reading the union default graph and reaching the release's named
    graphs, as a query does; an update that names its own dataset (USING, WITH) keeps it."""
    if scan(update).own_dataset:
        return update
    return with_protocol_dataset(update, [UNION_GRAPH], [name.value for name in export.source_graphs(store)])


def write(root: Path, operation: WriteJob, keep: int = KEEP_RELEASES) -> str:
    """Apply an operation as a new release, keeping the newest `keep`, and return its id. Raises an
    errors.TwinningError.

    The operation applies to the current release, or to an empty store where there is none or where it says
    `empty` (a remote engine that holds nothing). With `expected`, the release id (or None) the caller saw current:
    if another write came in between, 409 rather than a change made on a state the caller did not see."""
    root = Path(root)
    with exclusive(root):
        current = current_release(root)
        if operation.expected and operation.expected[0] != (current and current.id):
            raise Conflict("another write changed the store meanwhile; send this one again")
        start = None if operation.empty else current
        release_id, partial, now = new_release_folder(root, hashlib.sha256(to_line(operation)).hexdigest())
        if start is None:
            store = ox.Store(str(partial))
            info = {"software": software_version(), "inputs": {}, "changed_from": None}
        else:
            ox.Store.read_only(str(start.path)).backup(str(partial))
            store = ox.Store(str(partial))
            info = {**{k: start.info[k] for k in ("software", "inputs")}, "changed_from": start.id}
        change(store, operation)
        info.update(id=release_id, created=now.isoformat(), sha256=None, change=operation.kind)
        return finish(root, store, partial, info, keep=keep).id


def empty_release(root: Path) -> Release:
    """The empty dataset as a release of its own, built once in root/empty and never current in `root`: what a
    writable store answers queries from until its first write."""
    folder = Path(root) / EMPTY
    found = current_release(folder)
    if found is not None:
        return found
    with exclusive(folder):
        found = current_release(folder)  # another process may have built it while this one waited
        if found is None:
            digest = hashlib.sha256(b"").hexdigest()  # of no statements
            release_id, partial, now = new_release_folder(folder, digest)
            info = {"id": release_id, "created": now.isoformat(), "sha256": digest, "software": software_version(),
                    "inputs": {}}
            found = finish(folder, ox.Store(str(partial)), partial, info)
    return found


def in_process(root: Path, operation: WriteJob, timeout: float, keep: int = KEEP_RELEASES) -> dict:
    """Run a write in a process of its own (so an engine crash costs only the write); return {"release": id}.
    Raises an errors.TwinningError."""
    try:
        done = subprocess.run([sys.executable, "-m", "graph.writes", str(root), str(keep)], input=to_line(operation).decode(),
                              capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent,
                              check=False, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Unavailable("the write was stopped after its time limit") from None
    if done.returncode != 0 or not done.stdout.strip():
        log.error("write failed: %s", done.stderr[-2000:])
        raise EngineFailed("the write failed; the previous release is still current")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if "error" in result:
        raise for_status(result["status"], result["error"])
    return result


def main() -> None:
    root, keep, operation = Path(sys.argv[1]), int(sys.argv[2]), from_line(sys.stdin.read())
    try:
        print(json.dumps({"release": write(root, operation, keep)}))
    except TwinningError as error:
        print(json.dumps({"status": error.status, "error": error.message}))


if __name__ == "__main__":
    main()
