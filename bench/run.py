"""Benchmark harness: the same data and queries, in one run, against
(a) pyoxigraph in-process, (b) `oxigraph serve-read-only`, (c) `twinning serve` under gunicorn and under granian,
(d) rdflib-endpoint (small scales).

    python -m bench.run                       # the default scales, writes docs/benchmarks.md and docs/benchmarks.svg
    python -m bench.run --scales 1000 --rounds 1 --quick --out /tmp/bench.md     # the smoke run of the tests

Figures are medians over rounds; p99 over all samples; ratios against (b) and (a) are taken within the run.
"""
import argparse
import http.client
import io
import itertools
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import pyoxigraph as ox

from bench.engines import free_port, installed, stop_server
from bench.generate import write_csv, write_nquads
from graph.release import build_release_from_file

PROJECT = Path(__file__).resolve().parent.parent
PREFIXES = """PREFIX tw: <https://w3id.org/nzc-twinning/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX wgs: <http://www.w3.org/2003/01/geo/wgs84_pos#>
"""
COUNTRY = "http://publications.europa.eu/resource/authority/country/"
# name -> (query, result format, requests per round)
QUERIES = {
    "one-row lookup": (PREFIXES + 'SELECT ?label WHERE { <https://w3id.org/nzc-twinning/id/city/c42> rdfs:label '
                       '?label FILTER(lang(?label) = "en") }', "json", 300),
    "100-row filter": (PREFIXES + f"SELECT ?city ?lat WHERE {{ ?city tw:country <{COUNTRY}SWE> ; wgs:lat ?lat "
                       "FILTER(?lat > 50) } LIMIT 100", "json", 100),
    "10k rows JSON": (PREFIXES + "SELECT ?city ?label WHERE { ?city a tw:City ; rdfs:label ?label } LIMIT 10000",
                      "json", 15),
    "10k rows CSV": (PREFIXES + "SELECT ?city ?label WHERE { ?city a tw:City ; rdfs:label ?label } LIMIT 10000",
                     "csv", 15),
    "COUNT all": ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "json", 10),
    "2-hop join": (PREFIXES + f"SELECT (COUNT(*) AS ?n) WHERE {{ ?twin tw:twinCity ?city ; tw:pairedWith ?pilot . "
                   f"?city tw:country <{COUNTRY}SWE> . ?pilot tw:ledBy ?lead }}", "json", 10),
    "10k-triple CONSTRUCT": (PREFIXES + "CONSTRUCT { ?city rdfs:label ?label } WHERE { ?city a tw:City ; "
                             "rdfs:label ?label } LIMIT 10000", "ntriples", 15),
    "named query + parameter": (PREFIXES + "SELECT DISTINCT ?pilot ?pilotLabel ?twinCity ?twinCityLabel "
                                "?cohortNumber WHERE { ?twin tw:pairedWith <https://w3id.org/nzc-twinning/id/pilot/p7> "
                                "; tw:twinCity ?twinCity . OPTIONAL { ?twin tw:cohort/tw:cohortNumber ?cohortNumber } "
                                "}", "json", 200),
}
# twinning's systems: the label of each and the HTTP_SERVER it runs under
TWINNING = {"twinning serve": "gunicorn", "twinning serve (granian)": "granian"}
MEDIA = {"json": "application/sparql-results+json", "csv": "text/csv", "ntriples": "application/n-triples"}
RESULT_FORMATS = {"json": ox.QueryResultsFormat.JSON, "csv": ox.QueryResultsFormat.CSV}


def wait_http(url: str, process: subprocess.Popen, seconds: float = 180) -> float:
    """Seconds until `url` answers 200."""
    started = time.monotonic()
    parts = urllib.parse.urlsplit(url)
    while time.monotonic() - started < seconds:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {url}")
        try:
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            connection.request("GET", parts.path + "?" + parts.query)
            if connection.getresponse().status == 200:
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer")


