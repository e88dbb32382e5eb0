"""What the loaders produce: a set of statements, kept as their N-Quads text for the store's bulk loader.

It replaces an rdflib Dataset, whose indexes cost about ten microseconds a statement. A statement is keyed by its
N-Quads line, written as rdflib's N-Quads serializer writes it (so a release's digest does not depend on which of
the two wrote it): a plain string, cheap to hash, where rdflib terms hash in Python. The terms are kept beside it
for `quads(pattern)`, and indexed only when a derivation asks.
"""
from collections import defaultdict
from collections.abc import Iterable, Iterator

from rdflib import BNode, Literal

Quad = tuple  # (subject, predicate, object, graph), rdflib terms


def term_text(term) -> str:
    """A term in N-Quads: a literal escaped as rdflib's N-Quads serializer escapes it. IRIs are checked by the
    loaders (table.URL); one that N-Quads cannot hold would fail the store's bulk load."""
    if isinstance(term, Literal):
        text = '"' + str(term).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"').replace("\r", "\\r") \
            + '"'
        if term.language:
            return f"{text}@{term.language}"
        return f"{text}^^<{term.datatype}>" if term.datatype else text
    if isinstance(term, BNode):
        return f"_:{term}"
    return f"<{term}>"


class Quads:
    """Statements, each once, with the part of rdflib's Dataset interface the loaders and their readers use:
    `add((s, p, o, g))`, `quads(pattern)` and `len()`."""

    def __init__(self, quads: Iterable[Quad] = ()) -> None:
        # "subject predicate object graph" (an N-Quads line without its final " .") -> the terms
        self.statements: dict[str, Quad] = {}
        self._index: dict | None = None  # predicate IRI -> statements; built when asked
        self._subjects: dict = {}  # predicate IRI -> subject -> statements; built per predicate when asked
        for quad in quads:
            self.add(quad)

    def add(self, quad: Quad) -> None:
        s, p, o, g = quad
        self.statements[f"{term_text(s)} {term_text(p)} {term_text(o)} {term_text(g)}"] = quad
        self._index, self._subjects = None, {}

    def update(self, other: "Quads") -> None:
        """Add the statements of another Quads."""
        self.statements.update(other.statements)
        self._index, self._subjects = None, {}

    def __len__(self) -> int:
        return len(self.statements)

    def __iter__(self) -> Iterator[Quad]:
        return iter(self.statements.values())

    def quads(self, pattern: tuple = (None, None, None, None)) -> Iterator[Quad]:
        """The statements matching a pattern (None matches anything), as rdflib's Dataset.quads yields them."""
        subject, predicate, obj, graph = pattern
        if predicate is None:
            candidates = self.statements.values()
        else:
            # Keyed by plain strings: they compare in C, where rdflib terms compare in Python.
            if self._index is None:
                self._index = defaultdict(list)
                for quad in self.statements.values():
                    self._index[str(quad[1])].append(quad)
            candidates = self._index.get(str(predicate), ())
            if subject is not None:
                if str(predicate) not in self._subjects:
                    by_subject = self._subjects[str(predicate)] = defaultdict(list)
                    for quad in candidates:
                        by_subject[str(quad[0])].append(quad)
                candidates = self._subjects[str(predicate)].get(str(subject), ())
        for quad in candidates:
            if (subject is None or quad[0] == subject) and (obj is None or quad[2] == obj) and \
                    (graph is None or quad[3] == graph):
                yield quad

    def lines(self, drain: bool = False) -> Iterator[str]:
        """Each statement as an N-Quads line without its final " ." and newline. With `drain`, each statement is
        removed as it is handed on, so that the text and the statements are not both held."""
        if not drain:
            yield from self.statements
            return
        self._index, self._subjects = None, {}
        while self.statements:
            yield self.statements.popitem()[0]
        self.statements = {}  # the emptied table too
