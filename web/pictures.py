"""Layouts for the workbench's pictures: a map, a pilot-twin network and a timeline, drawn as SVG by templates.

Pure functions from query rows (SPARQL JSON bindings) to shapes with coordinates; no HTTP and no store here.
The map has no background tiles or coastlines (the browser may have no internet): a graticule and the cities.
"""
import datetime
import math

COHORT_COLOURS = {"1": "#1b6ca8", "2": "#d1495b", "3": "#2e8b57", "4": "#edae49", "5": "#6a4c93", "": "#777777"}


def value(row: dict, key: str, default: str = "") -> str:
    return row.get(key, {}).get("value", default)


class Projection:
    """Equirectangular, with longitudes shrunk by the cosine of the middle latitude so Europe keeps its shape."""

    def __init__(self, points: list[tuple[float, float]], width: int, pad: float = 1.5):
        lats = [p[0] for p in points] or [35.0, 70.0]
        lons = [p[1] for p in points] or [-25.0, 45.0]
        self.lat_min, self.lat_max = min(lats) - pad, max(lats) + pad
        self.lon_min, self.lon_max = min(lons) - pad, max(lons) + pad
        self.k = math.cos(math.radians((self.lat_min + self.lat_max) / 2))
        self.scale = width / max((self.lon_max - self.lon_min) * self.k, 1e-6)
        self.width = width
        self.height = round((self.lat_max - self.lat_min) * self.scale)

    def __call__(self, lat: float, lon: float) -> tuple[float, float]:
        return (round((lon - self.lon_min) * self.k * self.scale, 1), round((self.lat_max - lat) * self.scale, 1))

    def graticule(self, step: int = 5) -> list[dict]:
        lines = []
        for lat in range(math.ceil(self.lat_min / step) * step, math.floor(self.lat_max) + 1, step):
            y = self(lat, self.lon_min)[1]
            lines.append({"x1": 0, "y1": y, "x2": self.width, "y2": y, "label": f"{lat}°N"})
        for lon in range(math.ceil(self.lon_min / step) * step, math.floor(self.lon_max) + 1, step):
            x = self(self.lat_min, lon)[0]
            lines.append({"x1": x, "y1": 0, "x2": x, "y2": self.height, "label": f"{lon}°"})
        return lines


def city_slug(iri: str) -> str:
    return iri.rsplit("/", 1)[1]


def map_view(pairings: list[dict], cities: list[dict], width: int = 900) -> dict:
    """Markers for pilot and twin cities, a line per pairing coloured by cohort."""
    points = [(float(value(r, "lat")), float(value(r, "long"))) for r in cities]
    points += [(float(value(r, "twinLat")), float(value(r, "twinLong"))) for r in pairings]
    points += [(float(value(r, "leadLat")), float(value(r, "leadLong"))) for r in pairings]
    project = Projection(points, width)
    markers: dict = {}
    for row in cities:
        iri = value(row, "city")
        marker = markers.setdefault(iri, {"slug": city_slug(iri), "label": value(row, "label"), "roles": set(),
                                          "xy": project(float(value(row, "lat")), float(value(row, "long")))})
        marker["roles"].add(value(row, "role"))
    for row in pairings:
        for prefix in ("twin", "lead"):
            iri = value(row, f"{prefix}City")
            markers.setdefault(iri, {"slug": city_slug(iri), "label": value(row, f"{prefix}Label"),
                                     "roles": {"twin" if prefix == "twin" else "pilot"},
                                     "xy": project(float(value(row, f"{prefix}Lat")), float(value(row, f"{prefix}Long")))})
    lines = {}
    for row in pairings:
        key = (value(row, "twinCity"), value(row, "leadCity"))
        cohort = value(row, "cohortNumber")
        lines[key] = {"from": markers[key[0]]["xy"], "to": markers[key[1]]["xy"], "cohort": cohort,
                      "colour": COHORT_COLOURS.get(cohort, "#777777"),
                      "title": f"{value(row, 'twinLabel')} learns from {value(row, 'pilotLabel')} "
                               f"({value(row, 'leadLabel')}), cohort {cohort or 'unknown'}"}
    for marker in markers.values():
        marker["role"] = "both" if len(marker["roles"]) > 1 else next(iter(marker["roles"]))
    return {"width": project.width, "height": project.height, "graticule": project.graticule(),
            "markers": sorted(markers.values(), key=lambda m: m["label"]), "lines": list(lines.values()),
            "cohorts": sorted({line["cohort"] for line in lines.values()}), "colours": COHORT_COLOURS}


