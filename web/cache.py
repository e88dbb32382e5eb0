"""The answer cache: small, complete answers kept in memory, keyed by the release they came from and the whole query
job (query text, dataset, substitutions, formats, row limit, base IRI).

A release never changes once built (graph/release.py), so the same job on the same release has the same answer.
Answers are looked up only under a release the request has just confirmed as current or kept, so an entry of a
dropped release is never served; entries of releases no longer kept are dropped when a new current release is seen.
Never stored: answers of queries that call NOW(), RAND(), UUID(), STRUUID(), BNODE() or an engine's own function
(a new value at every evaluation, or may be), SERVICE calls (another server's answer may change), errors, and
answers cut at the row limit.

On the embedded store, the whole response to a GET that was answered from (or into) the cache is kept too, keyed by
the release and the request as it came (path, query string, every header), and replayed byte for byte before Flask
dispatches a request: the same request on the same release gets the same response (replaying()).
"""
import hashlib
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass

from graph.jobs import QueryJob, to_line
from graph.sparql_lexer import scan

VOLATILE = frozenset({"NOW", "RAND", "UUID", "STRUUID", "BNODE"})
XSD = "http://www.w3.org/2001/XMLSchema#"


def cacheable(job: QueryJob) -> bool:
    """Whether a job's answer is a function of its release alone: no volatile function, no SERVICE call, and no call
    of an engine's own function (Virtuoso's bif:rnd, say), which may be volatile; XSD casts are not."""
    reading = scan(job.query)
    if reading.calls or any(token.word() in VOLATILE for token in reading.tokens):
        return False
    for token, following in zip(reading.tokens, reading.tokens[1:]):
        if token.kind in ("iri", "pname") and following.text == "(":
            function = reading.iri_of(token)
            if not (function and function.startswith(XSD)):
                return False  # also a collection after a predicate, "ex:p (1 2)": only a chance missed
    return True


@dataclass(frozen=True)
class Entry:
    format: str
    graph: bool
    body: bytes
    etag: str  # strong: a digest of the bytes and their format


@dataclass(frozen=True)
class Replay:
    """A whole response as the application sent it, to send again for the same request on the same release."""
    status: str
    headers: list[tuple[str, str]]
    body: bytes


def cost(key: tuple[str, bytes], value: Entry | Replay) -> int:
    """The bytes an entry holds: its body and its key (a job's line or a request's signature), and a replay's head."""
    head = sum(len(name) + len(text) for name, text in value.headers) if isinstance(value, Replay) else 0
    return len(value.body) + len(key[1]) + head


def strong_etag(format_name: str, body: bytes) -> str:
    return hashlib.sha256(format_name.encode() + b"\0" + body).hexdigest()[:32]


class AnswerCache:
    """A bounded, least-recently-used map from (release id, job) to a complete answer, shared by a process's
    threads. `capacity` bounds the bytes of all entries, `entry_limit` those of one; a capacity of 0 keeps none."""

    def __init__(self, capacity: int, entry_limit: int):
        self.capacity, self.entry_limit = capacity, min(entry_limit, capacity)
        # (release id, a job's line) -> Entry; (release id, a request's signature) -> Replay
        self.entries: OrderedDict[tuple[str, bytes], Entry | Replay] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()
        self.current: str | None = None  # the current release last seen

    @staticmethod
    def key(release_id: str, job: QueryJob) -> tuple[str, bytes]:
        return release_id, to_line(job)

    def get(self, key) -> Entry | Replay | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def put(self, key, format_name: str, graph: bool, body: bytes) -> Entry:
        entry = Entry(format_name, graph, body, strong_etag(format_name, body))
        self.keep(key, entry)
        return entry

    def keep(self, key, value: Entry | Replay) -> None:
        """Keep a value (unless it passes the entry limit), dropping the least recently used beyond the capacity."""
        if cost(key, value) > self.entry_limit:
            return
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= cost(key, old)
            self.entries[key] = value
            self.size += cost(key, value)
            while self.size > self.capacity:
                self.size -= cost(*self.entries.popitem(last=False))

    def saw_current(self, release_id: str, kept) -> None:
        """Note the current release; when it is a new one, drop the entries of releases not in `kept()` (ids)."""
        if release_id == self.current:
            return
        keep = set(kept()) | {release_id}
        with self.lock:
            self.current = release_id
            for key in [key for key in self.entries if key[0] not in keep]:
                self.size -= cost(key, self.entries.pop(key))


