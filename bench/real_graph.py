"""The real graph (a `twinning load` of data/) served by `twinning serve` (under gunicorn, and under granian) and by
`oxigraph serve-read-only` on the same release, requests taking turns between the three over kept-alive connections.

Five kinds of request: ASK, a twin-city SELECT, a named query with a parameter, a resource page's DESCRIBE and a
whole-graph CONSTRUCT. Uncached: every request a query text of its own (a comment with a counter, or another
parameter value or resource), so no cache can answer. Repeated: one text asked again and again (the answer cache's
hits). `oxigraph serve` reads the release's union graph (the default graph of twinning's queries) by
`default-graph-uri`, so both answer over the same triples. twinning's X-Twinning-Cache header is counted, so hits
and misses are reported apart.

    python -m bench.real_graph [--rounds 3] [--quick]
"""
import argparse
import http.client
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

from bench.engines import installed
from bench.run import TWINNING, Server
from graph.build import build
from graph.release import current_release
from nzc_twinning.files import shipped
from nzc_twinning.namespaces import ID, UNION_GRAPH

TW = "PREFIX tw: <https://w3id.org/nzc-twinning/ontology#>\n"
TWIN_CITY = TW + f"""SELECT DISTINCT ?pilot ?leadCity ?cohortNumber WHERE {{
  ?twin tw:twinCity <{ID}city/lund> ; tw:cohort/tw:cohortNumber ?cohortNumber ; tw:pairedWith ?pilot .
  ?pilot tw:ledBy ?leadCity .
}}"""
ASK = TW + f"ASK {{ ?twin tw:twinCity <{ID}city/lund> ; tw:pairedWith ?pilot }}"
CONSTRUCT = "CONSTRUCT WHERE { ?s ?p ?o }"
RESULTS, NTRIPLES, TURTLE = "application/sparql-results+json", "application/n-triples", "text/turtle"
KINDS = ("ASK", "twin-city SELECT", "named query + parameter", "resource DESCRIBE", "whole-graph CONSTRUCT")
OXIGRAPH = "oxigraph serve"


