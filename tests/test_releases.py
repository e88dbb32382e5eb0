"""Kept releases (issue 16): how many are kept, that one being read is never dropped, the /releases listing and
feed, and queries pinned to a release at /releases/<id>/sparql, on the embedded store and on both engines."""
import json

import pytest

from graph.build import build as build_into
from graph.jobs import QueryJob
from graph.pool import WorkerPool
from graph.release import current_release, kept_releases
from server import create_app
from web.settings import settings_from_environment

from .test_loaders import MINI

ALL_BACKENDS = True
TOKEN = "release-test-token"
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def build(store, keep=10):
    return build_into(MINI, store, progress=lambda message: None, keep=keep)


def folders(store) -> list[str]:
    return sorted(path.name for path in (store / "releases").iterdir())


def answer(pool: WorkerPool, release, query: str = COUNT) -> bytes:
    result = pool.run(QueryJob(str(release.path), query), 30)
    try:
        return b"".join(result.body)
    finally:
        result.lease.end(healthy=True)  # the worker goes back to the pool, its release still open


def test_prune_keeps_a_release_being_read(tmp_path):
    """A query worker holding an old release open keeps it through pruning; the others beyond `keep` go, atomically
    (no .dropped or .partial folder is left); once the worker moved on, the next build drops it."""
    store = tmp_path / "store"
    first = build(store, keep=2)
    pool = WorkerPool(1)
    try:
        assert b'"n"' in answer(pool, first)
        builds = [build(store, keep=2) for _ in range(3)]
        assert folders(store) == sorted([first.id, builds[-2].id, builds[-1].id])
        assert current_release(store) == builds[-1]
        assert b'"n"' in answer(pool, first)  # still answered from the kept release
        answer(pool, builds[-1])  # the worker moves on to the current release and lets the old one go
        latest = build(store, keep=2)
        assert folders(store) == sorted([builds[-1].id, latest.id])
    finally:
        pool.close()


def test_prune_never_drops_the_current_release(tmp_path):
    store = tmp_path / "store"
    releases = [build(store, keep=1) for _ in range(3)]
    assert folders(store) == [releases[-1].id]


def test_worker_on_a_dropped_release_answers_404(tmp_path):
    store = tmp_path / "store"
    first = build(store, keep=1)
    build(store, keep=1)
    pool = WorkerPool(1)
    try:
        from graph.errors import NotFound

        with pytest.raises(NotFound, match="dropped"):
            pool.run(QueryJob(str(first.path), COUNT), 30)
    finally:
        pool.close()


def test_keep_releases_setting_reaches_builds_and_writes(tmp_path):
    """TWINNING_KEEP_RELEASES is read as a number and reaches the backend, whose writes keep that many."""
    assert settings_from_environment({"TWINNING_KEEP_RELEASES": "2"}) == {"KEEP_RELEASES": 2}
    store = tmp_path / "store"
    build(store)
    app = create_app({"TESTING": True, "STORE": str(store), "KEEP_RELEASES": 2, "UPDATE_TOKEN": TOKEN,
                      "RATE_LIMIT": 0})
    try:
        client = app.test_client()
        for number in range(3):
            response = client.post("/sparql", data={"update": f"INSERT DATA {{ <urn:x:s> <urn:x:p> {number} }}"},
                                   headers={"Authorization": f"Bearer {TOKEN}"})
            assert response.status_code == 200, response.get_data(as_text=True)
        kept = kept_releases(store)
        assert len(kept) == 2 and kept[0] == current_release(store)
        assert kept[0].info["changed_from"] == kept[1].id
    finally:
        app.extensions["twinning.backend"].close()


def test_cli_load_keeps_the_setting(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from cli import main

    store = tmp_path / "store"
    monkeypatch.setenv("TWINNING_KEEP_RELEASES", "2")
    for _ in range(3):
        result = CliRunner().invoke(main, ["load", str(MINI), "--store", str(store)])
        assert result.exit_code == 0, result.output
    assert len(folders(store)) == 2
    assert json.loads(result.stdout)["id"] == current_release(store).id
