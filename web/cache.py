"""The answer cache: small, complete answers kept in memory, keyed by the release they came from and the whole query
job (query text, dataset, substitutions, formats, row limit, base IRI).

A release never changes once built (graph/release.py), so the same job on the same release has the same answer.
Answers are looked up only under a release the request has just confirmed as current or kept, so an entry of a
dropped release is never served; entries of releases no longer kept are dropped when a new current release is seen.
Never stored: answers of queries that call NOW(), RAND(), UUID(), STRUUID(), BNODE() or an engine's own function
(a new value at every evaluation, or may be), SERVICE calls (another server's answer may change), errors, and
answers cut at the row limit.
"""
import hashlib
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


def strong_etag(format_name: str, body: bytes) -> str:
    return hashlib.sha256(format_name.encode() + b"\0" + body).hexdigest()[:32]


class AnswerCache:
    """A bounded, least-recently-used map from (release id, job) to a complete answer, shared by a process's
    threads. `capacity` bounds the bytes of all entries, `entry_limit` those of one; a capacity of 0 keeps none."""

    def __init__(self, capacity: int, entry_limit: int):
        self.capacity, self.entry_limit = capacity, min(entry_limit, capacity)
        self.entries: OrderedDict[tuple[str, bytes], Entry] = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()
        self.current: str | None = None  # the current release last seen
        self.hits = self.misses = 0

    @staticmethod
    def key(release_id: str, job: QueryJob) -> tuple[str, bytes]:
        return release_id, to_line(job)

    def get(self, key) -> Entry | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self.entries.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key, format_name: str, graph: bool, body: bytes) -> Entry:
        entry = Entry(format_name, graph, body, strong_etag(format_name, body))
        cost = len(body) + len(key[1])
        if cost > self.entry_limit:
            return entry
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= len(old.body) + len(key[1])
            self.entries[key] = entry
            self.size += cost
            while self.size > self.capacity:
                dropped_key, dropped = self.entries.popitem(last=False)
                self.size -= len(dropped.body) + len(dropped_key[1])
        return entry

    def saw_current(self, release_id: str, kept) -> None:
        """Note the current release; when it is a new one, drop the entries of releases not in `kept()` (ids)."""
        if release_id == self.current:
            return
        keep = set(kept()) | {release_id}
        with self.lock:
            self.current = release_id
            for key in [key for key in self.entries if key[0] not in keep]:
                self.size -= len(self.entries.pop(key).body) + len(key[1])
