"""Smoke test of the benchmark harness on the smallest scale: it runs end to end and writes its report.

No timing is asserted here: speed is measured by `python -m bench.run` (docs/benchmarks.md), not by this test.
"""
import json
import subprocess
import sys

import pytest

from bench.engines import installed

from .conftest import PROJECT


@pytest.mark.skipif(installed("oxigraph") is None, reason="the oxigraph server (PyPI package oxigraph) is missing")
def test_bench_harness_runs_on_smallest_scale(tmp_path, store_path):
    out = tmp_path / "bench.md"
    subprocess.run([sys.executable, "-m", "bench.run", "--scales", "300", "--rounds", "1", "--quick",
                    "--out", str(out), "--work", str(tmp_path / "work"), "--real-store", str(store_path)],
                   cwd=PROJECT, check=True, timeout=600)
    report = out.read_text()
    assert "| one-row lookup |" in report and "twinning / oxigraph serve" in report
    figures = json.loads(out.with_suffix(".json").read_text())
    systems = figures["scales"][0]["systems"]["COUNT all"]
    assert {"pyoxigraph in-process", "oxigraph serve", "twinning serve"} <= set(systems)
    assert all(s["p50"] > 0 for s in systems.values())
    # The real graph: each kind uncached (every request a miss) and repeated (every request a hit).
    assert "## The real graph" in report
    for kind in figures["real_graph"]["kinds"].values():
        uncached, repeated = kind["uncached"], kind["repeated"]
        assert set(uncached["cache"]) <= {"miss", "bypass"} and set(repeated["cache"]) <= {"hit", "bypass"}
    assert figures["real_graph"]["kinds"]["ASK"]["repeated"]["cache"] == {"hit": 5}