def tree_memory(pid: int, field: str = "VmHWM") -> float:
    """MiB of a process and its descendants (VmHWM: peak resident memory; VmRSS: current)."""
    total, pids = 0, [pid]
    while pids:
        current = pids.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                total += next(int(line.split()[1]) for line in status if line.startswith(field))
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    pids += [int(c) for c in children.read().split()]
        except (OSError, StopIteration):
            continue
    return total / 1024


class Server:
    """A SPARQL HTTP server in a subprocess: its query URL for a query and format, and its memory."""

    def __init__(self, command: list[str], path: str, env: dict | None = None):
        self.port = free_port()
        self.process = subprocess.Popen([c.replace("{port}", str(self.port)) for c in command], cwd=PROJECT,
                                        env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        self.path = path
        self.cold_start = wait_http(self.url("ASK { ?s ?p ?o }"), self.process)

    def url(self, query: str) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}?" + urllib.parse.urlencode({"query": query})

    def stop(self) -> None:
        stop_server(self.process)


REQUESTS = itertools.count()  # numbers the varied query texts of a run, so no two are the same


def http_times(url: str, media: str, count: int, vary: bool = False) -> list[float]:
    """Seconds of `count` GETs over one kept-alive connection. With `vary`, each request puts a numbered comment
    before the query: a text of its own, which no cache can answer."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=600)
    target = parts.path + "?" + parts.query
    times = []
    for _ in range(count):
        started = time.perf_counter()
        if vary:
            target = parts.path + "?" + parts.query.replace("query=", f"query=%23+{next(REQUESTS)}%0A", 1)
        connection.request("GET", target, headers={"Accept": media})
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status} for {url[:120]}")
        times.append(time.perf_counter() - started)
    connection.close()
    return times


def inprocess_times(store: ox.Store, query: str, fmt: str, count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        result = store.query(query, use_default_graph_as_union=True)
        output = io.BytesIO()
        if isinstance(result, ox.QueryTriples):
            result.serialize(output, ox.RdfFormat.N_TRIPLES)
        else:
            result.serialize(output, RESULT_FORMATS[fmt])
        times.append(time.perf_counter() - started)
    return times


def wrk_throughput(url: str, media: str, seconds: int = 5, vary: bool = False) -> dict | None:
    """Requests a second and p50 latency (ms) with 4 connections. With `vary`, every request carries a query text
    of its own (bench/vary_query.lua puts a numbered comment before it), so no cache can answer."""
    if shutil.which("wrk") is None:
        return None
    command = ["wrk", "-t2", "-c4", f"-d{seconds}s", "--latency", "-H", f"Accept: {media}"]
    if vary:
        path, _, query = url.partition("?")
        prefix, _, encoded = ("/" + path.split("/", 3)[3] + "?" + query).partition("query=")
        command += ["-s", str(PROJECT / "bench" / "vary_query.lua"), url, "--", prefix + "query=", encoded]
    else:
        command.append(url)
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    median = re.search(r"50%\s+([\d.]+)(us|ms|s)\b", result.stdout)
    if not rate or not median or "Non-2xx" in result.stdout:
        return None
    return {"rps": float(rate.group(1)),
            "p50_ms": float(median.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[median.group(2)]}


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def summarise(rounds: list[list[float]]) -> dict:
    samples = sorted(t for r in rounds for t in r)
    return {"p50": statistics.median(statistics.median(r) for r in rounds) * 1000,
            "p99": p99(samples) * 1000}


def streaming(server: Server, rows: int) -> dict:
    """First byte, total time and the growth of the server's resident memory while streaming `rows` rows as CSV."""
    url = server.url(f"SELECT ?s ?p ?o WHERE {{ ?s ?p ?o }} LIMIT {rows}")
    parts = urllib.parse.urlsplit(url)
    before = tree_memory(server.process.pid, "VmRSS")
    peak = [before]
    done = threading.Event()

    def sample():
        while not done.wait(0.05):
            peak.append(tree_memory(server.process.pid, "VmRSS"))

    sampler = threading.Thread(target=sample)
    sampler.start()
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=600)
    started = time.perf_counter()
    connection.request("GET", parts.path + "?" + parts.query, headers={"Accept": "text/csv"})
    response = connection.getresponse()
    response.read(1)
    first = time.perf_counter() - started
    size = 1 + sum(len(chunk) for chunk in iter(lambda: response.read(1 << 16), b""))
    total = time.perf_counter() - started
    done.set()
    sampler.join()
    return {"first_byte_ms": first * 1000, "total_s": total, "bytes": size, "memory_growth_mib": max(peak) - before}


