"""Time to write the dataset dumps (N-Quads, TriG, JSON-LD) of a synthetic store, as every build does.

    python -m bench.dumps [--graphs 300] [--per-graph 1000] [--rounds 3]

Prints the median over the rounds for each format; compare commits by running it on each.
"""
import argparse
import io
import statistics
import time

import pyoxigraph as ox

from graph import export


def synthetic(graphs: int, per_graph: int) -> ox.Store:
    """Statements spread over named graphs, subjects and predicates repeating as in the programme data."""
    store = ox.Store()
    store.extend(ox.Quad(ox.NamedNode(f"https://example.org/s{i % 97}"), ox.NamedNode(f"https://example.org/p{i % 7}"),
                         ox.Literal(f"v{i}-{g}"), ox.NamedNode(f"https://example.org/g{g}"))
                 for g in range(graphs) for i in range(per_graph))
    return store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graphs", type=int, default=300)
    parser.add_argument("--per-graph", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    store = synthetic(args.graphs, args.per_graph)
    for name in ("nquads", "trig", "jsonld"):
        times = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            export.write(store, name, io.BytesIO())
            times.append(time.perf_counter() - started)
        print(f"{name}: median {statistics.median(times):.2f} s over {args.rounds} rounds "
              f"({args.graphs * args.per_graph} quads)")


if __name__ == "__main__":
    main()
