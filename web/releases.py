"""Kept releases over HTTP (issue 16): the list at /releases (JSON, HTML, and an Atom feed at /releases.atom) and
the SPARQL 1.1 Protocol, read-only, over one release exactly as it was at /releases/<id>/sparql.

The pinned endpoint is /sparql's own code (web/protocol.py) answering from another release: this module only finds
the release and names it for the request (g.release, g.pinned). The changes of a release are web/changes.py's.
"""
from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree

from flask import Blueprint, Response, current_app, g, jsonify, render_template, request, url_for

from graph.errors import Forbidden, NotFound, TwinningError
from graph.release import Release, kept_release, kept_releases, summaries

from . import protocol
from .answers import current, nquads_dump, preferred

bp = Blueprint("releases", __name__)
ATOM = "http://www.w3.org/2005/Atom"


def held() -> Release | None:
    """The release being served; None when there is none or the engine cannot be reached."""
    try:
        return current()
    except TwinningError:  # an engine that cannot be reached: the kept releases still stand, none current
        return None


def known() -> list[Release]:
    """The kept releases, newest first: those of the store folder, and the one a remote engine holds if the folder
    lacks it (a server that does not see the folder the releases are built in knows only that one)."""
    releases, serving = kept_releases(Path(current_app.config["STORE"])), held()
    if serving is not None and serving.id not in {release.id for release in releases}:
        releases = sorted([*releases, serving], key=lambda release: release.id, reverse=True)
    return releases


def named(release_id: str) -> Release:
    """A known release by id. Raises NotFound for an unknown or dropped one."""
    release = kept_release(Path(current_app.config["STORE"]), release_id)
    if release is None:
        serving = held()  # a remote engine may hold a release this store folder does not
        if serving is None or serving.id != release_id:
            raise NotFound(f"there is no kept release {release_id!r}; see /releases")
        release = serving
    return release


def kept() -> list[dict]:
    """The known releases, newest first, as plain data."""
    serving, releases = held(), known()
    return [{**row, "dump": nquads_dump(release)} for row, release in zip(summaries(releases, serving and serving.id),
                                                                          releases)]


def listing() -> Response:
    """The kept releases, newest first: JSON, or HTML for a browser."""
    releases = kept()
    if preferred(("application/json", "text/html")) == "text/html":
        response = Response(render_template("releases.html", releases=releases, release=current()))
    else:
        response = jsonify(releases=releases)
    response.headers["Vary"] = "Accept"
    return response


def changes_url(release_id: str) -> str:
    """Where a release's changes are served (web/changes.py), as a public URL."""
    return url_for("releases.listing", _external=True) + f"/{quote(release_id, safe='')}/changes"


def feed() -> Response:
    """The kept releases as an Atom feed (RFC 4287), one entry per release linking its changes."""
    releases = kept()
    root = ElementTree.Element("feed", xmlns=ATOM)
    ElementTree.SubElement(root, "title").text = "Releases of the twinning knowledge graph"
    ElementTree.SubElement(root, "id").text = url_for("releases.feed", _external=True)
    ElementTree.SubElement(root, "link", rel="self", href=url_for("releases.feed", _external=True))
    ElementTree.SubElement(root, "link", rel="alternate", href=url_for("releases.listing", _external=True))
    ElementTree.SubElement(root, "updated").text = releases[0]["created"] if releases else "1970-01-01T00:00:00+00:00"
    ElementTree.SubElement(ElementTree.SubElement(root, "author"), "name").text = "NetZeroCities twinning graph"
    for release in releases:
        entry = ElementTree.SubElement(root, "entry")
        endpoint = url_for("releases.release_sparql", release_id=release["id"], _external=True)
        ElementTree.SubElement(entry, "id").text = endpoint
        ElementTree.SubElement(entry, "title").text = f"Release {release['id']}"
        ElementTree.SubElement(entry, "updated").text = release["created"]
        ElementTree.SubElement(entry, "link", rel="alternate", type="text/rdf-patch", href=changes_url(release["id"]))
        ElementTree.SubElement(entry, "link", rel="related", href=endpoint)
        parent = f", changed from {release['parent']}" if release["parent"] else ""
        ElementTree.SubElement(entry, "summary").text = (f"{release['triples']} triples{parent}; query it exactly as "
                                                         f"it was at {endpoint}")
    body = ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(body, content_type="application/atom+xml; charset=utf-8")


def release_sparql(release_id: str) -> Response:
    """The SPARQL 1.1 Protocol over one kept release, read-only. Raises NotFound for an unknown or dropped release,
    Forbidden for an update."""
    release = named(release_id)
    if "update" in request.values or request.mimetype == "application/sparql-update":
        raise Forbidden("a kept release is read-only: send updates to /sparql")
    g.release, g.pinned = release, True  # what answers.run_query answers from
    return protocol.sparql()


bp.add_url_rule("/releases", view_func=listing)
bp.add_url_rule("/releases.atom", view_func=feed)
bp.add_url_rule("/releases/<release_id>/sparql", view_func=release_sparql, methods=["GET", "HEAD", "POST"])
