"""What changed between two releases, as RDF Patch (issue 16), computed from their sorted N-Quads dumps.

RDF Patch is the change format of Apache Jena's RDF Delta, https://afs.github.io/rdf-delta/rdf-patch.html (also
https://jena.apache.org/documentation/rdf-patch/): N-Triples-like rows, each ending in " .": header rows
`H id <iri> .` and `H prev <iri> .`, then a transaction `TX .` … `TC .` holding `D` (delete) and `A` (add) rows of a
triple (the default graph) or a quad. Media type text/rdf-patch.

A release's `dumps/twinning.nq` lists the default graph first, then each named graph in order of name, every graph's
lines sorted (graph/export.py). Two such files are compared by a streaming merge, graph by graph: the patch names, per
graph in that order, its deletions then its additions. Only one graph's additions are held back at a time, in a
spooled temporary file, so neither release is read into memory. Reads kept releases (graph/release.py lists them);
never writes or removes one.
"""
import contextlib
import itertools
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from nzc_twinning.namespaces import entity_iri

from .errors import BadRequest, NotFound
from .release import Release, kept_release, kept_releases

MEDIA_TYPE = "text/rdf-patch"
DUMP = Path("dumps") / "twinning.nq"
SPOOL = 8 << 20  # bytes of one graph's additions kept in memory before they go to a temporary file
CHUNK = 1 << 16  # bytes per piece of a streamed patch

# One N-Quads line as oxigraph writes it (single spaces, no comments): subject, predicate, object, optional graph.
_TERM = rb'(?:<[^>]*>|_:\S+|"(?:[^"\\]|\\.)*"(?:@[A-Za-z0-9-]+|\^\^<[^>]*>)?)'
_QUAD = re.compile(rb"(?:<[^>]*>|_:\S+) <[^>]*> " + _TERM + rb"(?: (<[^>]*>|_:\S+))? \.")
DEFAULT_GRAPH = (0, b"")  # sorts before every named graph, as in the dump


def graph_key(line: bytes) -> tuple[int, bytes]:
    """The graph of an N-Quads line as a key in dump order: the default graph first, then names in order.

    >>> graph_key(b'<http://a> <http://p> "x" <http://g> .')
    (1, b'http://g')
    >>> graph_key(b'<http://a> <http://p> <http://o> .')
    (0, b'')
    """
    match = _QUAD.fullmatch(line)
    if not match:
        raise ValueError(f"not an N-Quads line: {line[:200]!r}")
    graph = match.group(1)
    # Names compare without their brackets: "<a>" sorts after "<a/b>", but "a" before "a/b" as in the dump.
    return DEFAULT_GRAPH if graph is None else (1, graph.strip(b"<>"))


def graph_name(key: tuple[int, bytes]) -> str | None:
    return None if key == DEFAULT_GRAPH else key[1].decode()


def _keyed(lines: Iterable[bytes]) -> Iterator[tuple[tuple[int, bytes], bytes]]:
    """(graph key, line) of every non-blank line; raises ValueError if the lines are not in dump order, which would
    make the merge silently wrong."""
    previous = None
    for raw in lines:
        line = raw.rstrip(b"\r\n")
        if not line:
            continue
        item = (graph_key(line), line)
        if previous is not None and item <= previous:
            raise ValueError(f"N-Quads not in dump order (graph by graph, each sorted) at {line[:200]!r}")
        previous = item
        yield item


def _graph_changes(old: Iterator[bytes], new: Iterator[bytes]) -> Iterator[tuple[bytes, bytes]]:
    """("D", line) for each line only in `old`, then ("A", line) for each only in `new`: both sorted."""
    with tempfile.SpooledTemporaryFile(max_size=SPOOL) as added:
        a, b = next(old, None), next(new, None)
        while a is not None or b is not None:
            if b is None or (a is not None and a < b):
                yield b"D", a
                a = next(old, None)
            elif a is None or b < a:
                added.write(b + b"\n")
                b = next(new, None)
            else:  # in both releases
                a, b = next(old, None), next(new, None)
        added.seek(0)
        for line in added:
            yield b"A", line[:-1]


def changes(old_lines: Iterable[bytes], new_lines: Iterable[bytes]) -> Iterator[tuple[bytes, tuple, bytes]]:
    """(op, graph key, line) turning the dump `old_lines` into `new_lines`, graph by graph in dump order, deletions
    before additions in each. Raises ValueError for lines that are not sorted N-Quads."""
    olds = itertools.groupby(_keyed(old_lines), key=lambda item: item[0])
    news = itertools.groupby(_keyed(new_lines), key=lambda item: item[0])
    old, new = next(olds, None), next(news, None)
    while old is not None or new is not None:
        if new is None or (old is not None and old[0] < new[0]):
            key, pair = old[0], _graph_changes((line for _, line in old[1]), iter(()))
        elif old is None or new[0] < old[0]:
            key, pair = new[0], _graph_changes(iter(()), (line for _, line in new[1]))
        else:
            key, pair = old[0], _graph_changes((line for _, line in old[1]), (line for _, line in new[1]))
        # A group must be read to its end before its groupby moves on, so the graph is finished here.
        for op, line in pair:
            yield op, key, line
        if old is not None and old[0] == key:
            old = next(olds, None)
        if new is not None and new[0] == key:
            new = next(news, None)


def release_iri(release_id: str) -> str:
    """The IRI naming a release in the header (the one its build's provenance graph has)."""
    return entity_iri("release", release_id)


