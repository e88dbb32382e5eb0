"""The layering is a checked contract (pyproject.toml, [tool.importlinter]): web/ on graph/ on loaders/ on the
shared names, no package importing server.py or cli.py, pyoxigraph only in graph/, no import circle inside a package.
Every import counts, those inside functions too."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import PROJECT

LINT = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
PACKAGES = ("web", "graph", "loaders", "nzc_twinning")


def lint(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([LINT, "--no-cache"], cwd=folder, capture_output=True, text=True, check=False,
                          env={"PYTHONPATH": str(folder), "PATH": "/usr/bin:/bin"})


def test_ruff_is_clean():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent))
    assert ruff, "ruff is not installed (pip install -e '.[test]')"
    done = subprocess.run([ruff, "check", "--no-cache", "."], cwd=PROJECT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_import_contracts_are_kept():
    assert LINT, "lint-imports is not installed (pip install -e '.[test]')"
    done = lint(PROJECT)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture()
def copy(tmp_path) -> Path:
    """The packages and the contracts in a folder of their own, to break a contract on purpose."""
    for name in PACKAGES:
        shutil.copytree(PROJECT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.rq",
                                                                                         "*.csv", "*.ttl", "static"))
    shutil.copy(PROJECT / "pyproject.toml", tmp_path)
    return tmp_path


@pytest.mark.parametrize("module, line", [
    ("graph/export.py", "    from web import answers  # noqa"),  # graph/ must not import the web layer
    ("loaders/table.py", "    import pyoxigraph  # noqa"),  # pyoxigraph only in graph/
    ("graph/formats.py", "    from . import export  # noqa"),  # graph.export imports graph.formats: a circle
])
def test_a_broken_contract_fails_even_inside_a_function(copy, module, line):
    path = copy / module
    path.write_text(path.read_text() + f"\n\ndef planted():\n{line}\n")
    done = lint(copy)
    assert done.returncode != 0 and "BROKEN" in done.stdout, done.stdout
