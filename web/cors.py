"""Cross-origin access for every response: the endpoint is public, and writes need a token, not a cookie."""
from flask import Response, request

# Headers a cross-origin script may read: the caching and paging ones, and every X-Twinning-* header.
EXPOSED_HEADERS = ("Content-Type, Content-Length, Content-Disposition, Content-Location, ETag, Last-Modified, Link, "
                   "Location, Memento-Datetime, Retry-After, Vary, X-Twinning-Cache, X-Twinning-Capped, "
                   "X-Twinning-Release, X-Twinning-Row-Limit")


def allow_cross_origin(response: Response) -> Response:
    """CORS for every response: the endpoint is public, and writes need a token, not a cookie. A preflight may ask
    for any request header (clients add their own, such as X-Requested-With or Cache-Control) and is cached a day."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Allow-Methods"] = "GET, HEAD, POST, PUT, DELETE, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = request.headers.get(
        "Access-Control-Request-Headers", "Accept, Authorization, Content-Type")
    if request.method == "OPTIONS":  # the answer echoes what was asked: a cache must tell such preflights apart
        response.vary.add("Access-Control-Request-Headers")
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    response.headers["Access-Control-Max-Age"] = "86400"
    return response