class Client:
    """One kept-alive connection; each request timed, with its X-Twinning-Cache header."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, target: str, accept: str) -> tuple[float, str | None]:
        started = time.perf_counter()
        self.connection.request("GET", target, headers={"Accept": accept})
        response = self.connection.getresponse()
        response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status} for {target[:120]}")
        return elapsed, response.headers.get("X-Twinning-Cache")


def sparql_target(path: str, query: str, union: bool = False) -> str:
    parameters = {"query": query, **({"default-graph-uri": UNION_GRAPH} if union else {})}
    return f"{path}?{urllib.parse.urlencode(parameters)}"


def requests(kind: str, number: int, repeated: bool, pilots: list[str], resources: list[str],
             describe: str, named: str) -> tuple[tuple[str, str], tuple[str, str]]:
    """(twinning target, oxigraph target) and the media type of request `number` of a kind."""
    text = "" if repeated else f"# request {number}\n"
    if kind == "named query + parameter":
        pilot = pilots[0 if repeated else number % len(pilots)]
        return ((f"/queries/twins_of_pilot?pilot={urllib.parse.quote(pilot)}", RESULTS),
                (sparql_target("/query", named + f"\nVALUES ?pilot {{ <{ID}pilot/{pilot}> }}", True), RESULTS))
    if kind == "resource DESCRIBE":
        iri = resources[0 if repeated else number % len(resources)]
        query = describe.replace("?this", f"<{iri}>")
        return (sparql_target("/sparql", query), TURTLE), (sparql_target("/query", query, True), TURTLE)
    query, media = {"ASK": (ASK, RESULTS), "twin-city SELECT": (TWIN_CITY, RESULTS),
                    "whole-graph CONSTRUCT": (CONSTRUCT, NTRIPLES)}[kind]
    return (sparql_target("/sparql", text + query), media), (sparql_target("/query", text + query, True), media)


def names(release_path: Path) -> tuple[list[str], list[str]]:
    """The pilot ids with twins, and every resource under /id/ (each a subject of the graph), sorted."""
    import pyoxigraph as ox  # only here: bench/ measures, graph/ holds the store
    store = ox.Store.read_only(str(release_path))
    pilots = sorted({str(row["p"].value).rsplit("/", 1)[1] for row in store.query(
        TW + "SELECT DISTINCT ?p WHERE { ?t tw:pairedWith ?p }", use_default_graph_as_union=True)})
    resources = sorted({row["s"].value for row in store.query(
        f'SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), "{ID}")) }}',
        use_default_graph_as_union=True)})
    del store
    return pilots, resources


def measure(servers: dict, rounds: int, count: int, construct_count: int, pilots: list[str],
            resources: list[str]) -> dict:
    describe = (shipped("queries") / "pages" / "resource_describe.rq").read_text()
    named = (shipped("queries") / "twins_of_pilot.rq").read_text()
    clients = {name: Client(server.port) for name, server in servers.items()}
    figures, number = {}, 0
    for kind in KINDS:
        figures[kind] = {}
        per_round = construct_count if kind == "whole-graph CONSTRUCT" else count
        if kind == "named query + parameter":  # each pilot once: a new parameter value is a new job
            per_round = min(per_round, len(pilots) // rounds)
        for repeated in (False, True):
            if repeated:  # the first asking of the repeated text fills the caches; not counted
                warm = requests(kind, 0, True, pilots, resources, describe, named)
                for name in TWINNING:
                    clients[name].get(*warm[0])
            times = {name: [] for name in clients}
            cache = {name: {} for name in TWINNING}
            for _ in range(rounds):
                samples = {name: [] for name in clients}
                for i in range(per_round):
                    number += 1
                    twinning, oxigraph = requests(kind, number, repeated, pilots, resources, describe, named)
                    order = list(clients)[i % len(clients):] + list(clients)[:i % len(clients)]  # take turns first
                    for name in order:
                        elapsed, state = clients[name].get(*(oxigraph if name == OXIGRAPH else twinning))
                        samples[name].append(elapsed)
                        if name in cache:
                            cache[name][state] = cache[name].get(state, 0) + 1
                for name in clients:
                    times[name].append(statistics.median(samples[name]) * 1000)
            p50 = {name: statistics.median(values) for name, values in times.items()}
            figures[kind]["repeated" if repeated else "uncached"] = {
                "p50_ms": p50, "ratio": {name: p50[name] / p50[OXIGRAPH] for name in TWINNING}, "cache": cache,
                "requests": rounds * per_round}
    return figures


def run(work: Path, rounds: int, quick: bool, store: Path | None = None) -> dict:
    store = store or work / "real-store"
    release = current_release(store) or build(shipped("data"), store, progress=lambda message: None)
    pilots, resources = names(release.path)
    servers = {name: Server([sys.executable, "-m", "cli", "serve", "--store", str(store), "--port", "{port}"],
                            "/sparql", {"TWINNING_RATE_LIMIT": "0", "TWINNING_HTTP_SERVER": http_server})
               for name, http_server in TWINNING.items()}
    try:
        servers[OXIGRAPH] = Server([installed("oxigraph"), "serve-read-only", "--location", str(release.path),
                                    "--bind", "127.0.0.1:{port}"], "/query")
        figures = measure(servers, rounds, 5 if quick else 100, 3 if quick else 30, pilots, resources)
    finally:
        for server in servers.values():
            server.stop()
    return {"quads": release.info["quads"], "release": release.id, "rounds": rounds, "kinds": figures}


def markdown(result: dict) -> list[str]:
    out = [f"## The real graph ({result['quads']:,} quads)", "",
           ("`twinning serve` (2 processes, under gunicorn and under granian) and `oxigraph serve-read-only` on the "
           "same release, requests taking turns over one kept-alive connection each; p50 in ms (median of the "
           "rounds' medians). Uncached: every request a new query text (or parameter value, or resource), so no "
           "cache can answer; repeated: the same text each time. The cache column counts twinning's "
           "`X-Twinning-Cache` answers (gunicorn; granian's are the same)."), "",
           ("| request | kind | twinning p50 (gunicorn) | twinning p50 (granian) | oxigraph serve p50 | "
            "gunicorn / oxigraph | granian / oxigraph | twinning cache |"), "|---|---|---|---|---|---|---|---|"]
    for kind, both in result["kinds"].items():
        for label, row in both.items():
            cache = ", ".join(f"{state} {n}" for state, n in sorted(row["cache"]["twinning serve"].items(), key=str))
            p50, ratio = row["p50_ms"], row["ratio"]
            out.append(f"| {kind} | {label} | {p50['twinning serve']:.2f} | {p50['twinning serve (granian)']:.2f} | "
                       f"{p50[OXIGRAPH]:.2f} | {ratio['twinning serve']:.2f} | "
                       f"{ratio['twinning serve (granian)']:.2f} | {cache} |")
    return out + [""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--work", type=Path)
    parser.add_argument("--store", type=Path, help="a store folder holding a release of data/")
    args = parser.parse_args()
    result = run(args.work or Path(tempfile.mkdtemp(prefix="twinning-bench-")), args.rounds, args.quick, args.store)
    print("\n".join(markdown(result)))


if __name__ == "__main__":
    main()
