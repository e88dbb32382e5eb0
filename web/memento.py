"""Memento (RFC 7089) for the resources under /id/ (issue 16): each kept release is a memento of every resource.

- /id/... is its own TimeGate: with `Accept-Datetime` it answers (200) from the release that was current at that
  instant, with `Memento-Datetime`, `Content-Location` (the memento's URL), `Vary: accept-datetime` and `Link`
  (original, timegate, timemap). Without `Accept-Datetime` nothing changes.
- /releases/<id>/id/... is the memento: the resource as that release holds it.
- /timemap/id/... lists the mementos in `application/link-format` (RFC 6690).
The pages themselves are web/linked_data.py's, answering from the release this module names for the request
(g.release, g.pinned); this module only chooses the release and adds the headers.
"""
import datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

from flask import Blueprint, Response, current_app, g, request, url_for

from graph.errors import BadRequest, NotFound
from graph.release import Release, kept_release, kept_releases

from . import linked_data

bp = Blueprint("memento", __name__)
LINK_FORMAT = "application/link-format"


def created(release: Release) -> datetime.datetime:
    return datetime.datetime.fromisoformat(release.info["created"])


def http_date(release: Release) -> str:
    return format_datetime(created(release).astimezone(datetime.UTC), usegmt=True)


def kept() -> list[Release]:
    return kept_releases(Path(current_app.config["STORE"]))


def at(instant: datetime.datetime) -> Release:
    """The kept release that was current at `instant`: the newest created by then, else the oldest kept (RFC 7089
    4.1: the closest memento). Raises NotFound when no release is kept."""
    releases = kept()
    if not releases:
        raise NotFound("no release is kept: run `twinning load`")
    return next((release for release in releases if created(release) <= instant), releases[-1])


@bp.before_app_request
def negotiate_datetime() -> None:
    """A request for /id/... with Accept-Datetime: answer from the release current then. Raises BadRequest for a
    header that is not an HTTP date."""
    text = request.headers.get("Accept-Datetime")
    if request.endpoint != "linked_data.resource" or text is None:
        return
    try:
        instant = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        raise BadRequest(f"header 'Accept-Datetime': {text!r} is not an HTTP date (RFC 7089)") from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=datetime.UTC)
    g.release, g.pinned, g.memento = at(instant), True, "negotiated"


@bp.after_app_request
def memento_headers(response: Response) -> Response:
    """The Memento headers of an answer from a kept release (negotiated, or a memento's own URL)."""
    kind = g.get("memento")
    if kind is None or response.status_code >= 400 or request.view_args is None:
        return response
    rest = request.view_args["rest"]
    release = g.release
    response.headers["Memento-Datetime"] = http_date(release)
    response.headers["Link"] = ", ".join(links(rest))
    if kind == "negotiated":
        response.headers["Content-Location"] = url_for("memento.memento", release_id=release.id, rest=rest,
                                                       _external=True)
        response.vary.add("Accept-Datetime")
    return response


def links(rest: str) -> list[str]:
    original = url_for("linked_data.resource", rest=rest, _external=True)
    timemap = url_for("memento.timemap", rest=rest, _external=True)
    return [f'<{original}>; rel="original timegate"', f'<{timemap}>; rel="timemap"; type="{LINK_FORMAT}"']


def memento(release_id: str, rest: str) -> Response:
    """A resource as one kept release holds it. Raises NotFound for an unknown or dropped release."""
    release = kept_release(Path(current_app.config["STORE"]), release_id)
    if release is None:
        raise NotFound(f"there is no kept release {release_id!r}; see /releases")
    g.release, g.pinned, g.memento = release, True, "memento"
    return linked_data.resource(rest)


def timemap(rest: str) -> Response:
    """The mementos of a resource, one per kept release, oldest first, in application/link-format."""
    releases = list(reversed(kept()))
    if not releases:
        raise NotFound("no release is kept: run `twinning load`")
    self_link = (f'<{url_for("memento.timemap", rest=rest, _external=True)}>; rel="self"; type="{LINK_FORMAT}"; '
                 f'from="{http_date(releases[0])}"; until="{http_date(releases[-1])}"')
    mementos = [f'<{url_for("memento.memento", release_id=release.id, rest=rest, _external=True)}>; rel="memento"; '
                f'datetime="{http_date(release)}"' for release in releases]
    body = ",\n".join([*links(rest), self_link, *mementos]) + "\n"
    return Response(body, content_type=LINK_FORMAT)


bp.add_url_rule("/releases/<release_id>/id/<path:rest>", view_func=memento)
bp.add_url_rule("/timemap/id/<path:rest>", view_func=timemap)
