"""The answers the workbench's pictures are drawn from: query rows (SPARQL JSON bindings) shaped as the answers that
static/views.js draws, the one drawing code of the map, network, chart and timeline.

Pure functions from rows to answers; no HTTP, no store and no drawing here.
"""
import datetime

XSD = "http://www.w3.org/2001/XMLSchema#"


def answer(rows: list[dict], variables: list[str] | None = None) -> dict:
    """A bindings answer as views.js takes it; the variables in their order of first appearance unless given."""
    if variables is None:
        variables = list(dict.fromkeys(name for row in rows for name in row))
    return {"kind": "bindings", "vars": variables, "rows": rows}


def value(row: dict, key: str, default: str = "") -> str:
    return row.get(key, {}).get("value", default)


def map_answer(pairings: list[dict], cities: list[dict]) -> dict:
    """The programme map: every programme city (with its role) and every pairing (twin city to lead city)."""
    return answer(cities + pairings)


def network_answer(pairings: list[dict]) -> dict:
    """The network: one row per pilot and twin city pairing, so each pilot links to its twin cities."""
    keep = ("pilot", "pilotLabel", "twinCity", "twinLabel", "cohortNumber")
    rows = {(value(r, "pilot"), value(r, "twinCity")): {k: r[k] for k in keep if k in r} for r in pairings}
    return answer(list(rows.values()), list(keep))


def to_date(text: str) -> datetime.date | None:
    """The first day of a published date of any precision (YYYY, YYYY-MM, YYYY-MM-DD)."""
    parts = text[:10].split("-")
    try:
        return datetime.date(int(parts[0]), int(parts[1]) if len(parts) > 1 else 1, int(parts[2]) if len(parts) > 2 else 1)
    except (ValueError, IndexError):
        return None


def months(duration: str) -> int | None:
    """The months of an xsd:duration given in years and months (P1Y8M -> 20); None for any other form."""
    if not duration.startswith("P"):
        return None
    years = int(duration[1:].split("Y")[0]) if "Y" in duration else 0
    rest = duration.split("Y")[-1].lstrip("P")
    return years * 12 + (int(rest.rstrip("M")) if rest.endswith("M") and rest.rstrip("M").isdigit() else 0)


def date_term(day: datetime.date) -> dict:
    return {"type": "literal", "value": day.isoformat(), "datatype": XSD + "date"}


def timeline_answer(cohorts: list[dict], activities: list[dict]) -> dict:
    """Each cohort from its start to every end a source states or implies (start plus a stated duration: two bars
    where sources disagree), then every exchange activity with a published date, one lane per kind of activity."""
    bars: dict = {}
    for row in cohorts:
        key = value(row, "cohort")
        bar = bars.setdefault(key, {"label": row["label"], "starts": set(), "ends": set(), "durations": set()})
        prop, text = value(row, "property").rsplit("#", 1)[-1], value(row, "value")
        if prop == "startDate" and to_date(text):
            bar["starts"].add(to_date(text))
        elif prop == "endDate" and to_date(text):
            bar["ends"].add(to_date(text))
        elif prop == "duration" and months(text):
            bar["durations"].add(months(text))
    rows = []
    for key, bar in sorted(bars.items()):
        if not bar["starts"]:
            continue
        start = min(bar["starts"])
        # The lane: "twinning-cohort-3" -> "Twinning cohort 3", short enough to stand beside the bars.
        lane = {"type": "literal", "value": key.rsplit("/", 1)[-1].replace("-", " ").capitalize()}
        implied = {datetime.date(start.year + (start.month - 1 + m) // 12, (start.month - 1 + m) % 12 + 1, 1)
                   for m in bar["durations"]}
        for end in sorted(bar["ends"] | implied) or [None]:
            row = {"item": {"type": "uri", "value": key}, "label": bar["label"], "lane": lane, "start": date_term(start)}
            if end:
                row["end"] = date_term(end)
            rows.append(row)
    for row in activities:
        if not to_date(value(row, "startDate")):
            continue
        entry = {"item": row["activity"], "label": row["title"], "lane": {"type": "literal", "value": "Exchange: " + value(row, "type")},
                 "start": row["startDate"]}
        if "endDate" in row:
            entry["end"] = row["endDate"]
        if "cohortNumber" in row:
            entry["cohortNumber"] = row["cohortNumber"]
        rows.append(entry)
    return answer(rows, ["item", "label", "lane", "start", "end", "cohortNumber"])
