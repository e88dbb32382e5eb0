"""The ids each fact file may refer to, read from the other files before any of them is loaded (read_known in
loaders/__init__.py reads them).

Reading the ids first lets every loader check its cross-file references on its own, so a bad row in one file
does not hide or cascade into errors in another.
"""
from dataclasses import dataclass, field


@dataclass
class Known:
    sources: set[str] = field(default_factory=set)
    cities: set[str] = field(default_factory=set)
    pilots: dict[str, str] = field(default_factory=dict)  # pilot_id -> pilot cohort as written
    twin_cohorts: dict[str, str] = field(default_factory=dict)  # twin city_id -> twinning cohort as written
