"""Release builds: SHACL gate, atomic switch, pruning, and what a killed build leaves behind."""
import datetime
import hashlib

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import RDF

from graph.release import ShapeViolation, build_release, current_release, release_dataset, validate
from loaders import load_all
from loaders.terms import TW

from .conftest import ONTOLOGY, SHAPES
from .test_loaders import MINI


def facts() -> Dataset:
    return release_dataset(load_all(MINI), ONTOLOGY)


def test_build_release_layout(tmp_path):
    release = build_release(facts(), tmp_path, {"x.csv": b"x"}, SHAPES, progress=lambda m: None)
    assert (tmp_path / "current").is_symlink()
    assert current_release(tmp_path) == release
    assert (release.path / "release.json").exists()
    assert release.info["inputs"]["x.csv"] == "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"


def test_build_release_same_facts_same_digest(tmp_path):
    first = build_release(facts(), tmp_path / "a", {}, SHAPES, progress=lambda m: None)
    second = build_release(facts(), tmp_path / "b", {}, SHAPES, progress=lambda m: None)
    assert first.info["sha256"] == second.info["sha256"]


def test_build_release_shape_violation_keeps_current(tmp_path):
    good = build_release(facts(), tmp_path, {}, SHAPES, progress=lambda m: None)
    bad = facts()
    twin = URIRef("https://w3id.org/nzc-twinning/id/twin/lund")
    graph = URIRef("https://w3id.org/nzc-twinning/id/source/test")
    bad.add((twin, TW.twinCity, URIRef("https://w3id.org/nzc-twinning/id/city/lulea"), graph))
    with pytest.raises(ShapeViolation, match="twinCity"):
        build_release(bad, tmp_path, {}, SHAPES, progress=lambda m: None)
    assert current_release(tmp_path) == good
    assert [p.name for p in (tmp_path / "releases").iterdir()] == [good.id]


@pytest.mark.parametrize("triple, path", [
    ((URIRef("https://w3id.org/nzc-twinning/id/city/x"), RDF.type, TW.City), "label"),
    ((URIRef("https://w3id.org/nzc-twinning/id/pilot/leuven-c1"), TW.cohort,
      URIRef("https://w3id.org/nzc-twinning/id/cohort/pilot-cohort-2")), "cohort"),
    ((URIRef("https://w3id.org/nzc-twinning/id/city/lund"), TW.country, Literal("SE")), "country"),
])
def test_validate_catches_violations(triple, path):
    dataset = facts()
    dataset.add((*triple, URIRef("https://w3id.org/nzc-twinning/id/source/test")))
    if triple[2] == TW.City:
        dataset.add((triple[0], TW.country, URIRef("http://publications.europa.eu/resource/authority/country/SWE"),
                     URIRef("https://w3id.org/nzc-twinning/id/source/test")))
    conforms, report = validate(dataset, SHAPES)
    assert not conforms
    assert path in report


def test_validate_real_data_conforms():
    from pathlib import Path
    conforms, report = validate(release_dataset(load_all(Path(__file__).parent.parent / "data"), ONTOLOGY), SHAPES)
    assert conforms, report


def test_killed_build_leaves_partial_that_next_build_removes(tmp_path):
    good = build_release(facts(), tmp_path, {}, SHAPES, progress=lambda m: None)
    partial = tmp_path / "releases" / "20990101T000000Z-deadbeef.partial"
    partial.mkdir()
    (partial / "junk").write_text("half a store")
    assert current_release(tmp_path) == good  # a partial folder is never current
    build_release(facts(), tmp_path, {}, SHAPES, progress=lambda m: None)
    assert not partial.exists()


def test_prune_keeps_three_releases(tmp_path):
    builds = [build_release(facts(), tmp_path, {}, SHAPES, progress=lambda m: None, keep=3) for _ in range(5)]
    assert len({b.id for b in builds}) == 5
    assert sorted(p.name for p in (tmp_path / "releases").iterdir()) == sorted(b.id for b in builds[-3:])
    assert current_release(tmp_path) == builds[-1]


def test_failed_build_leaves_only_a_partial_folder(tmp_path):
    """A build that dies before its switch leaves a .partial folder, which is never current and is cleaned up."""
    from unittest import mock

    import graph.release

    good = build_release(facts(), tmp_path, {}, SHAPES, progress=lambda m: None)
    with mock.patch.object(graph.release, "publish", side_effect=RuntimeError("killed")), \
            pytest.raises(RuntimeError):
        build_release(facts(), tmp_path, {}, SHAPES, progress=lambda m: None)
    leftovers = [p.name for p in (tmp_path / "releases").iterdir() if p.name != good.id]
    assert leftovers and all(name.endswith(".partial") for name in leftovers)
    assert current_release(tmp_path) == good
    build_release(facts(), tmp_path, {}, SHAPES, progress=lambda m: None)
    assert all((p / "release.json").exists() for p in (tmp_path / "releases").iterdir())


