"""What the loaders produce: a set of statements that turns into N-Quads text for the store's bulk loader.

It replaces an rdflib Dataset, whose indexes cost about ten microseconds a statement: statements are kept as
plain tuples of rdflib terms, each once, and indexed only when a derivation asks (`quads` with a pattern). The
text is written the way rdflib's N-Quads serializer writes it, so a release's digest does not depend on which of
the two wrote it.
"""
from collections import defaultdict
from collections.abc import Iterable, Iterator

from rdflib import Literal, URIRef

Quad = tuple  # (subject, predicate, object, graph), rdflib terms


def literal_text(value: Literal) -> str:
    """A literal in N-Quads, escaped as rdflib's N-Quads serializer escapes it."""
    text = '"' + str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"').replace("\r", "\\r") + '"'
    if value.language:
        return f"{text}@{value.language}"
    if value.datatype:
        return f"{text}^^<{value.datatype}>"
    return text


class Quads:
    """Statements, each once, with the part of rdflib's Dataset interface the loaders and their readers use:
    `add((s, p, o, g))`, `quads(pattern)` and `len()`."""

    def __init__(self, quads: Iterable[Quad] = ()) -> None:
        self.statements: dict[Quad, None] = dict.fromkeys(quads)  # ordered, so every run gives the same output
        self._index: dict | None = None  # predicate, and (subject, predicate) -> statements; built when asked

    def add(self, quad: Quad) -> None:
        self.statements[quad] = None
        self._index = None

    def update(self, other: "Quads") -> None:
        self.statements.update(other.statements)
        self._index = None

    def __len__(self) -> int:
        return len(self.statements)

    def __iter__(self) -> Iterator[Quad]:
        return iter(self.statements)

    def quads(self, pattern: tuple = (None, None, None, None)) -> Iterator[Quad]:
        """The statements matching a pattern (None matches anything), as rdflib's Dataset.quads yields them."""
        subject, predicate, obj, graph = pattern
        if predicate is None:
            candidates = self.statements
        else:
            if self._index is None:
                self._index = defaultdict(list)
                for quad in self.statements:
                    self._index[quad[1]].append(quad)
                    self._index[quad[0], quad[1]].append(quad)
            candidates = self._index.get(predicate if subject is None else (subject, predicate), ())
        for quad in candidates:
            if (subject is None or quad[0] == subject) and (obj is None or quad[2] == obj) and \
                    (graph is None or quad[3] == graph):
                yield quad

    def lines(self, drain: bool = False) -> Iterator[tuple[str, str]]:
        """Each statement as (triple text, graph IRI text), N-Quads terms without the final " .". With `drain`,
        each statement is removed as it is written, so that the text and the statements are not both held."""
        iris: dict[URIRef, str] = {}

        def text(term) -> str:
            if isinstance(term, Literal):
                return literal_text(term)
            found = iris.get(term)
            if found is None:
                found = iris[term] = term.n3()  # n3() refuses an IRI that N-Quads cannot hold
            return found

        if drain:
            self._index = None
            while self.statements:
                s, p, o, g = self.statements.popitem()[0]
                yield f"{text(s)} {text(p)} {text(o)}", text(g)
        else:
            for s, p, o, g in self.statements:
                yield f"{text(s)} {text(p)} {text(o)}", text(g)
