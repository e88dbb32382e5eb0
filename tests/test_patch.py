"""Changes between releases as RDF Patch (issue 16): graph/patch.py, GET /releases/<id>/changes, twinning diff.

Three releases of the real data are built into one store folder: A, then B with a city renamed and a Wikidata link
row removed, then C from the original data again. Patches are checked against the dumps themselves (sets of lines as
an independent oracle) and by applying them both ways, byte for byte.
"""
import doctest
import json
import re
import shutil

import pytest
from click.testing import CliRunner

import graph.patch
from cli import main
from graph import patch
from graph.jobs import WriteJob
from graph.release import kept_releases, switch_to
from graph.writes import write
from server import create_app
from tests.conftest import PROJECT, build

RENAMED = "Klagenfurt an der Glan"
ROW = re.compile(rb"[AD] .+ \.")


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    """(store folder, [A, B, C]) as described in the module's docstring."""
    store = tmp_path_factory.mktemp("patch-store")
    changed = tmp_path_factory.mktemp("patch-data") / "data"
    shutil.copytree(PROJECT / "data", changed)
    cities = (changed / "cities.csv").read_text(encoding="utf-8")
    assert "\nklagenfurt,Klagenfurt," in cities
    (changed / "cities.csv").write_text(cities.replace("\nklagenfurt,Klagenfurt,", f"\nklagenfurt,{RENAMED},"),
                                        encoding="utf-8")
    links = (changed / "wikidata_links.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (changed / "wikidata_links.csv").write_text("".join(links[:1] + links[2:]), encoding="utf-8")
    built = [build(PROJECT / "data", store), build(changed, store), build(PROJECT / "data", store)]
    return store, built


@pytest.fixture(scope="module")
def changes_client(releases):
    app = create_app({"TESTING": True, "RATE_LIMIT": 0, "STORE": str(releases[0])})
    yield app.test_client()
    app.extensions["twinning.backend"].close()


def dump(release) -> bytes:
    return (release.path / patch.DUMP).read_bytes()


def patch_of(older, newer) -> bytes:
    return b"".join(patch.diff(older, newer))


def rows(text: bytes, op: bytes) -> set[bytes]:
    return {line[2:] for line in text.splitlines() if line.startswith(op + b" ")}


def test_patch_text_format(releases):
    _, (a, b, _) = releases
    lines = patch_of(a, b).split(b"\n")
    assert lines[0] == f"H id <https://w3id.org/nzc-twinning/id/release/{b.id}> .".encode()
    assert lines[1] == f"H prev <https://w3id.org/nzc-twinning/id/release/{a.id}> .".encode()
    assert lines[2] == b"TX ." and lines[-2:] == [b"TC .", b""]
    body = lines[3:-2]
    assert body and all(ROW.fullmatch(line) for line in body)
    keys = [patch.graph_key(line[2:]) for line in body]
    assert keys == sorted(keys), "graph by graph, in order of name"
    for key in set(keys):  # in each graph the deletions come first
        ops = [line[:1] for line, k in zip(body, keys) if k == key]
        assert ops == sorted(ops, key=lambda op: op != b"D")


def test_patch_rows_are_the_differences_of_the_dumps(releases):
    _, (a, b, _) = releases
    text, old, new = patch_of(a, b), set(dump(a).splitlines()), set(dump(b).splitlines())
    assert rows(text, b"D") == old - new and rows(text, b"A") == new - old
    assert any(RENAMED.encode() in line for line in rows(text, b"A"))
    assert any(b"wikidata.org/entity/Q727>" in line for line in rows(text, b"D"))  # the removed link row


def test_patch_applies_both_ways_byte_for_byte(releases):
    _, (a, b, c) = releases
    for older, newer in ((a, b), (b, c), (a, c)):
        text = patch_of(older, newer).splitlines()
        assert b"".join(patch.apply(text, dump(older).splitlines())) == dump(newer)
        assert b"".join(patch.apply(text, dump(newer).splitlines(), reverse=True)) == dump(older)


def test_apply_refuses_a_patch_for_another_release(releases):
    _, (a, b, _) = releases
    with pytest.raises(ValueError, match="adds a statement already there|not there"):
        patch.apply(patch_of(a, b).splitlines(), dump(b).splitlines())


def test_merge_of_small_dumps_with_tricky_lines():
    # The default graph first; <http://g/a> before <http://g/a/b> (by name, not by the bracketed form); literals
    # holding spaces, quotes and " ." inside.
    old = [b'<http://s> <http://p> "x" .',
           b'<http://s> <http://p> "a \\" <b> . c" <http://g/a> .',
           b'<http://s> <http://p> <http://o> <http://g/a> .',
           b'_:b1 <http://p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> <http://g/a/b> .']
    new = [b'<http://s> <http://p> "x" .',
           b'<http://s> <http://p> "y"@en .',
           b'<http://s> <http://p> <http://o> <http://g/a> .',
           b'<http://t> <http://p> <http://o> <http://g/c> .']
    for lines in (old, new):
        assert sorted(lines, key=lambda line: (patch.graph_key(line), line)) == lines
    text = b"".join(patch.patch_rows(old, new, "new", "old")).splitlines()
    assert text[3:-1] == [b'A <http://s> <http://p> "y"@en .',
                          b'D <http://s> <http://p> "a \\" <b> . c" <http://g/a> .',
                          b'D _:b1 <http://p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> <http://g/a/b> .',
                          b'A <http://t> <http://p> <http://o> <http://g/c> .']
    assert patch.apply(text, old) == [line + b"\n" for line in new]
    assert patch.apply(text, new, reverse=True) == [line + b"\n" for line in old]
    assert patch.counts(old, new) == [{"graph": None, "added": 1, "deleted": 0},
                                      {"graph": "http://g/a", "added": 0, "deleted": 1},
                                      {"graph": "http://g/a/b", "added": 0, "deleted": 1},
                                      {"graph": "http://g/c", "added": 1, "deleted": 0}]


def test_merge_refuses_unsorted_lines():
    lines = [b"<http://b> <http://p> <http://o> .", b"<http://a> <http://p> <http://o> ."]
    with pytest.raises(ValueError, match="not in dump order"):
        list(patch.changes([], lines))
    with pytest.raises(ValueError, match="not an N-Quads line"):
        list(patch.changes([], [b"<http://a> <http://p> ."]))


def test_parent_is_the_recorded_one_if_kept_else_the_one_before(tmp_path):
    def fake(release_id, **recorded):
        folder = tmp_path / "releases" / release_id
        folder.mkdir(parents=True)
        (folder / "release.json").write_text(json.dumps({"id": release_id, **recorded}))

    fake("1"), fake("2", previous="1"), fake("3", changed_from="1"), fake("4", previous="0"), fake("5.partial")
    fake("6", changed_from=None, previous=None)
    parents = {release.id: patch.parent(tmp_path, release) for release in kept_releases(tmp_path)}
    assert {key: value and value.id for key, value in parents.items()} == {"1": None, "2": "1", "3": "1", "4": "3",
                                                                           "6": "4"}


def test_get_changes_is_the_patch_from_the_parent(releases, changes_client):
    _, (a, b, _) = releases
    response = changes_client.get(f"/releases/{b.id}/changes")
    assert response.status_code == 200
    assert response.mimetype == "text/rdf-patch" and response.headers["Vary"] == "Accept"
    assert response.data == patch_of(a, b)
    again = changes_client.get(f"/releases/{b.id}/changes", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and not again.data


def test_get_changes_json_summary(releases, changes_client):
    _, (a, b, _) = releases
    response = changes_client.get(f"/releases/{b.id}/changes", headers={"Accept": "application/json"})
    assert response.status_code == 200 and response.headers["Vary"] == "Accept"
    summary = response.get_json()
    text = patch_of(a, b)
    assert summary["release"] == b.id and summary["since"] == a.id
    assert summary["added"] == len(rows(text, b"A")) and summary["deleted"] == len(rows(text, b"D"))
    per_graph = {entry["graph"]: (entry["added"], entry["deleted"]) for entry in summary["graphs"]}
    # The build's provenance graph is named after its release: the old one goes, the new one comes.
    old_build, new_build = (patch.release_iri(release.id) for release in (a, b))
    assert per_graph[old_build][0] == 0 and per_graph[new_build][1] == 0
    assert per_graph[old_build][1] == per_graph[new_build][0] > 0
    renamed = [graph for graph in per_graph if graph not in (old_build, new_build) and per_graph[graph][0] == 1]
    assert renamed, per_graph  # the rename: one label out, one in, in the cities' source graph
    etag = changes_client.get(f"/releases/{b.id}/changes").headers["ETag"]
    assert response.headers["ETag"] != etag  # one representation, one tag


def test_get_changes_since_an_older_release(releases, changes_client):
    _, (a, b, c) = releases
    default = changes_client.get(f"/releases/{c.id}/changes")
    since = changes_client.get(f"/releases/{c.id}/changes", query_string={"since": a.id})
    assert default.data == patch_of(b, c) and since.data == patch_of(a, c)
    assert default.headers["ETag"] != since.headers["ETag"]
    summary = changes_client.get(f"/releases/{c.id}/changes", query_string={"since": a.id},
                                 headers={"Accept": "application/json"}).get_json()
    # A and C hold the same facts: only the build provenance differs.
    assert {entry["graph"] for entry in summary["graphs"]} == {patch.release_iri(a.id), patch.release_iri(c.id)}


@pytest.mark.parametrize("path, query, status, message", [
    ("/releases/20000101T000000000000Z-00000000/changes", {}, 404, "no kept release"),
    ("/releases/{b}/changes", {"since": "nope"}, 404, "no kept release 'nope'"),
    ("/releases/{b}/changes", {"since": "{c}"}, 400, "parameter 'since'"),
    ("/releases/{b}/changes", {"since": "{b}"}, 400, "not older"),
])
def test_get_changes_errors(releases, changes_client, path, query, status, message):
    _, (_, b, c) = releases
    ids = {"b": b.id, "c": c.id}
    response = changes_client.get(path.format(**ids), query_string={k: v.format(**ids) for k, v in query.items()})
    assert response.status_code == status
    assert response.get_json()["status"] == status and message in response.get_json()["error"]
    assert set(response.get_json()) == {"error", "status"}


def test_get_changes_not_acceptable(releases, changes_client):
    _, (_, b, _) = releases
    response = changes_client.get(f"/releases/{b.id}/changes", headers={"Accept": "text/turtle"})
    assert response.status_code == 406 and response.get_json()["status"] == 406


def test_get_changes_of_a_dropped_release(releases, tmp_path):
    store, (a, b, _) = releases
    copy = tmp_path / "store"
    shutil.copytree(store, copy, symlinks=True)
    shutil.rmtree(copy / "releases" / a.id)
    app = create_app({"TESTING": True, "RATE_LIMIT": 0, "STORE": str(copy)})
    try:
        client = app.test_client()
        assert client.get(f"/releases/{a.id}/changes").status_code == 404
        assert client.get(f"/releases/{b.id}/changes", query_string={"since": a.id}).status_code == 404
        # B is now the oldest kept release: its changes are from the empty dataset, every statement added.
        summary = client.get(f"/releases/{b.id}/changes", headers={"Accept": "application/json"}).get_json()
        assert summary["since"] is None and summary["deleted"] == 0
        assert summary["added"] == dump(b).count(b"\n")
        text = client.get(f"/releases/{b.id}/changes").data
        assert not text.split(b"\n")[1].startswith(b"H prev")
        assert b"".join(patch.apply(text.splitlines(), [])) == dump(b)
    finally:
        app.extensions["twinning.backend"].close()


def test_get_changes_of_a_write_is_from_the_release_it_changed(releases, tmp_path):
    store, (a, _, c) = releases
    copy = tmp_path / "store"
    shutil.copytree(store, copy, symlinks=True)
    switch_to(copy, copy / "releases" / a.id)  # a write from A, although C is newer: its parent is A, not C
    written = write(copy, WriteJob("update", update="INSERT DATA { GRAPH <https://example.org/g> "
                                                    "{ <https://example.org/s> <https://example.org/p> 'new' } }"))
    app = create_app({"TESTING": True, "RATE_LIMIT": 0, "STORE": str(copy)})
    try:
        text = app.test_client().get(f"/releases/{written}/changes").data
    finally:
        app.extensions["twinning.backend"].close()
    assert written > c.id and text.split(b"\n")[1] == f"H prev <{patch.release_iri(a.id)}> .".encode()
    assert text.split(b"\n")[3:-2] == [b'A <https://example.org/s> <https://example.org/p> "new" <https://example.org/g> .']


def test_cli_diff_writes_the_patch(releases):
    store, (a, b, _) = releases
    result = CliRunner().invoke(main, ["diff", a.id, b.id, "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes == patch_of(a, b)


def test_cli_diff_unknown_release(releases):
    store, (a, _, _) = releases
    result = CliRunner().invoke(main, ["diff", a.id, "no-such-release", "--store", str(store)])
    assert result.exit_code == 1
    assert "no kept release 'no-such-release'" in result.stderr and a.id in result.stderr
    assert result.stdout == ""


def test_doc_examples():
    failures, tried = doctest.testmod(graph.patch)
    assert tried and not failures
