"""Memento (RFC 7089) for the resources under /id/ and the dumps (issue 16): each kept release is a memento of them.

- The original (/id/..., /dumps/twinning.*) is its own TimeGate: with `Accept-Datetime` it answers (200) from the
  release that was current at that instant, with `Memento-Datetime`, `Content-Location` (the memento's URL),
  `Vary: accept-datetime` and `Link` (original, timegate, timemap). Without `Accept-Datetime` nothing changes.
- /releases/<id>/id/... and /releases/<id>/dumps/... are the mementos: as that release holds them.
- /timemap/id/... and /timemap/dumps/... list the mementos in `application/link-format` (RFC 6690).
The answers themselves are web/linked_data.py's and web/metadata.py's, made from the release this module names for
the request (g.release, g.pinned); this module only chooses the release and adds the headers.
"""
import datetime
from dataclasses import dataclass
from email.utils import format_datetime, parsedate_to_datetime

from flask import Blueprint, Response, g, request, url_for

from graph.errors import BadRequest, NotFound
from graph.release import Release

from . import linked_data, metadata
from .answers import dumps_given
from .releases import known, named

bp = Blueprint("memento", __name__)
LINK_FORMAT = "application/link-format"


@dataclass(frozen=True)
class Original:
    """A kind of resource that has mementos: its own route (the original, also its TimeGate), the name of the route's
    argument, and the routes of its mementos and of its TimeMap."""
    endpoint: str
    argument: str
    memento: str
    timemap: str

    def url(self, endpoint: str, value: str, **arguments) -> str:
        return url_for(endpoint, **{self.argument: value}, **arguments, _external=True)


RESOURCE = Original("linked_data.resource", "rest", "memento.memento", "memento.timemap")
DUMP = Original("metadata.dump", "name", "memento.dump_memento", "memento.dump_timemap")
ORIGINALS = {original.endpoint: original for original in (RESOURCE, DUMP)}


def created(release: Release) -> datetime.datetime:
    return datetime.datetime.fromisoformat(release.info["created"])


def http_date(release: Release) -> str:
    return format_datetime(created(release).astimezone(datetime.UTC), usegmt=True)


def at(instant: datetime.datetime) -> Release:
    """The kept release that was current at `instant`: the newest created by then, else the oldest kept (RFC 7089
    4.1: the closest memento). Raises NotFound when no release is kept."""
    releases = known()
    if not releases:
        raise NotFound("no release is kept: run `twinning load`")
    # To the second, as HTTP dates are: the datetime a TimeMap gives for a memento picks that memento.
    return next((release for release in releases if created(release).replace(microsecond=0) <= instant),
                releases[-1])


@bp.before_app_request
def negotiate_datetime() -> None:
    """A request for an original with Accept-Datetime: answer from the release current then. Raises BadRequest for
    a header that is not an HTTP date."""
    text = request.headers.get("Accept-Datetime")
    original = ORIGINALS.get(request.endpoint)
    if original is None or text is None:
        return
    try:
        instant = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        raise BadRequest(f"header 'Accept-Datetime': {text!r} is not an HTTP date (RFC 7089)") from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=datetime.UTC)
    g.release, g.pinned, g.memento = at(instant), True, ("negotiated", original)


@bp.after_app_request
def memento_headers(response: Response) -> Response:
    """The Memento headers of an answer from a kept release (negotiated, or a memento's own URL)."""
    found = g.get("memento")
    if found is None or response.status_code >= 400 or request.view_args is None:
        return response
    kind, original = found
    value = request.view_args[original.argument]
    release = g.release
    response.headers["Memento-Datetime"] = http_date(release)
    response.headers["Link"] = ", ".join(links(original, value))
    if kind == "negotiated":
        location = original.url(original.memento, value, release_id=release.id)
        query = request.query_string.decode()
        response.headers["Content-Location"] = location + (f"?{query}" if query else "")
        response.vary.add("Accept-Datetime")
    return response


def links(original: Original, value: str) -> list[str]:
    return [f'<{original.url(original.endpoint, value)}>; rel="original timegate"',
            f'<{original.url(original.timemap, value)}>; rel="timemap"; type="{LINK_FORMAT}"']


def pinned(original: Original, release_id: str) -> None:
    """Name the kept release a memento's request is answered from. Raises NotFound for an unknown or dropped one."""
    g.release, g.pinned, g.memento = named(release_id), True, ("memento", original)


def memento(release_id: str, rest: str) -> Response:
    """A resource as one kept release holds it. Raises NotFound for an unknown or dropped release."""
    pinned(RESOURCE, release_id)
    return linked_data.resource(rest)


def dump_memento(release_id: str, name: str) -> Response:
    """A dump file of one kept release. Raises NotFound for an unknown or dropped release."""
    pinned(DUMP, release_id)
    return metadata.dump(name)


def timemap_of(original: Original, value: str, releases: list[Release]) -> Response:
    """The mementos of an original, one per release given (oldest first), in application/link-format."""
    if not releases:
        raise NotFound("no kept release holds it: see /releases")
    self_link = (f'<{original.url(original.timemap, value)}>; rel="self"; type="{LINK_FORMAT}"; '
                 f'from="{http_date(releases[0])}"; until="{http_date(releases[-1])}"')
    mementos = [f'<{original.url(original.memento, value, release_id=release.id)}>; rel="memento"; '
                f'datetime="{http_date(release)}"' for release in releases]
    body = ",\n".join([*links(original, value), self_link, *mementos]) + "\n"
    return Response(body, content_type=LINK_FORMAT)


def timemap(rest: str) -> Response:
    """The mementos of a resource: one per kept release."""
    return timemap_of(RESOURCE, rest, list(reversed(known())))


def dump_timemap(name: str) -> Response:
    """The mementos of a dump file: one per kept release whose dump this server gives. 404 for a name none has."""
    return timemap_of(DUMP, name, [release for release in reversed(known())
                                   if name.removeprefix("twinning.") in dumps_given(release)])


bp.add_url_rule("/releases/<release_id>/id/<path:rest>", view_func=memento)
bp.add_url_rule("/releases/<release_id>/dumps/<name>", view_func=dump_memento)
bp.add_url_rule("/timemap/id/<path:rest>", view_func=timemap)
bp.add_url_rule("/timemap/dumps/<name>", view_func=dump_timemap)
