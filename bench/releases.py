"""Disk cost of kept releases (issue 16): build N releases of the same data into one store folder, as N runs of
`twinning load` would, and measure the folder. Releases share nothing on disk (each is a whole store with its
dumps), so the figure grows with N; this measures by how much.

    python -m bench.releases                            # the real data and 100,000 synthetic cities, 10 releases
    python -m bench.releases --cities 0 --releases 3    # the real data only, 3 releases

Prints one JSON object a line per data set: quads, releases kept, the whole folder, and per release its store
(indexes) and its dumps (every format, plain and gzipped), in MiB.
"""
import argparse
import json
import tempfile
import time
from pathlib import Path

from bench.generate import write_nquads
from bench.run import PROJECT, du_mib
from graph.build import build
from graph.release import build_release_from_file, kept_releases


def measure(root: Path, name: str, quads: int, seconds: list[float]) -> dict:
    releases = kept_releases(root)
    dumps = [du_mib(release.path / "dumps") for release in releases]
    whole = [du_mib(release.path) for release in releases]
    return {"data": name, "quads": quads, "releases": len(releases), "folder_mib": round(du_mib(root), 1),
            "per_release_mib": round(sum(whole) / len(whole), 1),
            "store_mib": round((sum(whole) - sum(dumps)) / len(whole), 1),
            "dumps_mib": round(sum(dumps) / len(dumps), 1),
            "build_s_median": round(sorted(seconds)[len(seconds) // 2], 1)}


def real(work: Path, releases: int) -> dict:
    root, seconds = work / "real", []
    for _ in range(releases):
        started = time.perf_counter()
        release = build(PROJECT / "data", root, progress=lambda message: None, keep=releases)
        seconds.append(time.perf_counter() - started)
    return measure(root, "real data", release.info["quads"], seconds)


def synthetic(work: Path, cities: int, releases: int) -> dict:
    data, root, seconds = work / f"data-{cities}.nq", work / f"synthetic-{cities}", []
    quads = write_nquads(cities, data)
    for _ in range(releases):
        started = time.perf_counter()
        build_release_from_file(data, root, dumps=True, keep=releases)
        seconds.append(time.perf_counter() - started)
    return measure(root, f"{cities} synthetic cities", quads, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=10, help="releases to build and keep")
    parser.add_argument("--cities", type=int, default=100_000, help="synthetic cities (0: the real data only)")
    parser.add_argument("--work", type=Path, help="folder for the stores (default: a temporary one, removed)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.work) as work:
        print(json.dumps(real(Path(work), args.releases)), flush=True)
        if args.cities:
            print(json.dumps(synthetic(Path(work), args.cities, args.releases)), flush=True)


if __name__ == "__main__":
    main()
