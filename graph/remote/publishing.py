"""The release record and publishing: which release an engine holds, and making it hold another.

A release is built and checked locally as usual (release.py); publishing puts each changed graph into a staging
graph, then one SPARQL Update moves the staging graphs into place, drops the graphs the release no longer has and
rewrites the release record, all in one request, which both engines apply as one transaction. The record, in the
graph STATE, names the release and describes it (its release.json), with a nonce that changes at every publication.
"""
import hashlib
import json
import time
import uuid

import pyoxigraph as ox

from .. import export
from ..errors import Conflict, TwinningError
from ..release import Release
from .engine import Engine
from .graphs import DEFAULT_GRAPH, STAGING, STATE, UNION_GRAPH


def read_record(engine: Engine, query: str, names: tuple[str, ...], expected: bool) -> tuple[str, ...] | None:
    """Values from the release record, or None when the engine holds none. An engine whose readers see the
    switching update's steps (Virtuoso reads committed rows, not snapshots) may show the record incomplete, or
    missing where one is `expected`, for a moment: it is read again for up to a second before that counts."""
    for _ in range(20):
        rows = engine.select(query)
        if rows and all(name in rows[0] for name in names):
            return tuple(rows[0][name]["value"] for name in names)
        if not rows and not expected:
            return None
        time.sleep(0.05)
    return None


def record(engine: Engine, expected: bool = False) -> tuple[str, dict] | None:
    """The id and description of the release the engine holds, or None."""
    found = read_record(engine, f"SELECT ?id ?info WHERE {{ GRAPH <{STATE}> {{ <{STATE}> <{STATE}#id> ?id ; "
                                f"<{STATE}#info> ?info }} }}", ("id", "info"), expected)
    return (found[0], json.loads(found[1])) if found else None


def publication(engine: Engine, expected: bool = False) -> str | None:
    """The nonce of the engine's latest publication: it changes with every switch, even back to an older release."""
    found = read_record(engine, f"SELECT ?p WHERE {{ GRAPH <{STATE}> {{ <{STATE}> <{STATE}#publication> ?p }} }}",
                        ("p",), expected)
    return found[0] if found else None


def switched_to(engine: Engine, nonce: str) -> bool:
    """Whether the engine holds the publication `nonce`: a switching update whose answer was lost (a dropped
    connection, a proxy's timeout) may have been applied all the same."""
    try:
        return publication(engine, expected=True) == nonce
    except TwinningError:
        return False


def literal(text: str) -> str:
    """A string as a SPARQL long literal."""
    return '"""' + text.replace("\\", "\\\\").replace('"', '\\"') + '"""'


def graph_contents(store: ox.Store) -> dict[str, bytes]:
    """Each graph of a local release as sorted N-Triples, the default graph under its stand-in name."""
    graphs = {}
    for name in [*export.source_graphs(store), ox.DefaultGraph()]:
        if lines := export.sorted_lines(store, [name]):
            graphs[DEFAULT_GRAPH if isinstance(name, ox.DefaultGraph) else name.value] = lines
    graphs[UNION_GRAPH] = b"".join(export.sorted_ntriples(store, None))  # each statement once, as the N-Triples dump
    return graphs


def publish(engine: Engine, release: Release, progress=print) -> None:
    """Make the engine hold `release`: upload the graphs that changed, then switch in one update. Raises
    an errors.TwinningError; the engine then still holds its previous release (leftover staging graphs are dropped)."""
    held = record(engine)
    before = held[1].get("graph_digests", {}) if held else {}
    contents = graph_contents(ox.Store.read_only(str(release.path)))
    digests = {graph: hashlib.sha256(data).hexdigest() for graph, data in contents.items()}
    changed = sorted(graph for graph in digests if before.get(graph) != digests[graph])
    removed = sorted(set(before) - set(digests))
    staged = {graph: f"{STAGING}{release.id}:{i}" for i, graph in enumerate(changed)}
    progress(f"uploading {len(changed)} of {len(digests)} graphs ({len(removed)} to remove) to {engine.query_url}")
    try:
        engine.authenticate()
        started = time.monotonic()
        for i, graph in enumerate(changed, 1):
            engine.put_graph(staged[graph], engine.wrap(contents[graph]))
            if i % 100 == 0 or i == len(changed):
                progress(f"  {i}/{len(changed)} graphs uploaded ({time.monotonic() - started:.1f} s)")
        if publication(engine) != (held[1].get("publication") if held else None):
            raise Conflict("another publish switched the engine while this one uploaded; load again")
        info = {**release.info, "graph_digests": digests, "publication": uuid.uuid4().hex}
        operations = [f"MOVE <{staged[graph]}> TO <{graph}>" for graph in changed]
        operations += [f"DROP SILENT GRAPH <{graph}>" for graph in removed]
        described = (f"<{STATE}> <{STATE}#id> {literal(release.id)} ; <{STATE}#info> {literal(json.dumps(info))} ; "
                     f"<{STATE}#publication> {literal(info['publication'])}")
        operations += [f"DROP SILENT GRAPH <{STATE}>", f"INSERT DATA {{ GRAPH <{STATE}> {{ {described} }} }}"]
        try:
            engine.update(" ;\n".join(operations))
        except TwinningError:
            if not switched_to(engine, info["publication"]):
                raise
    except TwinningError:
        for graph in staged.values():
            try:
                engine.update(f"DROP SILENT GRAPH <{graph}>")
            except TwinningError:
                break  # the engine is gone; the next publish replaces these graphs anyway
        raise
    progress(f"release {release.id} is now current on {engine.query_url}")
