"""Latency of named queries through `twinning serve` on each backend, measured in one run.

    python -m bench.backends [-n 300] [--out docs/backends.md]

Builds a release of data/, publishes it to a fresh `oxigraph serve` and a fresh Virtuoso (each skipped when not
installed), serves it three times (embedded, oxigraph, virtuoso) and times the same named-query URLs against each
server in interleaved rounds, so the machine's noise falls on all three alike. Medians and p99 over all rounds.
"""
import argparse
import datetime
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.engines import STARTERS, start_twinning, stop_server
from bench.http_latency import measure
from bench.run import p99

PROJECT = Path(__file__).resolve().parent.parent
QUERIES = ["twins_of_pilot?pilot=umea-c1", "pilots_of_country?country=SWE", "cohort_sizes"]


def serve(store: Path, settings: dict) -> tuple[subprocess.Popen, str]:
    return start_twinning({"TWINNING_STORE": str(store), "TWINNING_RATE_LIMIT": "0",
                           **{f"TWINNING_{key}": str(value) for key, value in settings.items()}})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=300, help="requests per query, backend and round (default 300)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=PROJECT / "docs" / "backends.md")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="twinning-backends-"))
    store = work / "store"
    subprocess.run([sys.executable, "-m", "cli", "load", "--store", str(store)], cwd=PROJECT, check=True,
                   capture_output=True)
    engines, servers, loads = [], {}, {}
    try:
        servers["embedded"] = serve(store, {})
        for kind, (start, available) in STARTERS.items():
            if not available():
                print(f"{kind} is not installed: left out", file=sys.stderr)
                continue
            engine = start(work / kind)
            engines.append(engine)
            env = {**os.environ, "TWINNING_ENDPOINT_USER": engine.user, "TWINNING_ENDPOINT_PASSWORD": engine.password}
            started = time.monotonic()
            done = subprocess.run([sys.executable, "-m", "cli", "load", "--store", str(store), "--backend", "sparql",
                                   "--endpoint", engine.query, "--update-endpoint", engine.update,
                                   "--store-endpoint", engine.store], cwd=PROJECT, check=True, capture_output=True,
                                  text=True, env=env)
            uploaded = re.findall(r"graphs uploaded \(([0-9.]+) s\)", done.stderr)
            loads[kind] = (time.monotonic() - started, float(uploaded[-1]) if uploaded else None)
            servers[kind] = serve(store, {"BACKEND": "sparql", "ENDPOINT": engine.query})
        times = {(kind, query): [] for kind in servers for query in QUERIES}
        for _ in range(args.rounds):
            for query in QUERIES:
                for kind, (_, base) in servers.items():
                    times[kind, query] += measure(f"{base}/queries/{query}", args.n,
                                                  "application/sparql-results+json")
    finally:
        for process, _ in servers.values():
            stop_server(process)
        for engine in engines:
            engine.stop()
    lines = [
        "# Named-query latency by backend",
        "",
        (f"Measured {datetime.date.today()} with `python -m bench.backends -n {args.n} --rounds {args.rounds}` on "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}: `twinning serve` "
        "(2 HTTP workers) answering JSON over a kept-alive connection, all three servers in the same run, rounds "
        "interleaved. Each cell is the median over all requests, then the p99."),
        "",
        "| named query | " + " | ".join(servers) + " |",
        "|---|" + "---|" * len(servers),
    ]
    for query in QUERIES:
        cells = []
        for kind in servers:
            values = sorted(times[kind, query])
            cells.append(f"{statistics.median(values) * 1000:.2f} ms (p99 {p99(values) * 1000:.2f})")
        lines.append(f"| `{query}` | " + " | ".join(cells) + " |")
    lines += ["", ("`twinning load --backend sparql` of the same data into a fresh engine (whole command: build, then "
              "publish; and the upload of the graphs alone):"), ""]
    lines += [f"- {kind}: {total:.1f} s, upload {upload:.2f} s" for kind, (total, upload) in loads.items()]
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
