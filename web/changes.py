"""`GET /releases/<id>/changes`: what changed in a release, as RDF Patch or as a JSON summary (issue 16).

The patch comes from graph/patch.py, computed from the two releases' N-Quads dumps in the store folder; this module
only picks the pair of releases and the format. A pair of releases never changes, so the ETag names the pair.
"""
from flask import Blueprint, Response, current_app, jsonify, request

from graph import patch
from graph.errors import NotAcceptable

from .answers import preferred, tag

bp = Blueprint("changes", __name__)
OFFERS = (patch.MEDIA_TYPE, "application/json")


def changes(release_id: str) -> Response:
    """The changes of a release from its parent, or from `?since=<id>`: RDF Patch by default, the added and deleted
    counts per graph for Accept: application/json. 404 for an unknown or dropped release, 400 for a `since` that is
    not older, 406 when neither format is accepted."""
    media = preferred(OFFERS)
    if media is None:
        raise NotAcceptable(f"the changes of a release are {' or '.join(OFFERS)}")
    older, newer = patch.pair(current_app.config["STORE"], release_id, request.args.get("since") or None)
    variant = f"changes|{older and older.id}|{media}"
    response = tag(Response(status=200), newer, variant)
    if response.status_code != 304:  # answered before reading the dumps
        body = (jsonify(patch.summary(older, newer)) if media == "application/json"
                else Response(patch.diff(older, newer), mimetype=patch.MEDIA_TYPE))
        response = tag(body, newer, variant)
    response.headers["Vary"] = "Accept"
    return response


bp.add_url_rule("/releases/<release_id>/changes", view_func=changes)
