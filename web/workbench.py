"""The research workbench: the home page, the query editor, and the map, network and timeline of the pairings."""
import json

from flask import Blueprint, current_app, render_template, request

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


def editor() -> str:
    """The query editor, opened on a query given in the URL or on a named query."""
    queries = current_app.extensions["twinning.queries"]
    selected = queries.get(request.args.get("name", ""))
    query = request.args.get("query") or (selected.text if selected else page_query("editor_default"))
    # Escaped for a <script> element: no "</" can close it early.
    named_json = json.dumps(describe_queries()).replace("</", "<\\/")
    return render_template("editor.html", release=current(), query=query, queries=queries,
                           selected=selected.name if selected else "", named_json=named_json)


bp.add_url_rule("/", view_func=home)
bp.add_url_rule("/query", view_func=editor)
bp.add_url_rule("/map", view_func=map_page)
bp.add_url_rule("/network", view_func=network_page)
bp.add_url_rule("/timeline", view_func=timeline_page)
