"""What the loaders produce: a set of statements, kept as their N-Quads text for the store's bulk loader.

It replaces an rdflib Dataset, whose indexes cost about ten microseconds a statement. A statement is kept as its
N-Quads line alone, written as rdflib's N-Quads serializer writes it (so a release's digest does not depend on which
of the two wrote it): a plain string, cheap to hash, where rdflib terms hash in Python, and about half the memory of
the line kept with its terms (374 against 676 MB for a million). The terms are read back from the line for
`quads(pattern)`, which derivations ask of a few predicates; the lines are indexed only when they ask.
"""
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator

from rdflib import BNode, Literal, URIRef

Quad = tuple  # (subject, predicate, object, graph), rdflib terms


def term_text(term) -> str:
    """A term in N-Quads: a literal escaped as rdflib's N-Quads serializer escapes it. IRIs are checked by the
    loaders (table.URL); one that N-Quads cannot hold would fail the store's bulk load."""
    kind = type(term)  # the exact types first: isinstance on rdflib's terms goes through their abstract base class
    if kind is URIRef:
        return f"<{term}>"
    if kind is Literal or isinstance(term, Literal):
        text = '"' + str(term).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"').replace("\r", "\\r") \
            + '"'
        if term.language:
            return f"{text}@{term.language}"
        return f"{text}^^<{term.datatype}>" if term.datatype else text
    if isinstance(term, BNode):
        return f"_:{term}"
    return f"<{term}>"


ESCAPES = {"\\": "\\", "n": "\n", '"': '"', "r": "\r"}


def text_term(text: str):
    """The rdflib term of a term's N-Quads text as `term_text` writes it."""
    if text[0] == "<":
        return URIRef(text[1:-1])
    if text[0] == "_":
        return BNode(text[2:])
    end = text.rindex('"')  # what follows the closing quote (a language tag or a datatype IRI) holds none
    value = re.sub(r"\\(.)", lambda escape: ESCAPES[escape.group(1)], text[1:end])
    if text[end + 1:end + 2] == "@":
        return Literal(value, lang=text[end + 2:])
    return Literal(value, datatype=URIRef(text[end + 4:-1])) if text[end + 1:] else Literal(value)


def statement(line: str) -> Quad:
    """The terms of a line: subject and predicate hold no space, nor does the graph name, the last term."""
    subject, predicate, rest = line.split(" ", 2)
    obj, graph = rest.rsplit(" ", 1)
    return text_term(subject), text_term(predicate), text_term(obj), text_term(graph)


class Quads:
    """Statements, each once, with the part of rdflib's Dataset interface the loaders and their readers use:
    `add((s, p, o, g))`, `quads(pattern)` and `len()`."""

    def __init__(self, quads: Iterable[Quad] = ()) -> None:
        # "subject predicate object graph": N-Quads lines without their final " ." (a dict keeps them in order)
        self.statements: dict[str, None] = {}
        self._index: dict | None = None  # predicate text -> lines; built when asked
        self._subjects: dict = {}  # predicate text -> subject text -> lines; built per predicate when asked
        for quad in quads:
            self.add(quad)

    def add(self, quad: Quad) -> None:
        s, p, o, g = quad
        self.statements[f"{term_text(s)} {term_text(p)} {term_text(o)} {term_text(g)}"] = None
        self._index, self._subjects = None, {}

    def update(self, other: "Quads") -> None:
        """Add the statements of another Quads."""
        self.statements.update(other.statements)
        self._index, self._subjects = None, {}

    def __len__(self) -> int:
        return len(self.statements)

    def __iter__(self) -> Iterator[Quad]:
        return map(statement, self.statements)

    def quads(self, pattern: tuple = (None, None, None, None)) -> Iterator[Quad]:
        """The statements matching a pattern (None matches anything), as rdflib's Dataset.quads yields them."""
        subject, predicate, obj, graph = pattern
        if predicate is None:
            candidates = self.statements
        else:
            # Keyed by the terms' text: plain strings compare in C, where rdflib terms compare in Python.
            if self._index is None:
                self._index = defaultdict(list)
                for line in self.statements:
                    self._index[line.split(" ", 2)[1]].append(line)
            key = term_text(predicate)
            candidates = self._index.get(key, ())
            if subject is not None:
                if key not in self._subjects:
                    by_subject = self._subjects[key] = defaultdict(list)
                    for line in candidates:
                        by_subject[line.split(" ", 1)[0]].append(line)
                candidates = self._subjects[key].get(term_text(subject), ())
        for line in candidates:
            quad = statement(line)
            if (subject is None or quad[0] == subject) and (obj is None or quad[2] == obj) and \
                    (graph is None or quad[3] == graph):
                yield quad

    def lines(self, drain: bool = False) -> Iterator[str]:
        """Each statement as an N-Quads line without its final " ." and newline. With `drain`, each statement is
        removed as it is handed on, so that the text is not held twice."""
        if not drain:
            yield from self.statements
            return
        self._index, self._subjects = None, {}
        while self.statements:
            yield self.statements.popitem()[0]
        self.statements = {}  # the emptied table too
