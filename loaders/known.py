"""The ids each fact file may refer to, read from the other files before any of them is loaded.

Reading the ids first lets every loader check its cross-file references on its own, so a bad row in one file
does not hide or cascade into errors in another.
"""
from dataclasses import dataclass, field
from pathlib import Path

from .table import read_table


@dataclass
class Known:
    sources: set[str] = field(default_factory=set)
    cities: set[str] = field(default_factory=set)
    pilots: dict[str, str] = field(default_factory=dict)  # pilot_id -> pilot cohort as written
    twin_cohorts: dict[str, str] = field(default_factory=dict)  # twin city_id -> twinning cohort as written


def read_known(data_dir: Path) -> Known:
    """Collect the ids of sources.csv, cities.csv, pilots.csv and twin_cities.csv (errors are reported later)."""
    from . import cities, pilots, sources, twin_cities

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
