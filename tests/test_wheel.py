"""The project as a user installs it (issue 13): a wheel built with `python -m build`, installed into a fresh virtual
environment of its own, runs `twinning load` and `twinning serve` from an empty folder. Everything it serves (pages,
static files, named queries, the ontology, the data) must come from the installed package, never from the checkout.

Needs the `build` package (test extras) and a package index for the wheel's dependencies (CI pins them with
PIP_CONSTRAINT, which the installs here inherit).
"""
import csv
import io
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import OWL, RDF, Graph, URIRef

from bench.engines import free_port, stop_server, wait_until_answering

from .conftest import PROJECT, csv_rows

pytestmark = pytest.mark.live

# Checkout-only folders that must never land at the top of site-packages.
NOT_INSTALLED = {"bench", "tests", "pages", "pictures"}
# What a wheel build must not see: version control, virtual environments, caches and earlier builds (a stale
# build/lib would leak removed files into the wheel).
SKIPPED = shutil.ignore_patterns(".*", "build", "dist", "*.egg-info", "__pycache__", "instance", "test-artifacts")
NAMED_QUERIES = sorted(path.stem for path in (PROJECT / "queries").glob("*.rq")
                       if not path.stem.endswith("_violation"))
TW = "https://w3id.org/nzc-twinning/ontology#"
TWIN_CITIES = f"PREFIX tw: <{TW}> SELECT (COUNT(DISTINCT ?city) AS ?n) WHERE {{ ?twin a tw:Twin ; tw:twinCity ?city }}"


