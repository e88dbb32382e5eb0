"""Search by name (/search): every labelled resource of the current release whose name, in any language, matches the
text, accent- and case-insensitively, ranked. The names come from one page query run through the backend like every
page's (so search works on every backend), folded once into an index kept per release id; matching runs in Python
because SPARQL has no accent-insensitive comparison that Oxigraph and Virtuoso share."""
import re
from dataclasses import dataclass

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from nzc_twinning.namespaces import TW
from nzc_twinning.text import fold

from .answers import current, page_query, preferred, release_or_503, select, tag
from .errors import error_response
from .linked_data import compact

bp = Blueprint("search", __name__)

MAX_TEXT = 200  # characters of search text
DEFAULT_LIMIT, MAX_LIMIT = 20, 200
# Among equally good matches, the kinds researchers look for most come first.
TYPE_RANK = {TW + name: rank for rank, name in enumerate((  # classes not listed come after, all alike
    "City", "Pilot", "Cohort", "Programme", "Mission", "Twin", "ExchangeActivity", "Project", "SourceDocument",
    "ReplicationPlan", "MissionLabelRound"))}
KINDS = ("exact", "prefix", "word prefix", "substring")


@dataclass(frozen=True)
class Entry:
    """One resource as search knows it: the name to show, its class, and every name folded."""

    iri: str
    label: str
    type: str | None
    names: tuple[tuple[str, str], ...]  # (folded, as written)


@dataclass(frozen=True)
class Hit:
    entry: Entry
    kind: int  # index into KINDS: how well the best name matched
    matched: str  # that name as written

    def as_json(self) -> dict:
        return {"iri": self.entry.iri, "label": self.entry.label, "type": self.entry.type}


def build_index(rows: list[dict]) -> list[Entry]:
    """Entries from the rows of search_labels.rq: the English name shown (else one without language, else any), the
    class of this graph's ontology preferred when a resource has several."""
    names: dict[str, dict] = {}
    for row in rows:
        iri, label = row["resource"]["value"], row["label"]
        entry = names.setdefault(iri, {"labels": {}, "types": set()})
        entry["labels"].setdefault(label["value"], label.get("xml:lang", ""))
        if "type" in row:
            entry["types"].add(row["type"]["value"])
    entries = []
    for iri, entry in names.items():
        by_language = sorted(entry["labels"].items(), key=lambda pair: ({"en": 0, "": 1}.get(pair[1], 2), pair[0]))
        types = sorted(entry["types"], key=lambda t: (TYPE_RANK.get(t, len(TYPE_RANK)), t))
        entries.append(Entry(iri, by_language[0][0], types[0] if types else None,
                             tuple((fold(label), label) for label in entry["labels"])))
    return entries


def match(entry: Entry, text: str) -> Hit | None:
    """How well the best of an entry's names matches folded text: exact, prefix, a word's prefix, or inside."""
    best = None
    for folded, written in entry.names:
        if folded == text:
            kind = 0
        elif folded.startswith(text):
            kind = 1
        elif re.search(r"(?<!\w)" + re.escape(text), folded):
            kind = 2
        elif text in folded:
            kind = 3
        else:
            continue
        if best is None or kind < best.kind:
            best = Hit(entry, kind, written)
    return best


def index() -> list[Entry]:
    """The index of the release being served, built on first use and kept until another release is served."""
    release_or_503()
    kept = current_app.extensions.get("twinning.search")
    if kept is None or kept[0] != current().id:
        entries = build_index(select(page_query("search_labels")))
        kept = current_app.extensions["twinning.search"] = (current().id, entries)  # the release that answered
    return kept[1]


def find(text: str, limit: int) -> list[Hit]:
    folded = fold(text)
    hits = [hit for entry in index() if (hit := match(entry, folded))]
    hits.sort(key=lambda h: (h.kind, TYPE_RANK.get(h.entry.type, len(TYPE_RANK)), fold(h.entry.label), h.entry.iri))
    return hits[:limit]


def wants_json() -> bool:
    if request.args.get("format") == "json":
        return True
    return preferred(("text/html", "application/json")) == "application/json"


def search() -> Response:
    """/search?q=TEXT[&limit=N]: matching resources as HTML, or as JSON [{"iri", "label", "type"}] for
    Accept: application/json. 400 for missing, empty or too long text and a bad limit."""
    text, raw_limit = request.args.get("q"), request.args.get("limit", str(DEFAULT_LIMIT))
    if not re.fullmatch("[0-9]{1,6}", raw_limit) or not 1 <= int(raw_limit) <= MAX_LIMIT:
        return error_response(400, f"parameter 'limit': give a whole number from 1 to {MAX_LIMIT}")
    if text is None and not wants_json():  # the bare page: a form to search with
        return Response(render_template("search.html", release=current(), text="", hits=None), content_type="text/html")
    if text is None or not fold(text):
        return error_response(400, "parameter 'q': give the text to search for")
    if len(text) > MAX_TEXT:
        return error_response(400, f"parameter 'q': at most {MAX_TEXT} characters")
    hits, as_json = find(text, int(raw_limit)), wants_json()
    if as_json:
        response = jsonify([hit.as_json() for hit in hits])
    else:
        response = Response(render_template("search.html", release=current(), text=text, hits=hits, kinds=KINDS,
                                            limit=int(raw_limit)), content_type="text/html")
    response.headers["Vary"] = "Accept"
    return tag(response, current(), f"search|{as_json}|{request.full_path}")  # the same answer until a new release


def type_name(iri: str | None) -> str:
    """A class as a reader names it: City, Pilot, skos:Concept."""
    if iri is None:
        return "resource"
    return iri[len(TW):] if iri.startswith(TW) else compact(iri)


bp.add_url_rule("/search", view_func=search)
bp.add_app_template_filter(type_name)