def patch_rows(old_lines: Iterable[bytes], new_lines: Iterable[bytes], new_id: str,
               old_id: str | None) -> Iterator[bytes]:
    """The RDF Patch from `old_lines` to `new_lines` (sorted N-Quads), in pieces of about CHUNK bytes. `old_id` None
    means from the empty dataset: no `H prev` row."""
    header = [f"H id <{release_iri(new_id)}> .\n"]
    if old_id is not None:
        header.append(f"H prev <{release_iri(old_id)}> .\n")
    piece = bytearray("".join(header).encode() + b"TX .\n")
    for op, _, line in changes(old_lines, new_lines):
        piece += op + b" " + line + b"\n"
        if len(piece) >= CHUNK:
            yield bytes(piece)
            piece.clear()
    yield bytes(piece) + b"TC .\n"


def counts(old_lines: Iterable[bytes], new_lines: Iterable[bytes]) -> list[dict]:
    """Added and deleted statements per graph that changed, in dump order (`graph` None is the default graph)."""
    per_graph: dict[tuple, dict] = {}
    for op, key, _ in changes(old_lines, new_lines):
        entry = per_graph.setdefault(key, {"graph": graph_name(key), "added": 0, "deleted": 0})
        entry["added" if op == b"A" else "deleted"] += 1
    return list(per_graph.values())


def apply(patch: Iterable[bytes], nquads_lines: Iterable[bytes], reverse: bool = False) -> list[bytes]:
    """Apply an RDF Patch (rows as bytes) to N-Quads lines; return the result's lines in dump order, each ending in a
    newline. `reverse` swaps A and D, turning the newer release back into the older. Raises ValueError for a row that
    is not RDF Patch, an aborted transaction, or a change that does not fit: deleting an absent statement, adding a
    present one (a patch applied to the wrong release)."""
    statements = {line.rstrip(b"\r\n") for line in nquads_lines} - {b""}
    swap = {b"A": b"D", b"D": b"A"} if reverse else {b"A": b"A", b"D": b"D"}
    for number, raw in enumerate(patch, 1):
        row = raw.rstrip(b"\r\n")
        op, _, rest = row.partition(b" ")
        if not row or op in (b"H", b"TX", b"TC", b"PA", b"PD"):  # prefixes mean nothing to N-Quads
            continue
        if op not in swap:
            raise ValueError(f"patch row {number}: {'aborted transaction' if op == b'TA' else 'unknown row'} "
                             f"{row[:200]!r}")
        graph_key(rest)  # a syntax check
        if swap[op] == b"D":
            if rest not in statements:
                raise ValueError(f"patch row {number}: deletes a statement that is not there: {rest[:200]!r}")
            statements.remove(rest)
        else:
            if rest in statements:
                raise ValueError(f"patch row {number}: adds a statement already there: {rest[:200]!r}")
            statements.add(rest)
    return [line + b"\n" for line in sorted(statements, key=lambda line: (graph_key(line), line))]


def find(root: Path, release_id: str) -> Release:
    """A kept release by id. Raises NotFound for an unknown or dropped release."""
    release = kept_release(root, release_id)
    if release is None:
        raise NotFound(f"no kept release {release_id!r}")
    return release


def parent(root: Path, release: Release) -> Release | None:
    """The release `release` was made from (release.json's `changed_from` for a write, `previous` for a build) if it
    is still kept, else the newest kept release older than it; None when there is none, and the changes are then
    from the empty dataset."""
    return _parent_among(kept_releases(root), release)


def _parent_among(kept: list[Release], release: Release) -> Release | None:
    older = [other for other in kept if other.id < release.id]  # newest first
    recorded = release.info.get("changed_from") or release.info.get("previous")
    return next((other for other in older if other.id == recorded), older[0] if older else None)


def versions(root: Path) -> list[tuple[dict, str | None]]:
    """The kept releases as the catalogue record lists its versions (metadata.catalog_graph), newest first: each
    release.json with the id of the release its changes are from (parent())."""
    kept = kept_releases(root)
    return [(release.info, getattr(_parent_among(kept, release), "id", None)) for release in kept]


def pair(root: Path, release_id: str, since: str | None = None) -> tuple[Release | None, Release]:
    """(older, newer) for the changes of `release_id` from its parent or from `since`. Raises NotFound for an unknown
    or dropped release, BadRequest for a `since` that is not older."""
    newer = find(root, release_id)
    if since is None:
        return parent(root, newer), newer
    older = find(root, since)
    if older.id >= newer.id:
        raise BadRequest(f"parameter 'since': release {since} is not older than {release_id}")
    return older, newer


def dump_of(release: Release | None):
    """The release's N-Quads dump opened for reading (an empty list for None). Opened before the patch streams, so a
    release dropped meanwhile is still read to its end. Raises NotFound if the release has no dump here."""
    if release is None:
        return []
    try:
        return (release.path / DUMP).open("rb")
    except OSError:
        raise NotFound(f"release {release.id} has no N-Quads dump in this store folder") from None


def diff(older: Release | None, newer: Release) -> Iterator[bytes]:
    """The RDF Patch from `older` (None: the empty dataset) to `newer`. Raises NotFound for a missing dump."""
    old, new = dump_of(older), dump_of(newer)

    def rows():
        with new, (old if older else contextlib.nullcontext()):
            yield from patch_rows(old, new, newer.id, older and older.id)

    return rows()


def summary(older: Release | None, newer: Release) -> dict:
    """The changes from `older` to `newer` counted per graph. Raises NotFound for a missing dump."""
    old, new = dump_of(older), dump_of(newer)
    with new, (old if older else contextlib.nullcontext()):
        graphs = counts(old, new)
    return {"release": newer.id, "since": older and older.id, "graphs": graphs,
            "added": sum(entry["added"] for entry in graphs), "deleted": sum(entry["deleted"] for entry in graphs)}
