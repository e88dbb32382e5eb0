"""Linked Data: every IRI under /id/ as an HTML page or RDF by content negotiation, and the ontology at its IRI."""
import re

from flask import Blueprint, Response, render_template, url_for
from rdflib.namespace import RDF, RDFS, XSD

from graph.formats import SUFFIXES, media_types
from graph.jobs import QueryJob
from nzc_twinning.namespaces import BASE, ID, PREFIXES
from nzc_twinning.namespaces import ONTOLOGY as ONTOLOGY_IRI

from .answers import (
    PAGE_FORMATS,
    current,
    page_query,
    preferred,
    release_or_503,
    run_dump,
    run_job,
    select,
    tag,
)
from .errors import error_response
from .named_queries import named
from .pictures import answer

bp = Blueprint("linked_data", __name__)
WGS_LAT, WGS_LONG = PREFIXES["wgs"] + "lat", PREFIXES["wgs"] + "long"

IRI_PATH = re.compile(r"^[A-Za-z0-9._~!$&'()*+,;=:@/%-]+$")


def page_format(suffix: str | None) -> str | None:
    """HTML or an RDF format name, from a file suffix or else the Accept header; None if nothing fits (406)."""
    if suffix:
        return SUFFIXES.get(suffix) if SUFFIXES.get(suffix) in PAGE_FORMATS else None
    best = preferred(("text/html", *[media for media, _ in media_types(PAGE_FORMATS)]))
    return "html" if best == "text/html" else dict(media_types(PAGE_FORMATS)).get(best)


def split_suffix(path: str) -> tuple[str, str | None]:
    stem, dot, suffix = path.rpartition(".")
    return (stem, suffix) if dot and suffix in SUFFIXES else (path, None)


def resource(rest: str) -> Response:
    """A resource IRI under /id/: an HTML page or its RDF description, by Accept header or file suffix."""
    rest, suffix = split_suffix(rest)
    if not IRI_PATH.match(rest):
        return error_response(404, f"/id/{rest} is not an identifier of this graph")
    iri = ID + rest
    name = page_format(suffix)
    if name is None:
        return error_response(406 if not suffix else 404, "available as HTML, " + ", ".join(PAGE_FORMATS))
    release = release_or_503()
    if name != "html":
        if not select(page_query("resource_exists"), this=iri):
            return error_response(404, f"<{iri}> is not in this graph")
        job = QueryJob(str(release.path), page_query("resource_describe"), None, name, substitutions={"this": {"type": "uri", "value": iri}})
        answer = run_job(job)
        response = Response(answer.body, content_type=f"{PAGE_FORMATS[name][0]}; charset=utf-8")
        response.call_on_close(answer.close)
        response.headers["Vary"] = "Accept"
        return tag(response, current(), f"{iri}|{name}")
    page = describe_page(iri)
    if page is None:
        return error_response(404, f"<{iri}> is not in this graph")
    response = Response(render_template("resource.html", release=current(), **page), content_type="text/html")
    response.headers["Vary"] = "Accept"
    return tag(response, current(), f"{iri}|html")


def describe_page(iri: str) -> dict | None:
    """What the HTML page of a resource shows: labels, statements in and out with labels and sources."""
    outgoing, incoming = select(page_query("resource_outgoing"), this=iri), select(page_query("resource_incoming"), this=iri)
    if not outgoing and not incoming:
        return None
    labels, titles = {}, {}
    for row in select(page_query("resource_labels"), this=iri):
        x = row["x"]["value"]
        if "label" in row and (x not in labels or row["label"].get("xml:lang") == "en"):
            labels[x] = row["label"]["value"]
        if "title" in row:
            titles[x] = {"url": x, "title": row["title"]["value"], "publisher": row.get("publisher", {}).get("value"),
                         "issued": row.get("issued", {}).get("value")}

    def term(t: dict) -> dict:
        if t["type"] == "uri":
            value = t["value"]
            href = local_href(value)
            return {"href": href, "text": labels.get(value) or compact(value), "iri": value}
        return {"text": t["value"], "lang": t.get("xml:lang"), "datatype": compact(t.get("datatype", "")) if
                t.get("datatype") and not t["datatype"].endswith("#string") else None}

    def grouped(rows, key):
        merged: dict = {}
        for row in rows:
            k = tuple(row[v]["value"] + row[v].get("xml:lang", "") + row[v].get("datatype", "") for v in key)
            entry = merged.setdefault(k, {**{v: term(row[v]) for v in key}, "sources": []})
            source = row.get("source", {}).get("value")
            if source and source not in entry["sources"]:
                entry["sources"].append(source)
        return sorted(merged.values(), key=lambda e: (e["p"]["text"], *(e[v]["text"] for v in key if v != "p")))

    out_rows, in_rows = grouped(outgoing, ("p", "o")), grouped(incoming, ("s", "p"))
    sources = sorted({s for row in out_rows + in_rows for s in row["sources"]})
    source_numbers = {s: i + 1 for i, s in enumerate(sources)}
    label_rows = [row["o"] for row in out_rows if row["p"]["iri"] == str(RDFS.label)]
    types = [row["o"] for row in out_rows if row["p"]["iri"] == str(RDF.type)]
    external = sorted({row["o"]["iri"] for row in out_rows if row["o"].get("iri")
                       and not row["o"]["iri"].startswith((BASE,
                                                           "http://www.w3.org/", "http://publications"))})
    english = [label["text"] for label in label_rows if label.get("lang") == "en"]
    return {
        **pairings_of(iri, out_rows, english[0] if english else compact(iri)),
        "iri": iri, "title": english[0] if english else compact(iri), "types": types,
        "labels": [{"value": label["text"], "lang": label.get("lang")} for label in label_rows],
        "outgoing": out_rows, "incoming": in_rows, "external": external,
        "sources": [titles.get(s, {"url": s}) for s in sources], "source_numbers": source_numbers,
        "alternates": [(PAGE_FORMATS[SUFFIXES[s]][0], s) for s in ("ttl", "nt", "jsonld", "rdf")],
        "query_link": url_for("workbench.editor", query=f"DESCRIBE <{iri}>"),
    }


