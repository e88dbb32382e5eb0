"""Releases: build the whole graph into a new on-disk store, check it, then switch it in atomically.

Layout of a store folder:
    releases/<release id>/        one pyoxigraph store per release, never changed once switched in
    releases/<release id>/release.json   what the release holds and how it was made
    current -> releases/<id>      symlink; replaced with an atomic rename, so readers see the old or the new release
A build works in releases/<id>.partial and is renamed only when complete, so a killed build leaves the current
release serving and at worst a .partial folder, which the next build removes.
"""
import contextlib
import datetime
import fcntl
import gzip
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, PROV

from loaders import Quads
from nzc_twinning.namespaces import ONTOLOGY

from . import export
from .export import DUMP_FORMATS
from .metadata import build_activity, statistics
from .readers import DROPPED, drop
from .shapes import report, violations

CHUNK_LINES = 50_000  # N-Quads lines loaded at a time into a new store (about 11 MB, in its graphs and the union)
KEEP_RELEASES = 10  # the default of TWINNING_KEEP_RELEASES: releases kept to be queried and cited (issue 16)


class ShapeViolation(Exception):
    """The release does not conform to the SHACL shapes; carries the report text."""


@dataclass(frozen=True)
class Release:
    id: str
    path: Path
    info: dict


def software_version() -> str:
    try:
        return metadata.version("nzc-twinning")
    except metadata.PackageNotFoundError:
        return "unknown"


def release_dataset(facts: Quads, ontology: Path) -> Quads:
    """The facts plus the ontology in a graph of its own (the ontology IRI), as a release holds them. Adds to
    `facts` itself: copying a million statements costs seconds."""
    ontology_graph = Graph().parse(ontology, format="turtle")
    dataset = facts
    iri = URIRef(ONTOLOGY)
    for triple in ontology_graph:
        dataset.add((*triple, iri))
    # Like every graph, the ontology's says what it comes from: the versioned ontology document.
    version = ontology_graph.value(iri, OWL.versionIRI)
    dataset.add((iri, PROV.wasDerivedFrom, version, iri))
    return dataset


def validate(dataset: Quads, shapes: Path) -> tuple[bool, str]:
    """Check the union of all graphs against the SHACL shapes (graph/shapes.py); return (conforms, report text)."""
    return shape_check(in_memory(dataset), shapes)


def in_memory(dataset: Quads) -> ox.Store:
    """An in-memory store holding the dataset and its union graph."""
    store = ox.Store()
    store.bulk_load(canonical_nquads(dataset), ox.RdfFormat.N_QUADS)
    export.derive_union(store)
    return store


def shape_check(store: ox.Store, shapes: Path) -> tuple[bool, str]:
    """The SHACL verdict on a store whose union graph is derived: (conforms, report text)."""
    found = violations(store, shapes)
    return not found, report(found)


def canonical_lines(dataset: Quads, drain: bool = False) -> list[str]:
    """The dataset's N-Quads lines (without newlines), sorted: the same facts always give the same lines. With
    `drain`, the dataset is emptied as its lines are written."""
    return sorted(line + " ." for line in dataset.lines(drain))


def canonical_nquads(dataset: Quads) -> bytes:
    """The dataset as sorted N-Quads: the same facts always give the same bytes (and the same release digest)."""
    return "".join(line + "\n" for line in canonical_lines(dataset)).encode("utf-8")


