"""The errors a user can act on, one hierarchy: the type of an error says its HTTP status, which web/errors.py turns
into the one JSON error shape (and the command line into an exit code). Statuses that arrive over a pipe or from a
remote engine become the matching type through `for_status`."""
import re


class TwinningError(Exception):
    """Base of every error a client or an operator can act on; `status` is its HTTP status."""

    status = 500

    def __init__(self, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after  # seconds, for a Retry-After header


# Where Oxigraph's SPARQL parser (embedded, and `oxigraph serve` behind the remote backend) says it stopped.
SYNTAX_POSITION = re.compile(r"\berror at (\d+):(\d+)")


class BadRequest(TwinningError):
    """A syntax error, a bad or missing parameter, a malformed body."""

    status = 400

    @property
    def position(self) -> tuple[int, int] | None:
        """The line and column (from 1) of a syntax error, when the parser's message gives them."""
        found = SYNTAX_POSITION.search(self.message)
        return (int(found[1]), int(found[2])) if found else None


class Unauthorized(TwinningError):
    """A write without the right bearer token, or an engine refusing our credentials."""

    status = 401


class Forbidden(TwinningError):
    """Writes are disabled, or an outgoing request (SERVICE, LOAD) goes to a host that is not allowed."""

    status = 403


class NotFound(TwinningError):
    status = 404


class NotAcceptable(TwinningError):
    """None of the accepted media types can hold the answer."""

    status = 406


class Conflict(TwinningError):
    """A write that does not fit the state of the store (another write or machine came first)."""

    status = 409


class TooLarge(TwinningError):
    """A request body (or an update) over the limit."""

    status = 413


class UriTooLong(TwinningError):
    status = 414


class UnsupportedMediaType(TwinningError):
    status = 415


class EngineFailed(TwinningError):
    """The query engine aborted while answering: only that request fails."""

    status = 500


class BadGateway(TwinningError):
    """A remote engine answered with an error or not at all."""

    status = 502


class Unavailable(TwinningError):
    """No release yet, a time limit reached, every worker busy, or a release switch in the way: ask again later."""

    status = 503


class ResponseTooLarge(TwinningError):
    """The answer passed the largest response the server streams."""

    status = 507


BY_STATUS = {kind.status: kind for kind in (BadRequest, Unauthorized, Forbidden, NotFound, NotAcceptable, Conflict,
                                            TooLarge, UriTooLong, UnsupportedMediaType, EngineFailed, BadGateway,
                                            Unavailable, ResponseTooLarge)}


def for_status(status: int, message: str, retry_after: int | None = None) -> TwinningError:
    """The error of a status that came from a worker, a write process or a remote engine."""
    return BY_STATUS.get(status, TwinningError)(message, retry_after)
