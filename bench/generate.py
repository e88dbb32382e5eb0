"""Synthetic, programme-shaped data for benchmarks: cities, pilots, twins and sources, deterministic by seed.

About 18 quads per city, each fact in the named graph of a (synthetic) source document, as in the real graph:

    python -m bench.generate --cities 55000 --output bench/results/data-55000.nq      (about 1M quads)
    python -m bench.generate --cities 2000 --csv bench/results/csv-2000              (fact files for `twinning load`)
"""
import argparse
import csv
import random
from pathlib import Path

ID = "https://w3id.org/nzc-twinning/id/"
TW = "https://w3id.org/nzc-twinning/ontology#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
XSD = "http://www.w3.org/2001/XMLSchema#"
COUNTRIES = ["SWE", "DEU", "FRA", "ITA", "ESP", "POL", "NLD", "BEL", "FIN", "GRC", "PRT", "TUR"]


def quads(cities: int, seed: int = 42):
    """Yield N-Quads lines for `cities` cities: every 5th leads a pilot, every 2nd is a twin paired with one."""
    rng = random.Random(seed)
    pilots = max(cities // 5, 1)
    for i in range(cities):
        graph = f"<{ID}source/s{i // 100}>"
        city = f"<{ID}city/c{i}>"
        lat, lon = rng.uniform(35, 70), rng.uniform(-10, 40)
        country = COUNTRIES[i % len(COUNTRIES)]
        if i % 100 == 0:
            yield f'{graph} <http://www.w3.org/ns/prov#wasDerivedFrom> <https://example.org/page/{i // 100}> {graph} .'
            yield f'<https://example.org/page/{i // 100}> <http://purl.org/dc/terms/title> "Page {i // 100}"@en {graph} .'
        yield f"{city} {RDF_TYPE} <{TW}City> {graph} ."
        yield f'{city} {LABEL} "City {i}"@en {graph} .'
        yield f'{city} {LABEL} "Stadt {i}"@de {graph} .'
        yield f"{city} <{TW}country> <http://publications.europa.eu/resource/authority/country/{country}> {graph} ."
        yield f'{city} <http://www.w3.org/2003/01/geo/wgs84_pos#lat> "{lat:.5f}"^^<{XSD}decimal> {graph} .'
        yield f'{city} <http://www.w3.org/2003/01/geo/wgs84_pos#long> "{lon:.5f}"^^<{XSD}decimal> {graph} .'
        yield f'{city} <{TW}missionLabelYear> "{2023 + i % 3}"^^<{XSD}gYear> {graph} .'
        if i % 5 == 0:
            pilot = f"<{ID}pilot/p{i // 5}>"
            yield f"{pilot} {RDF_TYPE} <{TW}Pilot> {graph} ."
            yield f'{pilot} {LABEL} "Pilot {i // 5}"@en {graph} .'
            yield f"{pilot} <{TW}ledBy> {city} {graph} ."
            yield f"{pilot} <{TW}cohort> <{ID}cohort/pilot-cohort-{1 + i % 3}> {graph} ."
        if i % 2 == 1:
            twin = f"<{ID}twin/c{i}>"
            yield f"{twin} {RDF_TYPE} <{TW}Twin> {graph} ."
            yield f'{twin} {LABEL} "City {i}, twin city"@en {graph} .'
            yield f"{twin} <{TW}twinCity> {city} {graph} ."
            yield f"{twin} <{TW}cohort> <{ID}cohort/twinning-cohort-{1 + i % 3}> {graph} ."
            yield f"{twin} <{TW}pairedWith> <{ID}pilot/p{rng.randrange(pilots)}> {graph} ."


def write_nquads(cities: int, output: Path, seed: int = 42) -> int:
    output.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with output.open("w", encoding="utf-8") as file:
        for line in quads(cities, seed):
            file.write(line + "\n")
            count += 1
    return count


def write_csv(cities: int, folder: Path, real_data: Path, seed: int = 42) -> None:
    """Fact files in the project's format: the real programme files, plus `cities` synthetic cities, pilots and
    twins citing one real source, so that `twinning load` can be timed at scale."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("sources.csv", "mission_cities.csv", "programme_facts.csv", "exchange_activities.csv",
                 "wikidata_links.csv"):
        (folder / name).write_bytes((real_data / name).read_bytes())
    source = "https://netzerocities.eu/twinning-learning-programme/"

    def append(name, header, rows):
        with (real_data / name).open(encoding="utf-8", newline="") as file:
            existing = list(csv.reader(file))
        with (folder / name).open("w", encoding="utf-8", newline="") as file:
            writer = csv.writer(file, lineterminator="\r\n")
            writer.writerows(existing)
            writer.writerows(rows)

    iso = ["SE", "DE", "FR", "IT", "ES", "PL", "NL", "BE", "FI", "GR", "PT", "TR"]
    append("cities.csv", None, [[f"synthetic-{i}", f"City {i}", f"Stadt {i}", iso[i % len(iso)],
                                 f"{rng.uniform(35, 70):.5f}", f"{rng.uniform(-10, 40):.5f}", str(9_000_000 + i), "", ""]
                                for i in range(cities)])
    pilots = max(cities // 5, 1)
    append("pilots.csv", None, [[f"synthetic-p{p}", f"Pilot {p}", "", f"City {p * 5}", f"synthetic-{p * 5}",
                                 iso[(p * 5) % len(iso)], "1", "2023", "", source, ""] for p in range(pilots)])
    append("twin_cities.csv", None, [[f"synthetic-{i}", f"City {i}", "", iso[i % len(iso)], "1", "2023", "",
                                      f"synthetic-p{rng.randrange(pilots)}", "", "", source, ""]
                                     for i in range(1, cities, 2)])


def main() -> None:
    parser = argparse.ArgumentParser(description="Generate synthetic programme-shaped data.")
    parser.add_argument("--cities", type=int, required=True)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--output", type=Path, help="N-Quads file to write")
    parser.add_argument("--csv", type=Path, help="folder of fact files to write")
    args = parser.parse_args()
    if args.output:
        print(write_nquads(args.cities, args.output, args.seed), "quads")
    if args.csv:
        write_csv(args.cities, args.csv, Path(__file__).resolve().parent.parent / "data", args.seed)


if __name__ == "__main__":
    main()
