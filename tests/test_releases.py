"""Kept releases (issue 16): how many are kept, that one being read is never dropped, the /releases listing and
feed, and queries pinned to a release at /releases/<id>/sparql, on the embedded store and on both engines."""
import datetime
import json
from xml.etree import ElementTree

import pytest
import rdflib
from rdflib.namespace import DCAT, VOID

from bench.engines import stop_server
from graph.build import build as build_into
from graph.jobs import QueryJob, WriteJob
from graph.pool import WorkerPool
from graph.release import current_release, kept_releases
from graph.writes import write
from server import create_app
from web.settings import settings_from_environment

from .conftest import environment, serve_from, start_server
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


ASK = "ASK { <urn:x:added> <urn:x:by> <urn:x:write> }"
LEUVEN = "https://w3id.org/nzc-twinning/id/city/leuven"
LABEL = '"Leuven as a write named it"@en'


@pytest.fixture(scope="session")
def history(tmp_path_factory):
    """A store folder with two releases: one built from the mini data, then one a write changed from it (current),
    adding a statement of its own and a label of Leuven."""
    store = tmp_path_factory.mktemp("history")
    older = build(store)
    write(store, WriteJob("update", update=f"INSERT DATA {{ GRAPH <urn:x:g> {{ <urn:x:added> <urn:x:by> <urn:x:write> . "
                                           f"<{LEUVEN}> <http://www.w3.org/2000/01/rdf-schema#label> {LABEL} }} }}"))
    return store, older, current_release(store)


@pytest.fixture(scope="session")
def history_app(backend, history, start_engine):
    app = create_app({"TESTING": True, "RATE_LIMIT": 0, **serve_from(backend, history[0], start_engine)})
    yield app
    app.extensions["twinning.backend"].close()


@pytest.fixture()
def history_client(history_app):
    return history_app.test_client()


def ask(client, url: str, **request) -> bool:
    response = client.post(url, data={"query": ASK}, headers={"Accept": "application/sparql-results+json"}, **request)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["boolean"]


