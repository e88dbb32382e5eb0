"""The research workbench: the home page, the query editor, and the map, network and timeline of the pairings."""

from flask import Blueprint, current_app, render_template, request, url_for

from graph.formats import GRAPH_FORMATS, RESULT_FORMATS, SUFFIXES
from nzc_twinning.namespaces import PREFIXES

from .answers import current, page_query, select
from .errors import error_response
from .named_queries import describe_queries, named
from .pictures import map_answer, network_answer, timeline_answer

bp = Blueprint("workbench", __name__)


def home() -> str:
    """What the graph holds (counted live), how complete it is, and where to get it."""
    release = current()
    counts, coverage = {}, []
    if release is not None:
        counts = {row["what"]["value"]: row["n"]["value"] for row in select(page_query("home_counts"))}
        coverage = select(named("coverage").text)
    return render_template("home.html", release=current(), queries=current_app.extensions["twinning.queries"],
                           counts=counts, coverage=coverage)


def map_page() -> str:
    cohort = request.args.get("cohortNumber", "")
    if cohort and not cohort.isdigit():
        return error_response(400, "parameter 'cohortNumber': give a number")
    query = named("map_pairings")
    pairings = [r for r in select(query.text) if not cohort or r.get("cohortNumber", {}).get("value") == cohort]
    cities = [r for r in select(named("programme_cities").text)
              if not cohort or r.get("cohortNumber", {}).get("value") == cohort]
    return render_template("map.html", release=current(), view_answer=map_answer(pairings, cities), cohort=cohort,
                           behind=[query, named("programme_cities")])


def network_page() -> str:
    query = named("map_pairings")
    return render_template("network.html", release=current(), view_answer=network_answer(select(query.text)),
                           behind=[query])


def timeline_page() -> str:
    cohorts, activities = named("cohort_timeline"), named("activity_timeline")
    view_answer = timeline_answer(select(cohorts.text), select(activities.text))
    return render_template("timeline.html", release=current(), view_answer=view_answer, behind=[cohorts, activities])


# File suffixes of downloads: the result formats' usual ones, and the graph formats' as the dumps name them.
DOWNLOAD_SUFFIXES = {"json": "srj", "xml": "srx", "csv": "csv", "tsv": "tsv",
                     **{name: suffix for suffix, name in SUFFIXES.items()}}


def ontology_terms() -> list[dict]:
    """The ontology's classes and properties with their labels, for the editor's completion (no outside lookup)."""
    if current() is None:
        return []
    return [{"iri": row["term"]["value"], "label": row["label"]["value"], "kind": row["kind"]["value"].rsplit("#")[-1],
             "definition": row["definition"]["value"]} for row in select(page_query("ontology_terms"))]


def editor() -> str:
    """The query editor, opened on a named query, on a query of the URL (older links; new ones keep it in the
    fragment, which the page reads), or on the default query."""
    queries = current_app.extensions["twinning.queries"]
    selected = queries.get(request.args.get("name", ""))
    query = request.args.get("query") or (selected.text if selected else page_query("editor_default"))
    release = current()
    setup = {
        "named": describe_queries(),
        "prefixes": PREFIXES,
        "terms": ontology_terms(),
        "endpoint": url_for("protocol.sparql", _external=True),
        # The release-pinned endpoint, with RELEASE standing for the id an answer names (X-Twinning-Release).
        "pinned": url_for("releases.release_sparql", release_id="RELEASE", _external=True),
        "release": {"id": release.id, "date": release.info["created"][:10]} if release else None,
        "formats": {"results": {name: {"media": media, "suffix": DOWNLOAD_SUFFIXES[name]}
                                for name, (media, _, _) in RESULT_FORMATS.items()},
                    "graph": {name: {"media": media, "suffix": DOWNLOAD_SUFFIXES[name]}
                              for name, (media, _, _) in GRAPH_FORMATS.items()}},
    }
    return render_template("editor.html", release=release, query=query, queries=queries,
                           selected=selected.name if selected else "", setup=setup)


bp.add_url_rule("/", view_func=home)
bp.add_url_rule("/query", view_func=editor)
bp.add_url_rule("/map", view_func=map_page)
bp.add_url_rule("/network", view_func=network_page)
bp.add_url_rule("/timeline", view_func=timeline_page)