def pairings_of(iri: str, out_rows: list[dict], title: str) -> dict:
    """For a city, pilot or twin page: its pairings and the answer of a small map locating the city and its partners."""
    kind = iri[len(ID):].split("/", 1)[0]
    if kind == "twin":
        cities = [row["o"]["iri"] for row in out_rows if row["p"]["iri"].endswith("#twinCity")]
        bindings = {"city": cities[0]} if cities else None
    else:
        bindings = {"city": iri} if kind == "city" else {"pilot": iri} if kind == "pilot" else None
    if not bindings:
        return {"pairings": [], "pairing_map": None}
    rows = select(named("map_pairings").text, **bindings)
    # The city itself first, so a city with no known pairing is still located.
    lat = [row["o"]["text"] for row in out_rows if row["p"]["iri"] == WGS_LAT]
    long = [row["o"]["text"] for row in out_rows if row["p"]["iri"] == WGS_LONG]
    here = [{"city": {"type": "uri", "value": iri}, "label": {"type": "literal", "value": title},
             "lat": {"type": "literal", "value": lat[0], "datatype": str(XSD.decimal)},
             "long": {"type": "literal", "value": long[0], "datatype": str(XSD.decimal)}}] if lat and long and kind == "city" else []
    pairs = {(r["twinCity"]["value"], r["pilot"]["value"]): r for r in rows}
    pairings = [{"twin": local_href(r["twinCity"]["value"]), "twinLabel": r["twinLabel"]["value"],
                 "pilot": local_href(r["pilot"]["value"]), "pilotLabel": r["pilotLabel"]["value"],
                 "cohort": r.get("cohortNumber", {}).get("value", "unknown")} for r in pairs.values()]
    return {"pairings": sorted(pairings, key=lambda p: (p["cohort"], p["twinLabel"])),
            "pairing_map": answer(here + rows) if here or rows else None,
            "map_focus": iri if kind == "city" else bindings.get("city"),
            "map_title": f"Map locating {title}" + (" and its partners" if rows else "") if kind == "city"
            else f"Map of the cities of {title}"}


def local_href(iri: str) -> str:
    """Links to resources of this graph stay on this server, wherever it is hosted."""
    if iri.startswith(ID):
        return url_for("linked_data.resource", rest=iri[len(ID):])
    if iri.startswith(ONTOLOGY_IRI):
        return url_for("linked_data.ontology") + iri[len(ONTOLOGY_IRI):]
    return iri


def compact(iri: str) -> str:
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def ontology() -> Response:
    """The ontology IRI: human documentation in a browser, the ontology itself as RDF."""
    name = page_format(None)
    if name is None:
        return error_response(406, "available as HTML, " + ", ".join(PAGE_FORMATS))
    if name != "html":
        return run_dump(name, ONTOLOGY_IRI)
    header = select(page_query("ontology_header"))
    if not header:
        return error_response(404, "the release holds no ontology")
    sections = {"Classes": [], "Object properties": [], "Datatype properties": []}
    kinds = {"Class": "Classes", "ObjectProperty": "Object properties", "DatatypeProperty": "Datatype properties"}
    for row in select(page_query("ontology_terms")):
        sections[kinds[row["kind"]["value"].rsplit("#", 1)[1]]].append({
            "name": row["term"]["value"].rsplit("#", 1)[1], "label": row["label"]["value"],
            "definition": row["definition"]["value"],
            "parents": [compact(p) for p in row.get("parents", {}).get("value", "").split()],
            "domain": compact(row["domain"]["value"]) if "domain" in row else None,
            "range": compact(row["range"]["value"]) if "range" in row else None,
        })
    head = {key: header[0][key]["value"] for key in ("title", "description", "version")}
    response = Response(render_template("ontology.html", release=current(), header=head,
                                        sections=sections.items()), content_type="text/html")
    response.headers["Vary"] = "Accept"
    return tag(response, current(), "ontology|html")


def ontology_file(suffix: str) -> Response:
    name = SUFFIXES.get(suffix)
    if name not in PAGE_FORMATS:
        return error_response(404, f"the ontology is available as {', '.join(SUFFIXES)}")
    return run_dump(name, ONTOLOGY_IRI)


bp.add_url_rule("/id/<path:rest>", view_func=resource)
bp.add_url_rule("/ontology", view_func=ontology)
bp.add_url_rule("/ontology.<suffix>", view_func=ontology_file)
bp.add_app_template_global(local_href)