# A request with any of these is not replayed: its answer depends on more than the release (a conditional request's
# status, a write's authority), and the application answers it.
NOT_REPLAYED = frozenset({"HTTP_IF_NONE_MATCH", "HTTP_IF_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE",
                          "HTTP_IF_RANGE", "HTTP_RANGE", "HTTP_AUTHORIZATION", "HTTP_COOKIE"})
# Headers no answer depends on: the connection's, and who the client is (the rate limit reads REMOTE_ADDR, which
# web/address.py has already set from the trusted proxies' headers), so clients behind one proxy share replays.
UNHEARD = frozenset({"HTTP_CONNECTION", "HTTP_KEEP_ALIVE", "HTTP_X_FORWARDED_FOR", "HTTP_X_REAL_IP",
                     "HTTP_USER_AGENT", "HTTP_REFERER"})


def signature(environ) -> bytes | None:
    """The request as it came, every part an answer may depend on (path, query string, host, scheme, body headers
    and every header but UNHEARD), unambiguously encoded; None for a request never replayed."""
    if environ.get("REQUEST_METHOD") != "GET" or not NOT_REPLAYED.isdisjoint(environ):
        return None
    parts = [environ.get(name, "") for name in ("wsgi.url_scheme", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME",
                                                 "PATH_INFO", "QUERY_STRING", "CONTENT_TYPE", "CONTENT_LENGTH")]
    parts += sorted([name, value] for name, value in environ.items()
                    if name.startswith("HTTP_") and name not in UNHEARD)
    return json.dumps(parts).encode()


def replaying(wsgi_app, cache: AnswerCache, backend, rate):
    """WSGI middleware: a GET whose whole response the cache holds for the current release is answered with it,
    before Flask dispatches the request (the rate limit still counts it); any other is the application's, and a
    response it gave from or into the answer cache (X-Twinning-Cache: hit or miss) is kept for the next time.

    Only on the embedded store, where the current release is one link away; a remote engine is asked which release
    it holds at each hit (web/answers.py), which the application does."""
    if not cache.capacity or backend.kind != "embedded":
        return wsgi_app

    def app(environ, start_response):
        request = signature(environ)
        release = backend.current() if request is not None else None
        if release is None:
            return wsgi_app(environ, start_response)
        replay = cache.get((release.id, request))
        if replay is not None and rate.wait_needed(environ.get("REMOTE_ADDR") or "") == 0:
            start_response(replay.status, list(replay.headers))
            return [replay.body]
        head = {}

        def keep_head(status, headers, exc_info=None):
            head.update(status=status, headers=headers)
            return start_response(status, headers, exc_info)

        body = wsgi_app(environ, keep_head)
        headers = dict(head.get("headers", ()))
        if (not head.get("status", "").startswith("200 ") or headers.get("X-Twinning-Cache") not in ("hit", "miss")
                or headers.get("X-Twinning-Release") != release.id):  # a pinned release's, or one switched since
            return body
        try:  # an answer of the cache: small, and already whole in memory
            whole = b"".join(body)
        finally:
            getattr(body, "close", lambda: None)()
        replayed = [(name, "hit" if name == "X-Twinning-Cache" else text) for name, text in head["headers"]]
        cache.keep((release.id, request), Replay(head["status"], replayed, whole))
        return [whole]

    return app