MEASURE = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
           "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
           "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def child_run(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident MiB of a command, measured by a fresh parent whose only child it is."""
    out = subprocess.run([sys.executable, "-c", MEASURE, *command], cwd=PROJECT, check=True, capture_output=True,
                         text=True).stdout.split()
    return float(out[0]), int(out[1]) / 1024


def du_mib(path: Path) -> float:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file()) / (1 << 20)


def run_scale(cities: int, work: Path, rounds: int, quick: bool, rdflib_limit: int) -> dict:
    data = work / f"data-{cities}.nq"
    quads = write_nquads(cities, data)
    root = work / f"store-{cities}"
    shutil.rmtree(root, ignore_errors=True)
    started = time.perf_counter()
    release = build_release_from_file(data, root, dumps=False)
    build = time.perf_counter() - started
    result = {"cities": cities, "quads": quads, "build_s": build, "store_mib": du_mib(release.path), "systems": {}}

    started = time.perf_counter()
    store = ox.Store.read_only(str(release.path))
    bool(store.query("ASK { ?s ?p ?o }", use_default_graph_as_union=True))
    result["cold_start_inprocess_s"] = time.perf_counter() - started

    servers = {
        "oxigraph serve": Server([installed("oxigraph"), "serve-read-only", "--location", str(release.path),
                                                    "--bind", "127.0.0.1:{port}", "--union-default-graph"], "/query"),
        **{name: Server([sys.executable, "-m", "cli", "serve", "--store", str(root), "--port", "{port}"], "/sparql",
                        {"TWINNING_RATE_LIMIT": "0", "TWINNING_HTTP_SERVER": http_server})
           for name, http_server in TWINNING.items()},
    }
    if quads <= rdflib_limit and installed("rdflib-endpoint"):
        servers["rdflib-endpoint"] = Server([installed("rdflib-endpoint"), "serve", str(data), "--host",
                                                                "127.0.0.1", "--port", "{port}"], "/")
    result["cold_start_s"] = {name: s.cold_start for name, s in servers.items()}
    try:
        for name, (query, fmt, count) in QUERIES.items():
            count = max(3, count // 10) if quick else count
            row = {"pyoxigraph in-process": summarise([inprocess_times(store, query, fmt, count)
                                                       for _ in range(rounds)])}
            for server_name, server in servers.items():
                rows = [http_times(server.url(query), MEDIA[fmt], count, vary=True) for _ in range(rounds)]
                row[server_name] = summarise(rows)
            for server_name in TWINNING:  # the same text again and again: its answer cache's hits
                row[f"{server_name}, repeated"] = summarise([http_times(servers[server_name].url(query), MEDIA[fmt],
                                                                        count) for _ in range(rounds)])
            result["systems"][name] = row
        lookup = QUERIES["one-row lookup"][0]
        result["throughput"] = {name: {kind: wrk_throughput(s.url(lookup), MEDIA["json"], 2 if quick else 5,
                                                            vary=kind == "uncached")
                                       for kind in ("uncached", "repeated")} for name, s in servers.items()}
        heavy = QUERIES["COUNT all"][0]
        twinning = servers["twinning serve"]
        one = statistics.median(sum(http_times(twinning.url(heavy), MEDIA["json"], 1, True)) for _ in range(3))
        started = time.perf_counter()
        threads = [threading.Thread(target=http_times, args=(twinning.url(heavy), MEDIA["json"], 1, True))
                   for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        result["two_heavy_ratio"] = (time.perf_counter() - started) / (2 * one)
        result["peak_rss_mib"] = {name: tree_memory(s.process.pid) for name, s in servers.items()}
    finally:
        for server in servers.values():
            server.stop()
    return result


BULK_LOAD = ("import sys, pyoxigraph as ox; "
             "ox.Store(sys.argv[1]).bulk_load(path=sys.argv[2], format=ox.RdfFormat.N_QUADS)")


def build_from_csv(work: Path, cities: int) -> dict:
    """`twinning load` of the real fact files plus `cities` synthetic cities (50,000 make about 1M quads): seconds,
    quads/s and peak resident memory, against the engine's own bulk load of the same quads (the release's N-Quads
    dump into a fresh store), the floor of any build, in the same run."""
    folder = work / f"csv-{cities}"
    shutil.rmtree(folder, ignore_errors=True)
    write_csv(cities, folder, PROJECT / "data")
    store = work / "csv-store"
    shutil.rmtree(store, ignore_errors=True)
    elapsed, peak = child_run([sys.executable, "-m", "cli", "load", str(folder), "--store", str(store)])
    info = json.loads((store / "current" / "release.json").read_text())
    bulk, bulk_peak = child_run([sys.executable, "-c", BULK_LOAD, str(work / "bulk-store"),
                                 str(store / "current" / "dumps" / "twinning.nq")])
    shutil.rmtree(work / "bulk-store", ignore_errors=True)
    return {"cities": cities, "quads": info["quads"], "seconds": elapsed, "quads_per_s": info["quads"] / elapsed,
            "peak_mib": peak, "bulk_load_s": bulk, "bulk_load_quads_per_s": info["quads"] / bulk,
            "bulk_load_peak_mib": bulk_peak}


def run_special(work: Path, cities: int, quick: bool, csv_cities: int = 50_000) -> dict:
    """Streaming a large result, a full dump, and a release build from CSV fact files."""
    root = work / f"store-{cities}"
    data = work / f"data-{cities}.nq"
    quads = sum(1 for _ in data.open())
    rows = min(quads, 1_000_000)
    special = {"stream_rows": rows}
    servers = {
        "oxigraph serve": Server([installed("oxigraph"), "serve-read-only", "--location", str(root / "current"),
                                       "--bind", "127.0.0.1:{port}", "--union-default-graph"], "/query"),
        **{name: Server([sys.executable, "-m", "cli", "serve", "--store", str(root), "--port", "{port}"], "/sparql",
                        {"TWINNING_RATE_LIMIT": "0", "TWINNING_MAX_RESULT_ROWS": "0",
                         "TWINNING_MAX_RESPONSE_BYTES": "0", "TWINNING_HTTP_SERVER": http_server})
           for name, http_server in TWINNING.items()},
    }
    try:
        special["streaming"] = {name: streaming(s, rows) for name, s in servers.items()}
    finally:
        for server in servers.values():
            server.stop()
    dumps = {}
    export = [sys.executable, "-m", "cli", "export", "--store", str(root), "-o", os.devnull, "-f"]
    # The same process exporting one small graph: what Python, pyoxigraph and the open store cost by themselves.
    _, baseline = child_run([*export, "nq", "--graph", "https://w3id.org/nzc-twinning/id/source/s0"])
    for fmt in ("nq", "nt", "ttl"):
        elapsed, peak = child_run([*export, fmt])
        dumps[fmt] = {"seconds": elapsed, "triples_per_s": quads / elapsed, "peak_mib": peak,
                      "growth_mib": peak - baseline}
    special["dump"] = dumps
    special["build_from_csv"] = build_from_csv(work, csv_cities)
    return special


def svg_plot(results: list[dict], query_names: list[str], system: str) -> str:
    """Latency (p50) against data size, log-log, one line per query, for one system."""
    width, height, left, bottom = 640, 360, 60, 40
    xs = [r["quads"] for r in results]
    values = [r["systems"][q][system]["p50"] for r in results for q in query_names]
    if len(xs) < 2:
        return ""
    import math
    x0, x1 = math.log10(min(xs)), math.log10(max(xs))
    y0, y1 = math.log10(max(min(values), 0.01)), math.log10(max(values))

    def point(x, y):
        px = left + (math.log10(x) - x0) / max(x1 - x0, 1e-9) * (width - left - 150)
        py = height - bottom - (math.log10(max(y, 0.01)) - y0) / max(y1 - y0, 1e-9) * (height - bottom - 20)
        return f"{px:.1f},{py:.1f}"

    colours = ["#1b6ca8", "#d1495b", "#2e8b57", "#edae49", "#6a4c93", "#555555", "#00798c", "#8c564b"]
    lines = [(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" font-family="sans-serif" '
             f'font-size="11"><title>p50 latency of {system} against data size</title>'),
             f'<line x1="{left}" y1="{height - bottom}" x2="{width - 150}" y2="{height - bottom}" stroke="#333"/>',
             f'<line x1="{left}" y1="20" x2="{left}" y2="{height - bottom}" stroke="#333"/>',
             f'<text x="{left}" y="{height - 10}">quads (log): {", ".join(f"{x:,}" for x in xs)}</text>',
             f'<text x="4" y="14">p50 ms (log), {system}</text>']
    for colour, name in zip(colours, query_names):
        points = " ".join(point(r["quads"], r["systems"][name][system]["p50"]) for r in results)
        lines.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        y = 30 + 16 * query_names.index(name)
        lines.append(f'<text x="{width - 145}" y="{y}" fill="{colour}">{name}</text>')
    return "\n".join(lines + ["</svg>"])


def markdown(results: list[dict], special: dict, command: str, svg_name: str) -> str:
    out = ["# Benchmarks", "", f"Regenerate with `{command}` (about 10 minutes on 2 cores).", "",
           (f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, pyoxigraph "
           f"{ox.__version__}; data from `bench/generate.py` (seed 42). "
           "Latencies are p50 (median of the rounds' medians) and p99 in milliseconds, over a kept-alive HTTP "
           "connection; ratios are taken within this run. `twinning serve` runs under gunicorn, its default, and "
           "under granian (`TWINNING_HTTP_SERVER=granian`). Every request of the tables is a query text of its own "
           "(a numbered comment before the query), so no cache answers it, except in the columns `..., repeated`: "
           "the same text each time, answered from twinning's answer cache."), ""]
    for r in results:
        out += [f"## {r['cities']:,} cities, {r['quads']:,} quads", "",
                f"Build {r['build_s']:.1f} s (bulk load and statistics), store {r['store_mib']:.0f} MiB on disk; "
                "cold start (open, first answer): in-process " f"{r['cold_start_inprocess_s']*1000:.0f} ms, " +
                ", ".join(f"{k} {v:.2f} s" for k, v in r["cold_start_s"].items()) + ".", ""]
        systems = list(next(iter(r["systems"].values())))
        out.append("| query | " + " | ".join(f"{s} p50 / p99" for s in systems) +
                   " | twinning / oxigraph serve | granian / oxigraph serve | twinning / in-process |")
        out.append("|---" * (len(systems) + 4) + "|")
        for name, row in r["systems"].items():
            cells = [f"{row[s]['p50']:.2f} / {row[s]['p99']:.2f}" for s in systems]
            ratios = [row[s]["p50"] / row["oxigraph serve"]["p50"] for s in TWINNING]
            ratio_a = row["twinning serve"]["p50"] / row["pyoxigraph in-process"]["p50"]
            out.append(f"| {name} | " + " | ".join(cells) + "".join(f" | {r_:.2f}" for r_ in ratios) +
                       f" | {ratio_a:.2f} |")
        out += ["", "One-row lookup, 4 connections (wrk), uncached (every request a new query text) and repeated "
                "(the same text: twinning answers from its answer cache): " +
                "; ".join(f"{k} " + ", ".join(f"{kind} {t['rps']:,.0f} req/s, p50 {t['p50_ms']:.2f} ms" if t else
                                               f"{kind} n/a" for kind, t in v.items())
                          for k, v in r["throughput"].items()) + ". " +
                f"Two COUNT-all queries at once take {r['two_heavy_ratio']:.2f}x the time of running them one after "
                "the other. Peak resident memory: " +
                ", ".join(f"{k} {v:.0f} MiB" for k, v in r["peak_rss_mib"].items()) + ".", ""]
    if special:
        out += ["## Streaming, dumps and builds", "",
                f"Streaming {special['stream_rows']:,} rows as CSV (twinning with the row and byte limits off):", "",
                "| system | first byte ms | total s | memory growth MiB |", "|---|---|---|---|"]
        for name, s in special["streaming"].items():
            out.append(f"| {name} | {s['first_byte_ms']:.0f} | {s['total_s']:.2f} | {s['memory_growth_mib']:.0f} |")
        out += ["", "| full dump | seconds | triples/s | peak MiB | growth over exporting one small graph, MiB |",
                "|---|---|---|---|---|"]
        for fmt, d in special["dump"].items():
            out.append(f"| `twinning export -f {fmt}` | {d['seconds']:.2f} | {d['triples_per_s']:,.0f} | "
                       f"{d['peak_mib']:.0f} | {d['growth_mib']:.0f} |")
        b = special["build_from_csv"]
        out += ["", (f"Release build from CSV (`twinning load`, real data plus {b['cities']:,} synthetic cities, "
                "SHACL check, union graph, statistics and every dump included): "
                f"{b['quads']:,} quads in {b['seconds']:.1f} s, {b['quads_per_s']:,.0f} quads/s, peak "
                f"{b['peak_mib']:.0f} MiB. The engine's bulk load alone of the same quads in the same run: "
                f"{b['bulk_load_s']:.1f} s, {b['bulk_load_quads_per_s']:,.0f} quads/s, peak "
                f"{b['bulk_load_peak_mib']:.0f} MiB (build / bulk load: {b['seconds'] / b['bulk_load_s']:.1f}x)."),
                ""]
    if svg_name:
        out += ["## Scaling", "", f"![p50 latency of twinning serve against data size]({svg_name})", ""]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1000,10000,100000", help="comma-separated numbers of cities")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="fewer requests per query (smoke runs)")
    parser.add_argument("--rdflib-limit", type=int, default=120_000, help="largest quad count for rdflib-endpoint")
    parser.add_argument("--csv-cities", type=int, default=50_000,
                        help="synthetic cities of the build from CSV (50,000: about 1M quads)")
    parser.add_argument("--out", type=Path, default=PROJECT / "docs" / "benchmarks.md")
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    parser.add_argument("--real-store", type=Path, help="a store folder holding a release of data/ (default: "
                        "`twinning load` into the working folder)")
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="twinning-bench-"))
    scales = [int(s) for s in args.scales.split(",")]
    results = [run_scale(c, work, args.rounds, args.quick, args.rdflib_limit) for c in scales]
    special = run_special(work, scales[-1], args.quick, 500 if args.quick else args.csv_cities)
    from bench import real_graph  # it imports this module's Server
    real = real_graph.run(work, args.rounds, args.quick, args.real_store)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    svg = svg_plot(results, list(QUERIES), "twinning serve")
    svg_name = ""
    if svg:
        svg_name = args.out.with_suffix(".svg").name
        args.out.with_suffix(".svg").write_text(svg)
    command = f"python -m bench.run --scales {args.scales} --rounds {args.rounds}" + " --quick" * args.quick  # no paths
    args.out.write_text(markdown(results, special, command.strip(), svg_name) + "\n" + "\n".join(real_graph.markdown(real)))
    (args.out.with_suffix(".json")).write_text(json.dumps({"scales": results, "special": special, "real_graph": real},
                                                          indent=2))
    print(args.out)
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
