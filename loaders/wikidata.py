"""The cross-check of Wikidata links: wikidata_links.csv against the evidence in wikidata_candidates.csv.

A candidate is one public record that pairs a city with a Wikidata item, with the label, country and coordinates that
record gives the item. It passes when its label is the city's English or local name (compared without case, accents,
hyphens or apostrophes), its country is the city's and its point lies within MAX_DISTANCE_KM of the city's GeoNames
point. A city is linked only when no record gives another item and at least two independent sources (different
repositories or sites; see independent_source) give the item in records that pass, at least one of those giving the
item's country and coordinates. A record that gives the same item but fails a check is a warning: it confirms nothing,
yet does not block the link. Everything is read from the fact files, so the check runs offline.
"""
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from nzc_twinning.text import fold

from . import cities, wikidata_links
from .table import Row, read_table

__all__ = ["CANDIDATES", "HEADER", "MAX_DISTANCE_KM", "Finding", "check"]

CANDIDATES = "wikidata_candidates.csv"
HEADER = ["city_id", "wikidata_id", "source_url", "line", "item_label", "label_field", "item_country_iso2",
          "item_latitude", "item_longitude", "notes"]
MAX_DISTANCE_KM = 10.0
ITEM = re.compile(r"Q[1-9][0-9]*")
WHOS_ON_FIRST = "whosonfirst-data"  # the GitHub organisation that holds its per-country repositories


@dataclass(frozen=True)
class Finding:
    """One failed check; `fatal` when it is a link that fails (a candidate that is not linked only warns)."""

    path: Path
    line: int
    message: str
    fatal: bool

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: wikidata: {'error' if self.fatal else 'warning'}: {self.message}"


@dataclass(frozen=True)
class City:
    names: frozenset[str]
    country: str
    latitude: float | None
    longitude: float | None


@dataclass
class Candidate:
    row: Row
    item: str
    source: str
    problems: list[str]
    located: bool  # gives the item's country and coordinates


def comparable(name: str) -> str:
    """A name folded as search folds it (nzc_twinning/text.py), hyphens and apostrophes as spaces, so 'Reykjavik'
    matches 'Reykjavík' and 'Sonderborg' 'Sønderborg'."""
    return fold(re.sub(r"[-'’]", " ", name))


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance on the mean Earth sphere (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


# Repositories whose Wikidata ids were taken from another source, so their records do not count as independent of it:
# Natural Earth's populated places took their `wikidataid` from Who's On First.
DERIVED_FROM = {"martynafford/natural-earth-geojson": WHOS_ON_FIRST}


def independent_source(url: str) -> str:
    """What makes two sources independent: the repository for a GitHub file (Who's On First's per-country
    repositories are one source, and a repository that took its ids from another is that source), else the site."""
    parts = urlsplit(url)
    if parts.netloc == "github.com":
        owner, name = parts.path.split("/")[1:3]
        repository = WHOS_ON_FIRST if owner == WHOS_ON_FIRST else f"{owner}/{name}"
        return DERIVED_FROM.get(repository, repository)
    return parts.netloc


def read_cities(path: Path) -> dict[str, City]:
    result = {}
    for row in read_table(path, cities.HEADER):
        cells = row.cells
        try:
            latitude, longitude = float(cells["latitude"]), float(cells["longitude"])
        except ValueError:
            latitude = longitude = None
        result[cells["city_id"]] = City(frozenset({comparable(cells["name_en"]), comparable(cells["name_local"])}),
                                        cells["country_iso2"], latitude, longitude)
    return result


def judge(row: Row, city: City | None) -> Candidate:
    """Run the label, country and distance checks on one candidate row."""
    cells = row.cells
    problems = []
    item = cells["wikidata_id"]
    if not ITEM.fullmatch(item):
        problems.append(f"{item!r} is not a Wikidata item id")
    if city is None:
        problems.append(f"unknown city {cells['city_id']!r}")
        return Candidate(row, item, independent_source(cells["source_url"]), problems, False)
    if comparable(cells["item_label"]) not in city.names:
        problems.append(f"label {cells['item_label']!r} is not the city's English or local name")
    country = cells["item_country_iso2"]
    if country and country != city.country:
        problems.append(f"country {country} is not the city's ({city.country})")
    located = False
    if cells["item_latitude"] or cells["item_longitude"]:
        try:
            latitude, longitude = Decimal(cells["item_latitude"]), Decimal(cells["item_longitude"])
            valid = -90 <= latitude <= 90 and -180 <= longitude <= 180
        except ArithmeticError:
            valid = False
        if not valid:
            problems.append("item coordinates are not a latitude and longitude")
        elif city.latitude is not None:
            km = distance_km(city.latitude, city.longitude, float(latitude), float(longitude))
            if km > MAX_DISTANCE_KM:
                problems.append(f"item lies {km:.1f} km from the city's GeoNames point (more than {MAX_DISTANCE_KM:g})")
            located = bool(country)
    return Candidate(row, item, independent_source(cells["source_url"]), problems, located)


def check(data_dir: Path) -> list[Finding]:
    """Every failing candidate (a warning) and every link that fails the rule (fatal), in file order."""
    data_dir = Path(data_dir)
    known = read_cities(data_dir / "cities.csv")
    table = read_table(data_dir / CANDIDATES, HEADER)
    links = read_table(data_dir / "wikidata_links.csv", wikidata_links.HEADER)
    findings = [Finding(e.path, e.line, f"{e.column}: {e.message}", True) for e in table.errors + links.errors]

    by_city: dict[str, list[Candidate]] = defaultdict(list)
    for row in table:
        by_city[row.cells["city_id"]].append(judge(row, known.get(row.cells["city_id"])))
    linked = {row.cells["city_id"]: row.cells["wikidata_id"] for row in links}
    for city_id, candidates in by_city.items():
        items = sorted({c.item for c in candidates})
        for candidate in candidates:
            problems = list(candidate.problems)
            if len(items) > 1:
                others = ", ".join(
                    f"{c.item} (line {c.row.line})" for c in candidates if c.item != candidate.item)
                problems.append(f"conflict: other records give {others} for {city_id}")
            if problems:
                # Fatal only where it contradicts a link; a record of the linked item that fails a check only warns.
                contradicts = city_id in linked and candidate.item != linked[city_id]
                findings.append(Finding(table.path, candidate.row.line,
                                        f"{city_id} {candidate.item}: " + "; ".join(problems), contradicts))

    for row in links:
        city_id, item = row.cells["city_id"], row.cells["wikidata_id"]
        candidates = by_city.get(city_id, [])
        agreeing = [c for c in candidates if c.item == item]
        confirming = [c for c in agreeing if not c.problems]
        reasons = []
        if not agreeing:
            reasons.append(f"no record in {CANDIDATES} gives {item}")
        if len({c.source for c in confirming}) < 2:
            reasons.append("fewer than two independent sources give the item in records that pass every check")
        if any(c.item != item for c in candidates):
            reasons.append("another source gives a different item")
        if confirming and not any(c.located for c in confirming):
            reasons.append("no record that passes every check gives the item's country and coordinates")
        cited = set(row.cells["source_url"].split(" "))
        if not cited <= {c.row.cells["source_url"] for c in confirming}:
            reasons.append("source_url names a source that does not give the item in a record that passes every check")
        if reasons:
            findings.append(Finding(links.path, row.line, f"link {city_id} {item}: " + "; ".join(reasons), True))
    return sorted(findings, key=lambda f: (str(f.path), f.line))