@contextlib.contextmanager
def exclusive(root: Path):
    """One build or write at a time per store folder (a build removes the .partial folders it finds)."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / "write.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def build_release(dataset: Quads, root: Path, inputs: dict[str, bytes], shapes: Path, progress=print,
                  keep: int = KEEP_RELEASES) -> Release:
    """Write, validate and switch in a new release, keeping the newest `keep`. Raises ShapeViolation; the current
    release is then untouched. Consumes `dataset`: its statements are released as they are written as text, so that
    a million statements are not held twice."""
    root = Path(root)
    with exclusive(root):
        return _build(dataset, root, inputs, shapes, progress, keep)


def _build(dataset: Quads, root: Path, inputs: dict[str, bytes], shapes: Path, progress, keep: int) -> Release:
    lines = canonical_lines(dataset, drain=True)
    digest = hashlib.sha256()
    for chunk in _chunks(lines):
        digest.update(_text(chunk))
    release_id, partial, now = new_release_folder(root, digest.hexdigest())
    activity = build_activity(release_id, now, software_version(), inputs).serialize(format="nquads")
    lines += [line for line in activity.splitlines() if line.strip()]
    progress(f"writing {len(lines)} quads to a new store")
    store = ox.Store(str(partial))
    # Lines that may hold a blank node go into one last load, and the dumps of such data are read from the store
    # (see export.bulk_load_in_parts and export.TextDumps).
    blank = [line for line in lines if "_:" in line]
    dumps = export.TextDumps() if not blank else None
    with export.ParallelLoad(store) as load:
        # Each statement in its graph and in the union graph (the store keeps a statement there once), as text:
        # no statement becomes an object of the store's API.
        for chunk in _chunks([line for line in lines if "_:" not in line] if blank else lines):
            facts = _text(chunk)
            # The text is checked once: by the dumps' own load of it, else by this one; the union graph's copy holds
            # the same terms.
            load(facts, ox.RdfFormat.N_QUADS, lenient=dumps is not None)
            load(_in_union(chunk), ox.RdfFormat.N_QUADS, lenient=True)
            if dumps is not None:
                dumps.add(facts)
        if blank:
            load(_text(blank) + _in_union(blank), ox.RdfFormat.N_QUADS)
    del lines, blank
    progress("checking the SHACL shapes, computing statistics and writing dumps")
    info = {
        "id": release_id,
        "created": now.isoformat(),
        "sha256": digest.hexdigest(),
        "software": software_version(),
        "inputs": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(inputs.items())},
        "previous": getattr(current_release(root), "id", None),  # the parent, for /releases and its changes
    }
    with ThreadPoolExecutor(2, thread_name_prefix="release") as engine:
        # The engine's work (compaction, then the shape check and the statistics, which read the compacted store
        # three times faster) runs in threads beside the dumps, which are written from the text in this one.
        compacted = engine.submit(_compact, store)
        if dumps is not None:
            folder = partial / "dumps"
            folder.mkdir()
            with contextlib.ExitStack() as files:
                dumps.write({name: files.enter_context((folder / f"twinning.{suffix}").open("wb"))
                             for suffix, name in DUMP_FORMATS.items()})
        compacted.result()
        checked = engine.submit(shape_check, store, shapes)
        described = engine.submit(describe, store)
        written = _pack(folder) if dumps is not None else write_dumps(store, partial / "dumps")
        conforms, text = checked.result()
        info.update(described.result())
    if not conforms:
        del store
        shutil.rmtree(partial, ignore_errors=True)
        raise ShapeViolation(text)
    del store
    info["dumps"] = written
    release = publish(root, partial, info, keep)
    progress(f"release {release_id} is now current in {root}")
    return release


def _chunks(lines: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(lines), CHUNK_LINES):
        yield lines[start:start + CHUNK_LINES]


def _text(lines: list[str]) -> bytes:
    return "".join(line + "\n" for line in lines).encode("utf-8")


def _in_union(lines: list[str]) -> bytes:
    """The statements of N-Quads lines (without newlines) as N-Quads of the union graph."""
    union = f" <{export.UNION_GRAPH}> .\n"
    return "".join(line[:line.rindex(" <", 0, -2)] + union for line in lines).encode("utf-8")


def _compact(store: ox.Store) -> None:
    """Flush and compact the store: a freshly loaded store holds one file per load and index; compacted, it runs the
    shape check three times faster and lookups nearly twice as fast, and a release is never compacted later."""
    store.flush()
    store.optimize()


def build_release_from_file(nquads: Path, root: Path, dumps: bool = True, keep: int = KEEP_RELEASES) -> Release:
    """A release of an N-Quads file as it is (no SHACL check): for benchmarks and bulk imports."""
    root = Path(root)
    with exclusive(root):
        release_id, partial, now = new_release_folder(root, hashlib.sha256(str(nquads).encode()).hexdigest())
        store = ox.Store(str(partial))
        store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
        info = {"id": release_id, "created": now.isoformat(), "sha256": None, "software": software_version(),
                "inputs": {Path(nquads).name: _sha256(Path(nquads))}}
        return finish(root, store, partial, info, dumps, keep)


def finish(root: Path, store: ox.Store, partial: Path, info: dict, dumps: bool = True,
           keep: int = KEEP_RELEASES, union_derived: bool = False) -> Release:
    """Complete a release written into `partial`: the union graph (unless `union_derived`), statistics, dumps,
    release.json, then the atomic switch; then older releases are pruned to the newest `keep`."""
    if not union_derived:
        export.derive_union(store)
    _compact(store)
    info.update(describe(store))
    shutil.rmtree(partial / "dumps", ignore_errors=True)
    info["dumps"] = write_dumps(store, partial / "dumps") if dumps else {}
    del store
    return publish(root, partial, info, keep)


def describe(store: ox.Store) -> dict:
    """What release.json says of a store's contents: its quads (without the union graph), graphs and statistics."""
    stats = statistics(store)
    return {"quads": len(store) - stats["triples"], "graphs": len(export.source_graphs(store)), "statistics": stats}


def publish(root: Path, partial: Path, info: dict, keep: int = KEEP_RELEASES) -> Release:
    """Write release.json into a complete release folder, switch it in, and prune older releases to the newest
    `keep`."""
    (partial / "release.json").write_text(json.dumps(info, indent=2) + "\n")
    final = partial.with_name(info["id"])
    os.rename(partial, final)
    switch_to(root, final)
    prune(root, keep)
    return Release(info["id"], final, info)


