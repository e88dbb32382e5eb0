"""Median and p99 latency of one GET over a kept-alive HTTP connection.

    python bench/http_latency.py 'http://127.0.0.1:5000/queries/twins_of_pilot?pilot=umea-c1' [-n 500]
"""
import argparse
import http.client
import statistics
import time
import urllib.parse


def measure(url: str, count: int, accept: str) -> list[float]:
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port or 80)
    target = parts.path + ("?" + parts.query if parts.query else "")
    times = []
    for _ in range(count + count // 10):  # the first tenth warms up and is not counted
        started = time.perf_counter()
        connection.request("GET", target, headers={"Accept": accept})
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            raise SystemExit(f"HTTP {response.status} from {url}")
        times.append(time.perf_counter() - started)
    return times[count // 10:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("-n", type=int, default=500, help="requests to count (default 500)")
    parser.add_argument("--accept", default="application/sparql-results+json")
    args = parser.parse_args()
    times = sorted(measure(args.url, args.n, args.accept))
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    print(f"n={len(times)} median={statistics.median(times) * 1000:.2f} ms p99={p99 * 1000:.2f} ms")


if __name__ == "__main__":
    main()
