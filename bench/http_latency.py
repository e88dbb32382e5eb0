"""Median and p99 latency of one GET over a kept-alive HTTP connection.

    python -m bench.http_latency 'http://127.0.0.1:5000/queries/twins_of_pilot?pilot=umea-c1' [-n 500]
"""
import argparse
import statistics

from bench.run import http_times, p99


def measure(url: str, count: int, accept: str) -> list[float]:
    return http_times(url, accept, count + count // 10)[count // 10:]  # the first tenth warms up


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("-n", type=int, default=500, help="requests to count (default 500)")
    parser.add_argument("--accept", default="application/sparql-results+json")
    args = parser.parse_args()
    times = measure(args.url, args.n, args.accept)
    print(f"n={len(times)} median={statistics.median(times) * 1000:.2f} ms p99={p99(times) * 1000:.2f} ms")


if __name__ == "__main__":
    main()
