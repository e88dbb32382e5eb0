"""Shared fixtures: a release of the real data built once per session, the Flask app and client, a live server.

Modules that set ALL_BACKENDS = True run every test that uses the app, the client or the live server three times:
on the embedded store, on `oxigraph serve` and on Virtuoso, each engine started here on a loopback port and the
release published to it. Where an engine is not installed those runs skip with the reason; with
TWINNING_TEST_ENGINES=required (as .ci/run sets) they fail instead.
"""
import csv
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from bench.engines import STARTERS, start_twinning, stop_server
from graph.build import build as build_into
from graph.release import current_release
from server import create_app

PROJECT = Path(__file__).resolve().parent.parent  # the checkout: its data/, ontology/ and docs are test inputs
SHARED = PROJECT.parent / "shared"
ONTOLOGY = PROJECT / "ontology" / "twinning.ttl"
SHAPES = PROJECT / "ontology" / "shapes.ttl"


def csv_rows(name: str) -> list[dict]:
    """The rows of one of the project's fact files, read with the csv module (an oracle independent of loaders/)."""
    with (PROJECT / "data" / name).open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def build(data_dir: Path, store: Path):
    """Build a release of a data folder into a store folder, as `twinning load` does."""
    return build_into(data_dir, store, progress=lambda message: None)


@pytest.fixture(scope="session")
def store_path(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("store")
    build(PROJECT / "data", store)
    return store


BACKENDS = ("embedded", "oxigraph", "virtuoso")


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames and getattr(metafunc.module, "ALL_BACKENDS", False):
        metafunc.parametrize("backend", BACKENDS, indirect=True, scope="session")


@pytest.fixture(scope="session")
def backend(request) -> str:
    """Which store serves the app: `embedded` unless the module runs on ALL_BACKENDS."""
    return getattr(request, "param", "embedded")


@pytest.fixture(scope="session")
def start_engine(tmp_path_factory):
    """Start a fresh remote engine of a kind; all are stopped at the end of the session."""
    started = []

    def start(kind: str, **options):
        starter, available = STARTERS[kind]
        if not available():
            message = f"{kind} is not installed here (CI installs it: see .ci/run)"
            if os.environ.get("TWINNING_TEST_ENGINES") == "required":
                pytest.fail(message)
            pytest.skip(message)
        engine = starter(tmp_path_factory.mktemp(kind), **options)
        started.append(engine)
        return engine

    yield start
    for engine in started:
        engine.stop()


def serve_from(backend: str, store: Path, start_engine) -> dict:
    """Settings that serve the current release of `store` from `backend`: for a remote one, a fresh engine the
    release was published to, as `twinning load --backend sparql` does."""
    if backend == "embedded":
        return {"STORE": str(store)}
    settings = {"STORE": str(store), **start_engine(backend).settings()}
    publisher = create_app({"TESTING": True, **settings}).extensions["twinning.backend"]
    publisher.publish(current_release(store), None, progress=lambda message: None)
    return settings


def environment(settings: dict) -> dict:
    """Settings as the TWINNING_* variables of a server process."""
    return {f"TWINNING_{key}": str(value) for key, value in settings.items()}


@pytest.fixture(scope="session")
def served(backend, store_path, start_engine) -> dict:
    return serve_from(backend, store_path, start_engine)


@pytest.fixture(scope="session")
def app(served):
    app = create_app({"TESTING": True, "RATE_LIMIT": 0, **served})  # rate limits are tested on apps of their own
    yield app
    app.extensions["twinning.backend"].close()


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def data_copy(tmp_path) -> Path:
    """A writable copy of the real data folder, for tests that break a file."""
    target = tmp_path / "data"
    shutil.copytree(PROJECT / "data", target)
    return target


def start_server(store: Path, extra_env: dict | None = None) -> tuple[subprocess.Popen, str]:
    return start_twinning({"TWINNING_STORE": str(store), **(extra_env or {})})


@pytest.fixture(scope="session")
def live_server(store_path, served):
    process, base = start_server(store_path, environment(served))
    yield base
    stop_server(process)


# --- the browser: headless Chromium driven by Playwright, shared by every browser test --------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = PROJECT / "test-artifacts" / "screenshots"  # for a person to look at after the run
# Flags for a machine with no network beyond loopback (no background connections, no sandbox as root).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if CHROMIUM is None:
        pytest.skip("no chromium binary (Debian package chromium; .ci/run installs it)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture()
def page_at(browser):
    """Open a page whose base address is the one given (a server, or a proxy's prefix): it may reach addresses under
    that base only, and any other request or any JavaScript error fails the test."""
    outside, errors, contexts = [], [], []

    def open_page(base: str):
        context = browser.new_context(base_url=base, accept_downloads=True, viewport={"width": 1280, "height": 900})
        contexts.append(context)
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base)
                      else (outside.append(route.request.url), route.abort()))
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert outside == [], f"requests left the server: {outside}"
    assert errors == [], f"JavaScript errors: {errors}"


@pytest.fixture()
def page(page_at, live_server):
    """A page on the live server (see page_at)."""
    return page_at(live_server)
