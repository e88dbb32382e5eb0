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
    assert {"pyoxigraph in-process", "oxigraph serve", "twinning serve", "twinning serve (granian)"} <= set(systems)
    assert all(s["p50"] > 0 for s in systems.values())
    # The real graph: each kind uncached (every request a miss) and repeated (every request a hit).
    assert "## The real graph" in report
    for kind in figures["real_graph"]["kinds"].values():
        for server in ("twinning serve", "twinning serve (granian)"):
            uncached, repeated = kind["uncached"]["cache"][server], kind["repeated"]["cache"][server]
            assert set(uncached) <= {"miss", "bypass"} and set(repeated) <= {"hit", "bypass"}
    assert figures["real_graph"]["kinds"]["ASK"]["repeated"]["cache"]["twinning serve (granian)"] == {"hit": 5}


def test_releases_bench_measures_every_kept_release(tmp_path):
    """bench.releases on a small synthetic graph: it keeps and measures as many releases as it built, and the
    folder holds them all (the figures are its output, not checked here)."""
    from bench.releases import synthetic

    figures = synthetic(tmp_path, cities=300, releases=3)
    assert figures["releases"] == 3 and figures["quads"] > 3000
    assert abs(figures["per_release_mib"] - figures["store_mib"] - figures["dumps_mib"]) <= 0.15  # each rounded
    assert figures["folder_mib"] >= 3 * figures["per_release_mib"] * 0.95
