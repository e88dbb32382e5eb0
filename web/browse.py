"""Browse pages (/browse/<kind>): the members of one class in a table, narrowed by facets chosen with links (so they
work without JavaScript), each facet value with the number of members it would leave, and the same table as CSV
(/browse/<kind>.csv with the same parameters). Each kind is one page query in queries/pages/browse_<kind>.rq."""
import csv
import io
from dataclasses import dataclass

from flask import Blueprint, Response, render_template, request, url_for

from graph.errors import NotFound
from nzc_twinning.text import fold

from .answers import current, page_query, release_or_503, select, tag
from .linked_data import local_href

bp = Blueprint("browse", __name__)


@dataclass(frozen=True)
class Field:
    """A column of a browse table: the query variable holding it (with `<name>Label` naming IRI values), and whether
    it is a facet."""

    name: str
    heading: str
    facet: bool = False


@dataclass(frozen=True)
class Kind:
    slug: str
    title: str
    counted_as: str  # its key in the home page's counts (queries/pages/home_counts.rq)
    fields: tuple[Field, ...]

    @property
    def facets(self) -> tuple[Field, ...]:
        return tuple(field for field in self.fields if field.facet)


COUNTRY, COHORT = Field("country", "country", facet=True), Field("cohort", "cohort", facet=True)
KINDS = {kind.slug: kind for kind in (
    Kind("cities", "Cities", "cities", (COUNTRY, Field("programme", "programme", facet=True), COHORT)),
    Kind("pilots", "Pilot activities", "pilot activities", (COUNTRY, COHORT, Field("leadCity", "led by"))),
    Kind("twins", "Twin-city participations", "twin-city participations",
         (COUNTRY, COHORT, Field("twinCity", "twin city"), Field("pilot", "learns from"))),
    Kind("activities", "Exchange activities", "exchange activities",
         (Field("kind", "kind", facet=True), COHORT, Field("country", "host country", facet=True),
          Field("hostCity", "host city"), Field("startDate", "start"))),
    Kind("sources", "Source documents", "source documents",
         (Field("publisher", "publisher", facet=True), Field("language", "language", facet=True),
          Field("issued", "published"))),
)}


@dataclass(frozen=True)
class Value:
    """One value of a field: the key a facet link carries, the text shown, and a link for resources."""

    key: str
    text: str
    href: str | None = None


def value_of(row: dict, name: str) -> Value | None:
    term = row.get(name)
    if term is None:
        return None
    if term["type"] != "uri":
        return Value(term["value"], term["value"])
    iri = term["value"]
    key = iri.rstrip("/").rsplit("/", 1)[-1]  # country/SWE -> SWE, cohort/twinning-cohort-1 -> twinning-cohort-1
    label = row.get(name + "Label", {}).get("value")
    return Value(key, label or key, local_href(iri))


def members(kind: Kind) -> list[dict]:
    """Every member of the kind with the values of each field, sorted by name."""
    found: dict[str, dict] = {}
    for row in select(page_query("browse_" + kind.slug)):
        iri = row["item"]["value"]
        member = found.setdefault(iri, {"iri": iri, "href": local_href(iri),
                                        "label": row.get("label", {}).get("value", iri),
                                        "fields": {field.name: {} for field in kind.fields}})
        for field in kind.fields:
            if (value := value_of(row, field.name)) is not None:
                member["fields"][field.name].setdefault(value.key, value)
    return sorted(found.values(), key=lambda m: (fold(m["label"]), m["iri"]))


def matches(member: dict, chosen: dict[str, str], leaving_out: str | None = None) -> bool:
    return all(key in member["fields"][name] for name, key in chosen.items() if name != leaving_out)


def facet_counts(kind: Kind, everyone: list[dict], chosen: dict[str, str]) -> list[dict]:
    """For each facet, its values with how many members each would show, given the other facets chosen."""
    facets = []
    for field in kind.facets:
        counts: dict[str, list] = {}
        for member in everyone:
            if matches(member, chosen, leaving_out=field.name):
                for value in member["fields"][field.name].values():
                    counts.setdefault(value.key, [value, 0])[1] += 1
        values = sorted(counts.values(), key=lambda pair: fold(pair[0].text))
        facets.append({"field": field, "chosen": chosen.get(field.name),
                       "values": [{"value": value, "count": n, "href": link(kind, chosen, field.name, value.key)}
                                  for value, n in values]})
    return facets


def link(kind: Kind, chosen: dict[str, str], name: str, key: str | None) -> str:
    """The page with one facet set to a value, or cleared (key None, or the value already chosen)."""
    args = {**chosen, name: key}
    if key is None or chosen.get(name) == key:
        del args[name]
    return url_for("browse.page", slug=kind.slug, **args)


def chosen_facets(kind: Kind) -> dict[str, str]:
    """The facets chosen in the address; other parameters are ignored, as clients add their own."""
    return {field.name: request.args[field.name] for field in kind.facets if request.args.get(field.name)}


def narrowed(kind) -> tuple[dict, list, list]:
    """The facets the request chose, every member of the kind, and the members those facets leave (page and CSV)."""
    chosen = chosen_facets(kind)
    everyone = members(kind)
    return chosen, everyone, [member for member in everyone if matches(member, chosen)]


def listing() -> Response:
    """/browse: the kinds, with how many members each has."""
    release_or_503()
    counts = {row["what"]["value"]: row["n"]["value"] for row in select(page_query("home_counts"))}
    return render_template("browse_listing.html", release=current(), counts=counts)


def kind_of(slug: str, what: str) -> Kind:
    """The kind a browse page or table is about, once a release is served. Raises NotFound for an unknown kind."""
    kind = KINDS.get(slug)
    if kind is None:
        raise NotFound(f"no browse {what} {slug!r}; there are {', '.join(KINDS)}")
    release_or_503()
    return kind


def page(slug: str) -> Response:
    """/browse/<kind>: its members narrowed by the facets chosen; 404 for an unknown kind."""
    kind = kind_of(slug, "page")
    chosen, everyone, shown = narrowed(kind)
    response = Response(render_template(
        "browse.html", release=current(), kind=kind, shown=shown, total=len(everyone),
        facets=facet_counts(kind, everyone, chosen), chosen=chosen,
        csv_href=url_for("browse.table", slug=kind.slug, **chosen),
        clear_href=url_for("browse.page", slug=kind.slug)), content_type="text/html")
    return tag(response, current(), f"browse|{request.full_path}")


def table(slug: str) -> Response:
    """/browse/<kind>.csv: exactly the rows and columns the page shows with the same facets, plus each IRI."""
    kind = kind_of(slug, "table")
    _, _, shown = narrowed(kind)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180
    writer.writerow(["iri", "label", *(field.heading for field in kind.fields)])
    for member in shown:
        writer.writerow([member["iri"], member["label"],
                         *("; ".join(v.text for v in member["fields"][field.name].values()) for field in kind.fields)])
    response = Response(out.getvalue(), content_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{kind.slug}.csv"'})
    return tag(response, current(), f"browse-csv|{request.full_path}")


bp.add_url_rule("/browse", view_func=listing)
bp.add_url_rule("/browse/<slug>", view_func=page)
bp.add_url_rule("/browse/<slug>.csv", view_func=table)
bp.add_app_template_global(KINDS.values, "browse_kinds")  # the pages (home, browse) link every kind
