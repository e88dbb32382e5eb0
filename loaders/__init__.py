"""Fact files (CSV) to RDF: one module per file, each a pure function from a path to its statements (quads.py).

Loaders validate every row and never touch a store. `load_all` runs them all and raises one DataError holding every
row error of every file, so a user fixes a whole data set in one pass; then it adds the derived facts (derived.py).
"""
from pathlib import Path

from . import (
    cities,
    derived,
    exchange_activities,
    mission_cities,
    pilots,
    programme_facts,
    sources,
    twin_cities,
    wikidata_links,
)
from .known import Known
from .quads import Quads
from .table import DataError, RowError, read_table

__all__ = ["FILES", "DataError", "Quads", "RowError", "load_all"]

FILES = ["sources.csv", "cities.csv", "mission_cities.csv", "pilots.csv", "twin_cities.csv",
         "programme_facts.csv", "exchange_activities.csv", "wikidata_links.csv"]


def load_all(data_dir: Path) -> Quads:
    """Load every fact file of `data_dir` into one set of statements. Raises DataError listing all row errors."""
    data_dir = Path(data_dir)
    known = read_known(data_dir)
    steps = [
        lambda: sources.load(data_dir / "sources.csv"),
        lambda: cities.load(data_dir / "cities.csv"),
        lambda: mission_cities.load(data_dir / "mission_cities.csv", known),
        lambda: pilots.load(data_dir / "pilots.csv", known),
        lambda: twin_cities.load(data_dir / "twin_cities.csv", known),
        lambda: programme_facts.load(data_dir / "programme_facts.csv", known),
        lambda: exchange_activities.load(data_dir / "exchange_activities.csv", known),
        lambda: wikidata_links.load(data_dir / "wikidata_links.csv", known),
    ]
    result = Quads()
    errors: list[RowError] = []
    for step in steps:
        try:
            result.update(step())
        except DataError as error:
            errors += error.errors
    if errors:
        raise DataError(errors)
    result.update(derived.derive(result))
    return result


def read_known(data_dir: Path) -> Known:
    """Collect the ids of sources.csv, cities.csv, pilots.csv and twin_cities.csv (errors are reported later)."""
    known = Known()
    known.sources = {row.cells["source_url"] for row in read_table(data_dir / "sources.csv", sources.HEADER)}
    known.cities = {row.cells["city_id"] for row in read_table(data_dir / "cities.csv", cities.HEADER)}
    known.pilots = {
        row.cells["pilot_id"]: row.cells["cohort"] for row in read_table(data_dir / "pilots.csv", pilots.HEADER)
    }
    known.twin_cohorts = {
        row.cells["twin_city_id"]: row.cells["cohort"]
        for row in read_table(data_dir / "twin_cities.csv", twin_cities.HEADER)
    }
    return known
