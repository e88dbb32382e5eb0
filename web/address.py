"""The public address behind reverse proxies: PUBLIC_URL and PROXY_HOPS as WSGI middleware (docs/deploy.md)."""
import re
from urllib.parse import urlsplit

from werkzeug.middleware.proxy_fix import ProxyFix


def public_address(wsgi_app, config):
    """WSGI middleware that makes every URL the app builds name the public address (issue 12, item 4): the headers
    of PROXY_HOPS trusted proxies give the client's address (the rate limit's key), scheme, host and path prefix;
    PUBLIC_URL, when set, fixes scheme, host and prefix whatever the request says. Raises ValueError on bad values."""
    try:
        hops = int(config["PROXY_HOPS"])
    except (TypeError, ValueError):
        hops = -1
    if hops < 0:
        raise ValueError(f"setting PROXY_HOPS: {config['PROXY_HOPS']!r} is not a number of proxies (0 or more)")
    if config["PUBLIC_URL"]:
        wsgi_app = with_public_url(wsgi_app, str(config["PUBLIC_URL"]))
    if hops:
        wsgi_app = with_forwarded(ProxyFix(wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops,
                                           x_prefix=hops), hops)
    return wsgi_app


def with_public_url(wsgi_app, url: str):
    """Scheme, host and path prefix of every request taken from the public base URL."""
    parts = urlsplit(url)
    try:
        port = str(parts.port or (443 if parts.scheme == "https" else 80))
    except ValueError:  # not a port number
        port = ""
    if (parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc or not port
            or parts.query or parts.fragment):
        raise ValueError(f"setting PUBLIC_URL: {url!r} is not an http(s) base URL like https://example.org/twinning/")
    fixed = {"wsgi.url_scheme": parts.scheme, "HTTP_HOST": parts.netloc, "SERVER_NAME": parts.hostname,
             "SERVER_PORT": port, "SCRIPT_NAME": parts.path.rstrip("/")}

    def app(environ, start_response):
        environ.update(fixed)
        return wsgi_app(environ, start_response)

    return app


FORWARDED_PAIR = re.compile(r'\s*([^=;,\s]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;,\s]*)\s*([;,]?)')


X_FORWARDED = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PORT")


def with_forwarded(wsgi_app, hops: int):
    """The standard Forwarded header (RFC 7239): client address, scheme and host from the element the outermost
    trusted proxy added. Only for a request without X-Forwarded-For/-Proto/-Host/-Port: a proxy that sets those
    (nginx usually does) passes a client's own Forwarded header on unchanged, so it must not be believed."""

    def app(environ, start_response):
        if "HTTP_FORWARDED" in environ and not any(key in environ for key in X_FORWARDED):
            elements = forwarded_elements(environ["HTTP_FORWARDED"])
            element = elements[-hops] if len(elements) >= hops else {}
            if element.get("for"):
                environ["REMOTE_ADDR"] = element["for"]
            if element.get("proto"):
                environ["wsgi.url_scheme"] = element["proto"]
            if element.get("host"):
                environ["HTTP_HOST"] = element["host"]
        return wsgi_app(environ, start_response)

    return app


def forwarded_elements(header: str) -> list[dict]:
    """The elements of a Forwarded header, nearest proxy last, each as {parameter: value}; a `for` node without its
    port or IPv6 brackets (the rate limit keys on it).

    >>> forwarded_elements('for=192.0.2.60;proto=http;by=203.0.113.43, For="[2001:db8:cafe::17]:4711";host=a.org')
    [{'for': '192.0.2.60', 'proto': 'http', 'by': '203.0.113.43'}, {'for': '2001:db8:cafe::17', 'host': 'a.org'}]
    """
    elements, element = [], {}
    for match in FORWARDED_PAIR.finditer(header):
        name, value, separator = match.group(1).lower(), match.group(2), match.group(3)
        if value.startswith('"') and len(value) > 1:
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        if name == "for":
            value = value[1:].partition("]")[0] if value.startswith("[") else value.partition(":")[0]
        element[name] = value
        if separator != ";":
            elements.append(element)
            element = {}
    return elements if not element else [*elements, element]