def new_release_folder(root: Path, digest: str) -> tuple[str, Path, datetime.datetime]:
    """A fresh id and its .partial folder; leftovers of killed builds are removed first."""
    now = datetime.datetime.now(datetime.UTC)
    releases = root / "releases"
    releases.mkdir(parents=True, exist_ok=True)
    for leftover in [*releases.glob("*.partial"), *releases.glob(f"*{DROPPED}")]:
        shutil.rmtree(leftover, ignore_errors=True)
    # Build time to the microsecond, so ids sort by age and the same data rebuilt gets a new id.
    release_id = f"{now:%Y%m%dT%H%M%S%f}Z-{digest[:8]}"
    return release_id, releases / f"{release_id}.partial", now


def write_dumps(store: ox.Store, folder: Path) -> dict:
    """Write every dump format, plain and gzipped, into the release; return their sizes and SHA-256 digests."""
    folder.mkdir()
    with contextlib.ExitStack() as files:
        export.write_all(store, {name: files.enter_context((folder / f"twinning.{suffix}").open("wb"))
                                 for suffix, name in DUMP_FORMATS.items()})
    return _pack(folder)


def _pack(folder: Path) -> dict:
    """Gzip every plain dump in `folder`; return the sizes and SHA-256 digests of both."""
    written = {}
    for suffix in DUMP_FORMATS:
        plain = folder / f"twinning.{suffix}"
        packed = folder / f"twinning.{suffix}.gz"
        # No file name and a zero time stamp in the gzip header: the same dump always gives the same bytes.
        with plain.open("rb") as source, packed.open("wb") as raw, \
                gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as target:
            shutil.copyfileobj(source, target, 1 << 20)
        for path in (plain, packed):
            written[path.name.removeprefix("twinning.")] = {"bytes": path.stat().st_size, "sha256": _sha256(path)}
    return written


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def switch_to(root: Path, release_path: Path) -> None:
    """Point `current` at a release in one atomic rename."""
    link = root / "current"
    tmp = root / "current.tmp"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(os.path.relpath(release_path, root), tmp)
    os.replace(tmp, link)
    fd = os.open(root, os.O_RDONLY)
    try:
        os.fsync(fd)  # make the switch durable before we report it
    finally:
        os.close(fd)


def finished_folders(root: Path) -> list[Path]:
    """The folders of complete releases, oldest first (ids sort by build time)."""
    folder = Path(root) / "releases"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.endswith((".partial", DROPPED)))


def prune(root: Path, keep: int = KEEP_RELEASES) -> None:
    """Drop all but the newest `keep` releases (at least one): never the current one, never one a reader holds
    (readers.py); such a release is kept and dropped by a later prune."""
    current = current_release(root)
    finished = finished_folders(root)
    for old in finished[:-max(keep, 1)]:
        if current is None or old.resolve() != current.path:
            drop(old)


def kept_releases(root: Path) -> list[Release]:
    """The releases kept in a store folder, newest first."""
    found = []
    for folder in reversed(finished_folders(root)):
        try:
            info = json.loads((folder / "release.json").read_text())
        except (OSError, ValueError):  # dropped meanwhile
            continue
        found.append(Release(info["id"], folder.resolve(), info))
    return found


def summaries(releases: list[Release], current_id: str | None) -> list[dict]:
    """The kept releases (newest first) as /releases and `twinning releases` list them. A release's parent is the one
    it was changed from (a write) or built after, else, for releases older than that record, the next older kept."""
    rows = []
    for number, release in enumerate(releases):
        info = release.info
        parent = info.get("changed_from", info.get("previous"))
        if parent is None and "changed_from" not in info and "previous" not in info and number + 1 < len(releases):
            parent = releases[number + 1].id
        rows.append({"id": release.id, "created": info["created"],
                     "triples": info.get("statistics", {}).get("triples", info.get("quads")),
                     "parent": parent, "current": release.id == current_id})
    return rows


def kept_release(root: Path, release_id: str) -> Release | None:
    """One kept release by id; None for an id that is unknown, dropped or not a release's name."""
    if "/" in release_id or release_id.startswith(".") or release_id.endswith((".partial", DROPPED)):
        return None
    folder = Path(root) / "releases" / release_id
    try:
        info = json.loads((folder / "release.json").read_text())
    except (OSError, ValueError):
        return None
    return Release(info["id"], folder.resolve(), info)


_RELEASES: dict[tuple[str, str], Release] = {}  # (root, link target) -> the release; it never changes once switched in


def current_release(root: Path) -> Release | None:
    """The release `current` points at, or None if no release was ever built. One readlink per call, and no path
    objects on the way: every request asks (a tenth of a small query's time with pathlib)."""
    folder = str(root)
    try:
        key = (folder, os.readlink(os.path.join(folder, "current")))
    except OSError:
        return None
    if key not in _RELEASES:
        target = Path(root) / key[1]
        try:
            info = json.loads((target / "release.json").read_text())
        except (OSError, ValueError):
            return None
        _RELEASES[key] = Release(info["id"], target.resolve(), info)
    return _RELEASES[key]
