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
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import OWL, PROV

from nzc_twinning.namespaces import ONTOLOGY

from . import export
from .export import DUMP_FORMATS
from .metadata import build_activity, statistics

NEWLINE = b"\n"
KEEP_RELEASES = 3  # old releases stay a while: a worker may still be answering from one


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


def release_dataset(facts: Dataset, ontology: Path) -> Dataset:
    """The facts plus the ontology in a graph of its own (the ontology IRI), as a release holds them. Adds to
    `facts` itself: copying a large rdflib Dataset costs seconds."""
    ontology_graph = Graph().parse(ontology, format="turtle")
    dataset = facts
    iri = URIRef(ONTOLOGY)
    for triple in ontology_graph:
        dataset.add((*triple, iri))
    # Like every graph, the ontology's says what it comes from: the versioned ontology document.
    version = ontology_graph.value(iri, OWL.versionIRI)
    dataset.add((iri, PROV.wasDerivedFrom, version, iri))
    return dataset


def validate(dataset: Dataset, shapes: Path) -> tuple[bool, str]:
    """Check the union of all graphs against the SHACL shapes; return (conforms, report text)."""
    from pyshacl import validate as shacl_validate

    union = Graph()
    for s, p, o, _ in dataset.quads():
        union.add((s, p, o))
    conforms, _, text = shacl_validate(union, shacl_graph=str(shapes), shacl_graph_format="turtle",
                                       inference="none", advanced=True)
    return conforms, text


def canonical_nquads(dataset: Dataset) -> bytes:
    """The dataset as sorted N-Quads: the same facts always give the same bytes (and the same release digest)."""
    text = dataset.serialize(format="nquads")
    return ("\n".join(sorted(line for line in text.splitlines() if line.strip())) + "\n").encode("utf-8")


@contextlib.contextmanager
def exclusive(root: Path):
    """One build or write at a time per store folder (a build removes the .partial folders it finds)."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / "write.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def build_release(dataset: Dataset, root: Path, inputs: dict[str, bytes], shapes: Path, progress=print) -> Release:
    """Validate, write and switch in a new release. Raises ShapeViolation; the current release is then untouched."""
    root = Path(root)
    with exclusive(root):
        return _build(dataset, root, inputs, shapes, progress)


def _build(dataset: Dataset, root: Path, inputs: dict[str, bytes], shapes: Path, progress) -> Release:
    progress("checking the SHACL shapes")
    conforms, report = validate(dataset, shapes)
    if not conforms:
        raise ShapeViolation(report)

    nquads = canonical_nquads(dataset)
    digest = hashlib.sha256(nquads).hexdigest()
    release_id, partial, now = new_release_folder(root, digest)
    nquads += build_activity(release_id, now, software_version(), inputs).serialize(format="nquads").encode()
    progress(f"writing {nquads.count(NEWLINE)} quads to a new store")
    store = ox.Store(str(partial))
    store.bulk_load(nquads, ox.RdfFormat.N_QUADS)
    info = {
        "id": release_id,
        "created": now.isoformat(),
        "sha256": digest,
        "software": software_version(),
        "inputs": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(inputs.items())},
    }
    progress("computing statistics and writing dumps")
    release = finish(root, store, partial, info)
    progress(f"release {release_id} is now current in {root}")
    return release


def build_release_from_file(nquads: Path, root: Path, dumps: bool = True) -> Release:
    """A release of an N-Quads file as it is (no SHACL check): for benchmarks and bulk imports."""
    root = Path(root)
    with exclusive(root):
        release_id, partial, now = new_release_folder(root, hashlib.sha256(str(nquads).encode()).hexdigest())
        store = ox.Store(str(partial))
        store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
        info = {"id": release_id, "created": now.isoformat(), "sha256": None, "software": software_version(),
                "inputs": {Path(nquads).name: _sha256(Path(nquads))}}
        return finish(root, store, partial, info, dumps)


def finish(root: Path, store: ox.Store, partial: Path, info: dict, dumps: bool = True) -> Release:
    """Complete a release written into `partial`: statistics, dumps, release.json, then the atomic switch."""
    export.derive_union(store)
    store.flush()
    store.optimize()
    union = ox.NamedNode(export.UNION_GRAPH)
    info["quads"] = len(store) - sum(1 for _ in store.quads_for_pattern(None, None, None, union))
    info["graphs"] = len(export.source_graphs(store))
    info["statistics"] = statistics(store)
    shutil.rmtree(partial / "dumps", ignore_errors=True)
    info["dumps"] = write_dumps(store, partial / "dumps") if dumps else {}
    del store
    (partial / "release.json").write_text(json.dumps(info, indent=2) + "\n")
    final = partial.with_name(info["id"])
    os.rename(partial, final)
    switch_to(root, final)
    prune(root)
    return Release(info["id"], final, info)


def new_release_folder(root: Path, digest: str) -> tuple[str, Path, datetime.datetime]:
    """A fresh id and its .partial folder; leftovers of killed builds are removed first."""
    now = datetime.datetime.now(datetime.UTC)
    releases = root / "releases"
    releases.mkdir(parents=True, exist_ok=True)
    for leftover in releases.glob("*.partial"):
        shutil.rmtree(leftover, ignore_errors=True)
    # Build time to the microsecond, so ids sort by age and the same data rebuilt gets a new id.
    release_id = f"{now:%Y%m%dT%H%M%S%f}Z-{digest[:8]}"
    return release_id, releases / f"{release_id}.partial", now


def write_dumps(store: ox.Store, folder: Path) -> dict:
    """Write every dump format, plain and gzipped, into the release; return their sizes and SHA-256 digests."""
    folder.mkdir()
    written = {}
    for suffix, name in DUMP_FORMATS.items():
        plain = folder / f"twinning.{suffix}"
        with plain.open("wb") as output:
            export.write(store, name, output)
        packed = folder / f"twinning.{suffix}.gz"
        # No file name and a zero time stamp in the gzip header: the same dump always gives the same bytes.
        with plain.open("rb") as source, packed.open("wb") as raw, \
                gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as target:
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


def prune(root: Path) -> None:
    current = current_release(root)
    finished = sorted(p for p in (root / "releases").iterdir() if p.is_dir() and not p.name.endswith(".partial"))
    for old in finished[:-KEEP_RELEASES]:
        if current is None or old != current.path:
            shutil.rmtree(old, ignore_errors=True)


_RELEASES: dict[Path, Release] = {}  # release folder -> its description; a release never changes once switched in


def current_release(root: Path) -> Release | None:
    """The release `current` points at, or None if no release was ever built. One readlink per call."""
    link = Path(root) / "current"
    try:
        target = Path(root) / os.readlink(link)
    except OSError:
        return None
    if target not in _RELEASES:
        try:
            info = json.loads((target / "release.json").read_text())
        except (OSError, ValueError):
            return None
        _RELEASES[target] = Release(info["id"], target.resolve(), info)
    return _RELEASES[target]