def count(client, url: str) -> int:
    response = client.get(url, query_string={"query": COUNT}, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return int(response.get_json()["results"]["bindings"][0]["n"]["value"])


def test_get_releases_json(history, history_client):
    _, older, newer = history
    response = history_client.get("/releases")
    assert response.status_code == 200 and response.mimetype == "application/json"
    releases = response.get_json()["releases"]
    assert [r["id"] for r in releases] == [newer.id, older.id]  # newest first
    assert [r["current"] for r in releases] == [True, False]
    assert releases[0]["parent"] == older.id and releases[1]["parent"] is None
    assert releases[0]["triples"] == releases[1]["triples"] + 2  # the write added two
    for release in releases:
        assert set(release) == {"id", "created", "triples", "parent", "current", "dump"}
        assert release["dump"] == "twinning.nq.gz"  # built here: the compressed dump is in the release's folder
        assert datetime.datetime.fromisoformat(release["created"]).utcoffset() is not None


def test_get_releases_html(history, history_client):
    response = history_client.get("/releases", headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    for release in history[1:]:
        assert f"/releases/{release.id}/sparql" in page and f"/releases/{release.id}/changes" in page
        assert f"/releases/{release.id}/dumps/twinning.nq.gz" in page


def test_get_releases_atom(history, history_client):
    response = history_client.get("/releases.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = ElementTree.fromstring(response.get_data())
    atom = "{http://www.w3.org/2005/Atom}"
    entries = feed.findall(f"{atom}entry")
    assert len(entries) == 2
    for entry, release in zip(entries, [history[2], history[1]]):
        links = {link.get("rel"): link.get("href") for link in entry.findall(f"{atom}link")}
        assert links["alternate"] == f"http://localhost/releases/{release.id}/changes"
        assert entry.find(f"{atom}updated").text == release.info["created"]


def test_release_sparql_answers_from_that_release(history, history_client):
    """Each kept release answers as it was, by GET, POST form and POST direct; /sparql answers from the current."""
    _, older, newer = history
    assert ask(history_client, f"/releases/{older.id}/sparql") is False
    assert ask(history_client, f"/releases/{newer.id}/sparql") is True
    assert ask(history_client, "/sparql") is True
    assert count(history_client, f"/releases/{older.id}/sparql") + 2 == count(history_client, f"/releases/{newer.id}/sparql")
    direct = history_client.post(f"/releases/{older.id}/sparql", data=ASK,
                                 headers={"Content-Type": "application/sparql-query", "Accept": "application/json"})
    assert direct.status_code == 200 and direct.get_json()["boolean"] is False
    assert direct.headers["X-Twinning-Release"] == older.id


def test_get_release_sparql_describes_itself(history, history_client):
    """A bare GET of a pinned endpoint is its own Service Description: that endpoint, that release's size."""
    _, older, _ = history
    response = history_client.get(f"/releases/{older.id}/sparql", headers={"Accept": "application/n-triples"})
    text = response.get_data(as_text=True)
    endpoint = "<http://www.w3.org/ns/sparql-service-description#endpoint>"
    assert f"{endpoint} <http://localhost/releases/{older.id}/sparql> ." in text
    assert f'"{older.info["statistics"]["triples"]}"' in text


def test_get_sparql_links_its_memento(history, history_client):
    """The answers of /sparql name the release-pinned endpoint, absolute, as rel="memento"; it gives the same answer."""
    response = history_client.get("/sparql", query_string={"query": COUNT}, headers={"Accept": "application/json"})
    link = response.headers["Link"]
    assert link == f'<http://localhost/releases/{history[2].id}/sparql>; rel="memento"'
    pinned = link.split(">")[0].lstrip("<").removeprefix("http://localhost")
    assert history_client.get(pinned, query_string={"query": COUNT},
                              headers={"Accept": "application/json"}).get_json() == response.get_json()


def test_get_release_sparql_unknown_404(history_client):
    for name in ("20990101T000000000000Z-deadbeef", "..", "x.partial", "x.dropped"):
        response = history_client.get(f"/releases/{name}/sparql", query_string={"query": ASK})
        assert response.status_code == 404
        assert response.get_json() == {"error": response.get_json()["error"], "status": 404}
        assert "/releases" in response.get_json()["error"]


def test_post_release_sparql_update_403(history, history_client):
    url = f"/releases/{history[1].id}/sparql"
    for response in (history_client.post(url, data={"update": "CLEAR ALL"}),
                     history_client.post(url, data="CLEAR ALL", headers={"Content-Type": "application/sparql-update"}),
                     history_client.get(url, query_string={"update": "CLEAR ALL"})):
        assert response.status_code == 403
        assert response.get_json() == {"error": "a kept release is read-only: send updates to /sparql", "status": 403}


def test_get_release_sparql_dropped_404(tmp_path):
    store = tmp_path / "store"
    first = build(store, keep=1)
    build(store, keep=1)
    app = create_app({"TESTING": True, "STORE": str(store), "RATE_LIMIT": 0})
    try:
        response = app.test_client().get(f"/releases/{first.id}/sparql", query_string={"query": ASK})
        assert response.status_code == 404 and response.get_json()["status"] == 404
    finally:
        app.extensions["twinning.backend"].close()


def test_cli_releases_lists_newest_first(history):
    from click.testing import CliRunner

    from cli import main

    store, older, newer = history
    result = CliRunner().invoke(main, ["releases", "--store", str(store)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == [newer.id, older.id]
    assert lines[0].endswith("current") and f"from {older.id}" in lines[0] and not lines[1].endswith("current")


@pytest.mark.live
def test_live_pinned_query_same_before_and_after_a_new_release(tmp_path):
    """Through `twinning serve` and SPARQLWrapper: the pinned URL answers the same once a new release is current,
    while /sparql answers from the new one."""
    from SPARQLWrapper import JSON, SPARQLWrapper

    store = tmp_path / "store"
    build(store)
    process, base = start_server(store, environment({"RATE_LIMIT": 0}))
    try:
        def ask_at(url: str) -> tuple[bool, dict]:
            client = SPARQLWrapper(url)
            client.setQuery(ASK)
            client.setReturnFormat(JSON)
            result = client.query()
            return result.convert()["boolean"], dict(result.info())

        before, headers = ask_at(base + "/sparql")
        pinned = headers["link"].split(">")[0].lstrip("<")
        assert pinned == f"{base}/releases/{current_release(store).id}/sparql"
        write(store, WriteJob("update", update="INSERT DATA { <urn:x:added> <urn:x:by> <urn:x:write> }"))
        assert (before, ask_at(pinned)[0], ask_at(base + "/sparql")[0]) == (False, False, True)
    finally:
        stop_server(process)


NT = {"Accept": "application/n-triples"}
LONG_AGO, LATER = "Sat, 01 Jan 2000 00:00:00 GMT", "Fri, 01 Jan 2100 00:00:00 GMT"


def http_date(release) -> str:
    from email.utils import format_datetime

    return format_datetime(datetime.datetime.fromisoformat(release.info["created"]).astimezone(datetime.UTC),
                           usegmt=True)


def test_get_resource_accept_datetime_answers_from_that_release(history, history_client):
    """Accept-Datetime picks the release current then (before the first kept one: the first); the answer says
    which, where it lives, and where the original, TimeGate and TimeMap are."""
    _, older, newer = history
    for when, release, has_label in ((LONG_AGO, older, False), (LATER, newer, True)):
        response = history_client.get("/id/city/leuven", headers={**NT, "Accept-Datetime": when})
        assert response.status_code == 200, response.get_data(as_text=True)
        assert ("as a write named it" in response.get_data(as_text=True)) is has_label
        assert response.headers["Memento-Datetime"] == http_date(release)
        assert response.headers["Content-Location"] == f"http://localhost/releases/{release.id}/id/city/leuven"
        assert response.headers["X-Twinning-Release"] == release.id
        assert "accept-datetime" in response.headers["Vary"].lower()
        exposed = response.headers["Access-Control-Expose-Headers"]  # readable by a cross-origin script
        assert "Memento-Datetime" in exposed and "Content-Location" in exposed
        links = response.headers["Link"]
        assert '<http://localhost/id/city/leuven>; rel="original timegate"' in links
        assert '<http://localhost/timemap/id/city/leuven>; rel="timemap"; type="application/link-format"' in links
    memento = history_client.get(f"/releases/{older.id}/id/city/leuven", headers=NT)
    assert memento.status_code == 200 and "as a write named it" not in memento.get_data(as_text=True)
    assert memento.headers["Memento-Datetime"] == http_date(older)
    html = history_client.get("/id/city/leuven", headers={"Accept": "text/html", "Accept-Datetime": LONG_AGO})
    assert html.status_code == 200 and "as a write named it" not in html.get_data(as_text=True)


def test_get_resource_without_accept_datetime_unchanged(history_client):
    response = history_client.get("/id/city/leuven", headers=NT)
    assert response.status_code == 200 and "as a write named it" in response.get_data(as_text=True)
    assert "Memento-Datetime" not in response.headers and "Link" not in response.headers


def test_get_resource_bad_accept_datetime_400(history_client):
    response = history_client.get("/id/city/leuven", headers={**NT, "Accept-Datetime": "last Tuesday"})
    assert response.status_code == 400
    assert response.get_json() == {"error": response.get_json()["error"], "status": 400}
    assert "Accept-Datetime" in response.get_json()["error"]


def timemap(client, path: str, older, newer) -> str:
    """The TimeMap of /<path>: a memento per kept release, oldest first, and the original as its own TimeGate."""
    response = client.get(f"/timemap/{path}")
    assert response.status_code == 200 and response.mimetype == "application/link-format"
    body = response.get_data(as_text=True)
    for release in (older, newer):
        assert (f'<http://localhost/releases/{release.id}/{path}>; rel="memento"; '
                f'datetime="{http_date(release)}"') in body
    assert f'<http://localhost/{path}>; rel="original timegate"' in body
    assert body.index(older.id) < body.index(newer.id)  # oldest first
    return body


def test_get_timemap_lists_every_kept_release(history, history_client):
    _, older, newer = history
    body = timemap(history_client, "id/city/leuven", older, newer)
    assert f'from="{http_date(older)}"; until="{http_date(newer)}"' in body


def test_get_memento_unknown_release_404(history_client):
    response = history_client.get("/releases/20990101T000000000000Z-deadbeef/id/city/leuven", headers=NT)
    assert response.status_code == 404 and response.get_json()["status"] == 404


def release_dump(release, name: str) -> bytes:
    return (release.path / "dumps" / name).read_bytes()


def test_get_dump_accept_datetime_answers_from_that_release(history, history_client):
    """A dump with Accept-Datetime is the file of the release current then, with the Memento headers; a graph of
    the dump (?graph=) comes from that release too: the graph the write added is not in the older one."""
    _, older, newer = history
    for when, release in ((LONG_AGO, older), (LATER, newer)):
        for name in ("twinning.nq", "twinning.ttl.gz"):
            response = history_client.get(f"/dumps/{name}", headers={"Accept-Datetime": when}, buffered=True)
            assert response.status_code == 200, response.get_data(as_text=True)
            assert response.data == release_dump(release, name)
            assert response.headers["Memento-Datetime"] == http_date(release)
            assert response.headers["Content-Location"] == f"http://localhost/releases/{release.id}/dumps/{name}"
            assert "accept-datetime" in response.headers["Vary"].lower()
            links = response.headers["Link"]
            assert f'<http://localhost/dumps/{name}>; rel="original timegate"' in links
            assert f'<http://localhost/timemap/dumps/{name}>; rel="timemap"; type="application/link-format"' in links
    graph = {"graph": "urn:x:g"}
    later = history_client.get("/dumps/twinning.nt", query_string=graph, headers={"Accept-Datetime": LATER},
                               buffered=True)
    assert later.status_code == 200 and b"<urn:x:added>" in later.data
    assert later.headers["Content-Location"] == (f"http://localhost/releases/{newer.id}/dumps/twinning.nt"
                                                 f"?graph=urn:x:g")
    earlier = history_client.get("/dumps/twinning.nt", query_string=graph, headers={"Accept-Datetime": LONG_AGO})
    assert earlier.status_code == 404 and earlier.get_json()["status"] == 404


def test_get_dump_at_a_memento_datetime_is_that_memento(history, history_client):
    """The datetime the TimeMap gives for a memento (an HTTP date, to the second) picks that memento."""
    for release in history[1:]:
        response = history_client.get("/dumps/twinning.nt", headers={"Accept-Datetime": http_date(release)},
                                      buffered=True)
        assert response.status_code == 200 and response.headers["Memento-Datetime"] == http_date(release)


def test_get_dump_without_accept_datetime_unchanged(history, history_client):
    response = history_client.get("/dumps/twinning.nq", buffered=True)
    assert response.status_code == 200 and response.data == release_dump(history[2], "twinning.nq")
    assert "Memento-Datetime" not in response.headers and "Link" not in response.headers
    assert "Content-Location" not in response.headers


def test_get_dump_bad_accept_datetime_400(history_client):
    response = history_client.get("/dumps/twinning.nq", headers={"Accept-Datetime": "2024-01-01"})
    assert response.status_code == 400
    assert response.get_json() == {"error": response.get_json()["error"], "status": 400}
    assert "Accept-Datetime" in response.get_json()["error"]


def test_get_release_dump_is_that_release_file(history, history_client):
    _, older, _ = history
    response = history_client.get(f"/releases/{older.id}/dumps/twinning.trig", buffered=True)
    assert response.status_code == 200 and response.data == release_dump(older, "twinning.trig")
    assert response.headers["Memento-Datetime"] == http_date(older)
    assert response.headers["X-Twinning-Release"] == older.id
    assert "Content-Location" not in response.headers  # it is the memento itself
    for url in ("/releases/20990101T000000000000Z-deadbeef/dumps/twinning.nq", f"/releases/{older.id}/dumps/x.nq"):
        missing = history_client.get(url)
        assert missing.status_code == 404 and set(missing.get_json()) == {"error", "status"}


def test_get_dump_timemap_lists_every_kept_release(history, history_client):
    _, older, newer = history
    timemap(history_client, "dumps/twinning.nq.gz", older, newer)
    unknown = history_client.get("/timemap/dumps/twinning.xlsx")
    assert unknown.status_code == 404 and unknown.get_json()["status"] == 404


def test_two_pinned_queries_at_once(history, history_client):
    """Two answers of a past release streaming at the same time: on a remote engine too (query workers from the
    store folder, TWINNING_QUERY_WORKERS of them), the second does not wait for the first."""
    url = f"/releases/{history[1].id}/sparql"
    first = history_client.get(url, query_string={"query": COUNT}, headers={"Accept": "application/json"})
    second = history_client.get(url, query_string={"query": COUNT}, headers={"Accept": "application/json"})
    try:
        assert first.status_code == second.status_code == 200
        assert first.get_json() == second.get_json()
    finally:
        first.close()
        second.close()


def test_get_changes_on_every_backend(history, history_client):
    """The changes of the release a write made, from the store folder's dumps whichever backend serves: the patch
    turns the older release's dump into the newer's and back, byte for byte; the summary counts what it holds."""
    from graph import patch

    _, older, newer = history
    response = history_client.get(f"/releases/{newer.id}/changes")
    assert response.status_code == 200 and response.mimetype == "text/rdf-patch"
    rows = response.data.splitlines()
    assert rows[1] == f"H prev <{patch.release_iri(older.id)}> .".encode()
    assert b"".join(patch.apply(rows, release_dump(older, "twinning.nq").splitlines())) == \
        release_dump(newer, "twinning.nq")
    assert b"".join(patch.apply(rows, release_dump(newer, "twinning.nq").splitlines(), reverse=True)) == \
        release_dump(older, "twinning.nq")
    summary = history_client.get(f"/releases/{newer.id}/changes", query_string={"since": older.id},
                                 headers={"Accept": "application/json"}).get_json()
    assert summary["since"] == older.id and summary["added"] == sum(row.startswith(b"A ") for row in rows)
    assert {"graph": "urn:x:g", "added": 2, "deleted": 0} in summary["graphs"]
    oldest = history_client.get(f"/releases/{older.id}/changes", headers={"Accept": "application/json"}).get_json()
    assert oldest["since"] is None and oldest["deleted"] == 0


def test_remote_server_without_the_store_folder(backend, history, history_app, tmp_path):
    """A server of a remote engine that does not see the folder the releases were built in knows one release, the
    engine's: it is listed, pinned and a memento; an older one is 404, and so are the changes (they come from the
    folder's dumps)."""
    if backend == "embedded":
        pytest.skip("only a remote engine serves a release built elsewhere")
    _, older, newer = history
    keys = ("BACKEND", "ENDPOINT", "UPDATE_ENDPOINT", "STORE_ENDPOINT", "ENDPOINT_USER", "ENDPOINT_PASSWORD")
    app = create_app({"TESTING": True, "RATE_LIMIT": 0, "STORE": str(tmp_path / "elsewhere"),
                      **{key: history_app.config[key] for key in keys}})
    try:
        client = app.test_client()
        listed = client.get("/releases").get_json()["releases"]
        assert [(r["id"], r["current"]) for r in listed] == [(newer.id, True)]
        # the listing links the dump this server can give: the plain one, written from the engine
        assert listed[0]["dump"] == "twinning.nq"
        page = client.get("/releases", headers={"Accept": "text/html"}).get_data(as_text=True)
        assert f"/releases/{newer.id}/dumps/twinning.nq\"" in page and "twinning.nq.gz" not in page
        assert client.get(f"/releases/{newer.id}/dumps/twinning.nq", buffered=True).status_code == 200
        assert '/dumps/twinning.nq"' in client.get("/limits").get_data(as_text=True)  # every page links that one
        assert ask(client, f"/releases/{newer.id}/sparql") is True
        assert client.post(f"/releases/{older.id}/sparql", data={"query": ASK}).status_code == 404
        resource = client.get("/id/city/leuven", headers={**NT, "Accept-Datetime": LONG_AGO})
        assert resource.status_code == 200 and "as a write named it" in resource.get_data(as_text=True)
        assert resource.headers["Content-Location"] == f"http://localhost/releases/{newer.id}/id/city/leuven"
        assert client.get(f"/releases/{newer.id}/id/city/leuven", headers=NT).status_code == 200
        dump = client.get("/dumps/twinning.nq", headers={"Accept-Datetime": LATER}, buffered=True)
        assert dump.status_code == 200 and dump.data == release_dump(newer, "twinning.nq")
        # the metadata lists only the dumps this server gives, and each one answers
        for path, listing in (("/.well-known/void", VOID.dataDump), ("/catalog", DCAT.downloadURL)):
            metadata = rdflib.Graph().parse(data=client.get(path, headers=NT).get_data(as_text=True), format="nt")
            urls = {str(url).removeprefix("http://localhost") for url in metadata.objects(None, listing)}
            assert "/dumps/twinning.nq" in urls and not any(url.endswith(".gz") for url in urls), path
            assert all(client.head(url).status_code == 200 for url in urls), path
        assert client.get("/timemap/dumps/twinning.nq.gz").status_code == 404
        assert ".gz" not in client.get("/", headers={"Accept": "text/html"}).get_data(as_text=True)
        paths = client.get("/openapi.json").get_json()["paths"]
        examples = {parameter["example"] for path in ("/dumps/{name}", "/releases/{id}/dumps/{name}",
                                                      "/timemap/dumps/{name}")
                    for parameter in paths[path]["get"]["parameters"] if parameter["name"] == "name"}
        assert examples == {"twinning.nq"}  # an example that can be tried here
        assert newer.id in client.get("/timemap/dumps/twinning.nq").get_data(as_text=True)
        changes = client.get(f"/releases/{newer.id}/changes")
        assert changes.status_code == 404 and changes.get_json()["status"] == 404
    finally:
        app.extensions["twinning.backend"].close()
