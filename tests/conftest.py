"""Shared fixtures: a release of the real data built once per session, the Flask app and client, a live server."""
import csv
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from graph.release import build_release, release_dataset
from loaders import FILES, load_all
from server import PROJECT, create_app

SHARED = PROJECT.parent / "shared"
ONTOLOGY = PROJECT / "ontology" / "twinning.ttl"
SHAPES = PROJECT / "ontology" / "shapes.ttl"


def csv_rows(name: str) -> list[dict]:
    """The rows of one of the project's fact files, read with the csv module (an oracle independent of loaders/)."""
    with (PROJECT / "data" / name).open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def build(data_dir: Path, store: Path):
    """Build a release of a data folder into a store folder, as `twinning load` does."""
    dataset = release_dataset(load_all(data_dir), ONTOLOGY)
    inputs = {name: (data_dir / name).read_bytes() for name in FILES}
    return build_release(dataset, store, inputs, SHAPES, progress=lambda message: None)


@pytest.fixture(scope="session")
def store_path(tmp_path_factory) -> Path:
    store = tmp_path_factory.mktemp("store")
    build(PROJECT / "data", store)
    return store


@pytest.fixture(scope="session")
def app(store_path):
    app = create_app({"TESTING": True, "STORE": str(store_path)})
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(store: Path, extra_env: dict | None = None) -> tuple[subprocess.Popen, str]:
    """Run `twinning serve` on a free loopback port and wait until it answers."""
    port = free_port()
    env = {**os.environ, "TWINNING_STORE": str(store), **(extra_env or {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--port", str(port)], cwd=PROJECT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {process.stderr.read().decode()}")
        try:
            with urllib.request.urlopen(base + "/sparql", timeout=2):
                return process, base
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the server did not answer within 30 s")


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    process.stderr.close()


@pytest.fixture(scope="session")
def live_server(store_path):
    process, base = start_server(store_path)
    yield base
    stop_server(process)