def run(command: list, cwd: Path, env: dict, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run a step of the installation; a failure names the command and shows its output."""
    done = subprocess.run([str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(map(str, command))} exited with {done.returncode} in {cwd}:\n"
                    f"{done.stdout[-3000:]}\n{done.stderr[-6000:]}")
    return done


@dataclass
class Installed:
    wheel: Path
    venv: Path
    env: dict  # a user's environment: no TWINNING_* settings and no PYTHONPATH that could reach the checkout

    def command(self, name: str) -> Path:
        return self.venv / "bin" / name


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    """The wheel built from a copy of the checkout, installed into a fresh virtual environment."""
    root = tmp_path_factory.mktemp("wheel")
    source, dist, venv = root / "source", root / "dist", root / "venv"
    shutil.copytree(PROJECT, source, ignore=SKIPPED)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith("TWINNING_") and key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    run([sys.executable, "-m", "build", "--wheel", "--outdir", dist, source], root, env)
    wheel, = dist.glob("*.whl")
    run([sys.executable, "-m", "venv", venv], root, env)
    run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", wheel], root, env)
    return Installed(wheel, venv, env)


@dataclass
class Served:
    base: str
    stderr: Path

    def log(self) -> str:
        """The server's error output, for a failure's message."""
        return "twinning serve's stderr:\n" + self.stderr.read_text(encoding="utf-8", errors="replace")[-6000:]

    def get(self, path: str, accept: str = "*/*") -> bytes:
        """The body of a GET that must answer 200; otherwise fail with the answer and the server's stderr."""
        request = urllib.request.Request(self.base + path, headers={"Accept": accept})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.read()
        except urllib.error.HTTPError as error:
            pytest.fail(f"GET {path} answered {error.code}: {error.read()[:2000]!r}\n{self.log()}")


@pytest.fixture(scope="module")
def served(installed, tmp_path_factory):
    """`twinning load` then `twinning serve` run from an empty folder with the installed commands."""
    folder = tmp_path_factory.mktemp("empty")
    run([installed.command("twinning"), "load", "--store", "./store"], folder, installed.env)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    stderr = folder.parent / "serve.stderr"
    with stderr.open("wb") as errors:
        process = subprocess.Popen([installed.command("twinning"), "serve", "--store", "./store", "--port", str(port)],
                                   cwd=folder, env=installed.env, stdout=subprocess.DEVNULL, stderr=errors)
    server = Served(base, stderr)
    try:
        wait_until_answering(base + "/sparql", process)
    except RuntimeError as error:
        stop_server(process)
        pytest.fail(f"{error}\n{server.log()}")
    yield server
    stop_server(process)


def test_wheel_top_level_names(installed):
    with zipfile.ZipFile(installed.wheel) as wheel:
        record, = (name for name in wheel.namelist() if name.endswith(".dist-info/RECORD"))
        paths = [row[0] for row in csv.reader(io.StringIO(wheel.read(record).decode()))]
    top = {path.split("/")[0].removesuffix(".py") for path in paths if ".dist-info/" not in path}
    assert {"server", "cli", "web", "graph", "loaders", "nzc_twinning"} <= top
    assert not top & NOT_INSTALLED, f"the wheel installs checkout-only names: {sorted(top & NOT_INSTALLED)}"


def test_installed_code_and_files_outside_checkout(installed, tmp_path):
    """Every module and shipped folder the installed app uses is inside the fresh environment."""
    probe = ("import json, cli, graph, loaders, server, web\n"
             "from nzc_twinning.files import SHIPPED, shipped\n"
             "print(json.dumps([m.__file__ for m in (cli, graph, loaders, server, web)]"
             " + [str(shipped(name)) for name in SHIPPED]))")
    done = run([installed.command("python"), "-c", probe], tmp_path, installed.env)
    for path in json.loads(done.stdout):
        assert Path(path).resolve().is_relative_to(installed.venv.resolve()), path


def test_get_sparql_twin_cities(served):
    answer = json.loads(served.get("/sparql?" + urllib.parse.urlencode({"query": TWIN_CITIES}),
                                   "application/sparql-results+json"))
    expected = len({row["twin_city_id"] for row in csv_rows("twin_cities.csv")})
    assert int(answer["results"]["bindings"][0]["n"]["value"]) == expected, served.log()


def test_get_home(served):
    assert b"</html>" in served.get("/", "text/html"), served.log()


def test_get_query_page(served):
    assert b"/static/" in served.get("/query", "text/html"), served.log()


STATIC = PROJECT / "web" / "static"
# Every served file, vendored ones too; vendor/source/ holds the inputs that built them, which are not installed.
SERVED_STATIC = sorted(path.relative_to(STATIC).as_posix() for path in STATIC.rglob("*")
                       if path.is_file() and "source" not in path.relative_to(STATIC).parts)


@pytest.mark.parametrize("name", SERVED_STATIC)
def test_get_static(served, name):
    assert served.get(f"/static/{name}") == (STATIC / name).read_bytes()


def test_get_queries_lists_every_named_query(served):
    listed = {query["name"] for query in json.loads(served.get("/queries", "application/json"))}
    assert listed == set(NAMED_QUERIES), served.log()


@pytest.mark.parametrize("name", NAMED_QUERIES)
def test_get_named_query(served, name):
    """Each named query answers, with the example value of each of its parameters."""
    listed = {query["name"]: query for query in json.loads(served.get("/queries", "application/json"))}
    assert name in listed, f"{name} is not served by the installed app\n{served.log()}"
    params = {param["name"]: param["example"] for param in listed[name]["parameters"] if "example" in param}
    answer = json.loads(served.get(f"/queries/{name}?{urllib.parse.urlencode(params)}",
                                   "application/sparql-results+json"))
    assert "bindings" in answer["results"], served.log()


def test_get_ontology_turtle(served):
    graph = Graph().parse(data=served.get("/ontology", "text/turtle").decode(), format="turtle")
    assert (URIRef(TW.rstrip("#")), RDF.type, OWL.Ontology) in graph, served.log()
    assert (URIRef(TW + "City"), RDF.type, OWL.Class) in graph, served.log()


def test_get_city_lund_html(served):
    page = served.get("/id/city/lund", "text/html").decode()
    assert "<html" in page and "Lund" in page, served.log()