def test_switch_never_leaves_current_missing(tmp_path):
    """Readers polling `current` during 2,000 switches always find a release (the switch is one rename)."""
    import threading

    from graph.release import switch_to

    first = build_release(facts(), tmp_path, {}, SHAPES, progress=lambda m: None)
    second = build_release(facts(), tmp_path, {}, SHAPES, progress=lambda m: None)
    misses, stop = [], threading.Event()

    def reader():
        while not stop.is_set():
            if current_release(tmp_path) is None:
                misses.append(1)

    thread = threading.Thread(target=reader)
    thread.start()
    for i in range(2000):
        switch_to(tmp_path, (first if i % 2 else second).path)
    stop.set()
    thread.join()
    assert misses == []


def test_build_release_records_its_build_as_provenance(tmp_path):
    release = build_release(facts(), tmp_path, {"x.csv": b"x"}, SHAPES, progress=lambda m: None)
    graph = f"https://w3id.org/nzc-twinning/id/release/{release.id}"
    rows = list(ox.Store.read_only(str(release.path)).query(f"""
        PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX spdx: <http://spdx.org/rdf/terms#>
        SELECT ?started ?sum WHERE {{ GRAPH <{graph}> {{
            <{graph}> prov:wasGeneratedBy ?build . ?build a prov:Activity ; prov:startedAtTime ?started ;
                prov:used ?input . ?input spdx:checksum/spdx:checksumValue ?sum }} }}"""))
    assert [row["sum"].value for row in rows] == [hashlib.sha256(b"x").hexdigest()]
    started = datetime.datetime.fromisoformat(rows[0]["started"].value)
    assert started == datetime.datetime.fromisoformat(release.info["created"])


def test_an_iri_nquads_cannot_hold_fails_the_build(tmp_path):
    """The store's own copy of the text is loaded unchecked where the dumps' load of the same text checks it: an IRI
    the loaders let through all the same fails the build, and the current release stays."""
    good = build_release(facts(), tmp_path, {}, SHAPES, progress=lambda m: None)
    bad = facts()
    bad.add((URIRef("https://w3id.org/nzc-twinning/id/city/lund"), URIRef("https://example.org/{bad}"),
             Literal("x"), URIRef("https://w3id.org/nzc-twinning/id/source/test")))
    with pytest.raises(SyntaxError):
        build_release(bad, tmp_path, {}, SHAPES, progress=lambda m: None)
    assert current_release(tmp_path) == good


def test_blank_nodes_are_loaded_and_dumped_from_the_store(tmp_path):
    """Data with a blank node take the other route: its lines in one last load (a blank node stays one node), the
    dumps read back from the store (only the store knows the names it gave)."""
    from rdflib import BNode
    from rdflib.namespace import RDFS

    data = facts()
    node = BNode()
    for graph in ("https://w3id.org/nzc-twinning/id/source/a", "https://w3id.org/nzc-twinning/id/source/b"):
        data.add((URIRef("https://w3id.org/nzc-twinning/id/city/lund"), RDFS.seeAlso, node, URIRef(graph)))
    release = build_release(data, tmp_path, {}, SHAPES, progress=lambda m: None)
    store = ox.Store.read_only(str(release.path))
    blanks = {quad.object for quad in store.quads_for_pattern(None, ox.NamedNode(str(RDFS.seeAlso)), None)
              if quad.graph_name.value.endswith(("/source/a", "/source/b"))}
    assert len(blanks) == 1 and isinstance(next(iter(blanks)), ox.BlankNode)
    dump = (release.path / "dumps" / "twinning.nq").read_bytes()
    assert f"{next(iter(blanks))} <https://w3id.org/nzc-twinning/id/source/a> .".encode() in dump


def test_statistics_count_iri_subjects_as_entities(tmp_path):
    """void:entities is the number of distinct IRI subjects (counted over the distinct subjects, not per statement);
    a blank subject is a subject but no entity."""
    from rdflib import BNode

    from nzc_twinning.namespaces import UNION_GRAPH

    data = facts()
    data.add((BNode(), URIRef("https://example.org/p"), Literal("x"), URIRef("https://w3id.org/nzc-twinning/id/source/test")))
    release = build_release(data, tmp_path, {}, SHAPES, progress=lambda m: None)
    store = ox.Store.read_only(str(release.path))
    subjects = {q.subject for q in store.quads_for_pattern(None, None, None, ox.NamedNode(UNION_GRAPH))}
    assert any(isinstance(s, ox.BlankNode) for s in subjects)
    assert release.info["statistics"]["entities"] == sum(isinstance(s, ox.NamedNode) for s in subjects)
    assert release.info["statistics"]["distinctSubjects"] == len(subjects)