def network_view(pairings: list[dict], row_height: int = 22, width: int = 900) -> dict:
    """Pilots on the left, their twins on the right, grouped by cohort; an edge per pairing."""
    pilots, twins, edges = {}, {}, set()
    for row in pairings:
        cohort = value(row, "cohortNumber")
        pilots.setdefault(value(row, "pilot"), (cohort, value(row, "pilotLabel")))
        twins.setdefault(value(row, "twinCity"), (cohort, value(row, "twinLabel")))
        edges.add((value(row, "pilot"), value(row, "twinCity"), cohort))

    def column(nodes: dict, x: float, anchor: str) -> dict:
        ordered = sorted(nodes.items(), key=lambda item: (item[1][0] or "9", item[1][1]))
        return {iri: {"iri": iri, "label": label, "cohort": cohort, "x": x, "y": 20 + i * row_height,
                      "anchor": anchor} for i, (iri, (cohort, label)) in enumerate(ordered)}

    left, right = column(pilots, width * 0.38, "end"), column(twins, width * 0.62, "start")
    lines = [{"x1": left[p]["x"], "y1": left[p]["y"], "x2": right[t]["x"], "y2": right[t]["y"],
              "colour": COHORT_COLOURS.get(c, "#777777")} for p, t, c in sorted(edges)]
    height = 40 + max(len(left), len(right)) * row_height
    return {"width": width, "height": height, "pilots": list(left.values()), "twins": list(right.values()),
            "lines": lines, "colours": COHORT_COLOURS}


def to_date(text: str) -> datetime.date | None:
    """The first day of a published date of any precision (YYYY, YYYY-MM, YYYY-MM-DD)."""
    parts = text[:10].split("-")
    try:
        return datetime.date(int(parts[0]), int(parts[1]) if len(parts) > 1 else 1, int(parts[2]) if len(parts) > 2 else 1)
    except (ValueError, IndexError):
        return None


def months(duration: str) -> int | None:
    if not duration.startswith("P"):
        return None
    years = int(duration[1:].split("Y")[0]) if "Y" in duration else 0
    rest = duration.split("Y")[-1].lstrip("P")
    return years * 12 + (int(rest.rstrip("M")) if rest.endswith("M") and rest.rstrip("M").isdigit() else 0)


def timeline_view(cohorts: list[dict], activities: list[dict], width: int = 900) -> dict:
    """Cohorts as bars (start plus each stated duration) and exchange activities as dots, on one time axis."""
    bars: dict = {}
    for row in cohorts:
        key = value(row, "cohort")
        # "twinning-cohort-3" -> "Twinning cohort 3": short enough for the row label, unlike the full titles
        short = key.rsplit("/", 1)[-1].replace("-", " ").capitalize()
        bar = bars.setdefault(key, {"label": short, "title": value(row, "label"), "starts": set(), "durations": set()})
        prop = value(row, "property").rsplit("#", 1)[-1]
        if prop == "startDate" and to_date(value(row, "value")):
            bar["starts"].add(to_date(value(row, "value")))
        elif prop == "duration" and months(value(row, "value")):
            bar["durations"].add(months(value(row, "value")))
    dots = [{"date": to_date(value(r, "startDate")), "title": value(r, "title"), "type": value(r, "type"),
             "href": value(r, "activity"), "cohort": value(r, "cohortNumber")} for r in activities]
    dots = [d for d in dots if d["date"]]
    dates = [d["date"] for d in dots] + [s for b in bars.values() for s in b["starts"]]
    first = min(dates, default=datetime.date(2022, 1, 1)).replace(month=1, day=1)
    last = datetime.date(max(dates, default=datetime.date(2027, 1, 1)).year + 2, 1, 1)
    span = (last - first).days

    def x(day: datetime.date) -> float:
        return round(160 + (width - 180) * (day - first).days / span, 1)

    rows = []
    for key, bar in sorted(bars.items(), key=lambda item: item[1]["label"]):
        if not bar["starts"]:
            continue
        start = min(bar["starts"])
        ends = [start.replace(day=1) + datetime.timedelta(days=30.44 * m) for m in sorted(bar["durations"])]
        rows.append({"label": bar["label"], "href": key, "x": x(start), "y": 30 + len(rows) * 26,
                     "ends": [x(end) for end in ends] or [x(start) + 4],
                     "title": f"{bar['title']}: from {start:%Y-%m}, " + (
                         " or ".join(f"{m} months" for m in sorted(bar["durations"])) or "length not published")})
    top = 30 + len(rows) * 26 + 20
    for i, dot in enumerate(sorted(dots, key=lambda d: d["date"])):
        dot.update({"x": x(dot["date"]), "y": top + 14 + (i % 4) * 14,
                    "colour": COHORT_COLOURS.get(dot["cohort"], "#777777")})
    years = [{"x": x(datetime.date(year, 1, 1)), "label": str(year)} for year in range(first.year, last.year)]
    return {"width": width, "height": top + 90, "rows": rows, "dots": dots, "years": years, "axis": top,
            "colours": COHORT_COLOURS}
