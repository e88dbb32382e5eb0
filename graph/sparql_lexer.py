"""The one reader of SPARQL text: a query or update is tokenized once and read into a `Reading` that says what every
caller needs (its form, prologue, dataset clauses, WHERE group, final LIMIT, where USING clauses go, variables,
SERVICE and LOAD targets), with positions into the text, so that rewrites are edits of the text as written.

It is a lexer with a little bracket counting, not a parser: it does not check the grammar (pyoxigraph or the engine
does that and gives the better message). What it guarantees is that text inside strings, IRIs and comments is never
taken for syntax. Rewriting code applies its edits with `edited`, all from one reading.
"""
import functools
import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple
from urllib.parse import urljoin

# SPARQL 1.1 Query, section 19.8 (grammar terminals), with \w standing in for the Unicode ranges of PN_CHARS.
_ESCAPE = r"\\[_~.\-!$&'()*+,;=/?#@%]"  # an escape in a prefixed name's local part, such as ex:a\#b
_LOCAL_CHAR = rf"(?:[\w:\-\u00B7]|%[0-9A-Fa-f]{{2}}|{_ESCAPE})"
_PREFIX = r"[^\W\d_](?:[\w.\-\u00B7]*[\w\-\u00B7])?"
TOKEN = re.compile(rf"""
    (?P<space>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<iri><(?:[^<>"{{}}|^`\\\x00-\x20]|\\u[0-9A-Fa-f]{{4}}|\\U[0-9A-Fa-f]{{8}})*>)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
               |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
  | (?P<langtag>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*)
  | (?P<var>[?$]\w[\w\u00B7]*)
  | (?P<bnode>_:\w(?:[\w.\-\u00B7]*[\w\-\u00B7])?)
  | (?P<pname>(?:{_PREFIX})?:(?:{_LOCAL_CHAR}(?:(?:{_LOCAL_CHAR}|\.)*{_LOCAL_CHAR})?)?)
  | (?P<number>[0-9]+\.[0-9]*[eE][+-]?[0-9]+|\.?[0-9]+[eE][+-]?[0-9]+|[0-9]*\.[0-9]+|[0-9]+)
  | (?P<name>[^\W\d]\w*)
  | (?P<punct>\^\^|&&|\|\||!=|<=|>=|[{{}}()\[\];,.*/+\-!=<>|^?])
  | (?P<unreadable>.)
""", re.VERBOSE | re.DOTALL)

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE = "UPDATE"  # the form of an update request
UPDATE_WORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
SOLUTION_MODIFIERS = {"GROUP", "HAVING", "ORDER", "LIMIT", "OFFSET", "VALUES"}
TERMS = ("iri", "pname")


class Token(NamedTuple):
    kind: str  # a group name of TOKEN, other than space and comment
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    def word(self) -> str:
        """The keyword this token is (upper case), or ""."""
        return self.text.upper() if self.kind == "name" else ""


class DatasetClause(NamedTuple):
    start: int  # of FROM
    end: int  # of the graph's IRI or prefixed name
    named: bool
    iri: str | None  # None for a prefixed name without a PREFIX declaration


class Call(NamedTuple):
    """A SERVICE or LOAD: from its keyword to the end of the call (SERVICE: its group's closing brace; LOAD: its
    INTO GRAPH target if any); end is None for a SERVICE whose group does not close."""
    kind: str  # "SERVICE" or "LOAD"
    silent: bool
    start: int
    end: int | None
    iri: str | None  # None for a variable, or a prefixed name without a PREFIX declaration


@dataclass(frozen=True)
class Reading:
    """What one scan of a query or update found. Positions are indices into `text`."""

    text: str
    tokens: tuple[Token, ...]  # without spaces and comments
    form: str | None  # one of QUERY_FORMS, UPDATE, or None when the text has none
    problem: str | None  # why the text cannot be a query or update, with its line and column; None if none is seen
    base: str | None
    prefixes: MappingProxyType  # prefix -> namespace, as declared (a later declaration wins)
    dataset: tuple[DatasetClause, ...]
    dataset_at: int | None  # where dataset clauses go: before WHERE or its group, or after DESCRIBE's terms
    where: tuple[int, int] | None  # the WHERE group's opening and closing braces; None if it has none or is unclosed
    limit: int | None  # the outermost LIMIT
    using_at: tuple[int, ...]  # in an update: each WHERE of a DELETE/INSERT operation, where USING clauses go
    own_dataset: str  # in an update: "USING" or "WITH" if it has its own dataset clause (the first), else ""
    has_graph: bool  # the keyword GRAPH occurs
    variables: frozenset[str]  # names without ? or $
    calls: tuple[Call, ...]

    def iri_of(self, token: Token) -> str | None:
        """The IRI an IRI or prefixed-name token stands for (relative IRIs resolved against the query's BASE), or
        None for a prefix the text does not declare. Prefixes declared after the token also count: SPARQL allows
        none there, and the engine reports that."""
        return resolve(token, self.prefixes, self.base)


def line_column(text: str, at: int) -> str:
    """line:column (from 1) of a position, as parsers report them."""
    return f"{text.count(chr(10), 0, at) + 1}:{at - text.rfind(chr(10), 0, at)}"


def resolve(token: Token, prefixes, base: str | None) -> str | None:
    if token.kind == "iri":
        iri = re.sub(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})", lambda m: chr(int(m.group(1) or m.group(2), 16)),
                     token.text[1:-1])
        return urljoin(base, iri) if base else iri
    prefix, _, local = token.text.partition(":")
    if prefix not in prefixes:
        return None
    return prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)


def tokenize(text: str) -> tuple[list[Token], int | None]:
    """The tokens other than spaces and comments, and the position of the first character that starts no token."""
    tokens, unreadable = [], None
    for match in TOKEN.finditer(text):
        kind = match.lastgroup
        if kind == "unreadable":
            unreadable = match.start() if unreadable is None else unreadable
        elif kind not in ("space", "comment"):
            tokens.append(Token(kind, match.group(), match.start()))
    return tokens, unreadable


@functools.lru_cache(maxsize=32)  # a query is read by several callers on its way (worker, remote backend)
def scan(text: str) -> Reading:
    """Read a query or update. Never raises: what cannot be read is said in `problem`."""
    tokens, unreadable = tokenize(text)
    found = {"form": None, "base": None, "prefixes": {}, "dataset": [], "dataset_at": None, "where": None,
             "limit": None, "using_at": [], "own_dataset": "", "calls": []}
    closing = closing_braces(tokens)
    problem = None
    if unreadable is not None:
        problem = f"unexpected {text[unreadable]!r} at {line_column(text, unreadable)}"
    index = prologue(tokens, 0, found)
    first = tokens[index] if index < len(tokens) else None
    if first is not None and first.word() in QUERY_FORMS:
        found["form"] = first.word()
        read_query(tokens, index, closing, found)
    elif first is not None and first.word() in UPDATE_WORDS:
        found["form"] = UPDATE
        read_update(tokens, index, found)
    elif problem is None:
        what = f"found {first.text!r} at {line_column(text, first.start)}" if first else "found nothing"
        problem = f"expected SELECT, ASK, CONSTRUCT, DESCRIBE or an update operation; {what}"
    read_calls(tokens, closing, found)
    return Reading(
        text=text, tokens=tuple(tokens), form=found["form"], problem=problem, base=found["base"],
        prefixes=MappingProxyType(found["prefixes"]), dataset=tuple(found["dataset"]),
        dataset_at=found["dataset_at"], where=found["where"], limit=found["limit"],
        using_at=tuple(found["using_at"]), own_dataset=found["own_dataset"],
        has_graph=any(token.word() == "GRAPH" for token in tokens),
        variables=frozenset(token.text[1:] for token in tokens if token.kind == "var"), calls=tuple(found["calls"]))


def closing_braces(tokens: list[Token]) -> dict[int, int]:
    """For each opening brace (by token index), the index of the brace that closes it; unclosed ones are absent."""
    opened, closing = [], {}
    for index, token in enumerate(tokens):
        if token.text == "{" and token.kind == "punct":
            opened.append(index)
        elif token.text == "}" and token.kind == "punct" and opened:
            closing[opened.pop()] = index
    return closing


def prologue(tokens: list[Token], index: int, found: dict) -> int:
    """Read BASE and PREFIX declarations from `index`; the index of the first token after them."""
    while index < len(tokens):
        word = tokens[index].word()
        following = tokens[index + 1:index + 3]
        if word == "BASE" and following and following[0].kind == "iri":
            found["base"] = resolve(following[0], {}, found["base"])
            index += 2
        elif (word == "PREFIX" and len(following) == 2 and following[0].kind == "pname"
              and following[0].text.endswith(":") and following[1].kind == "iri"):
            found["prefixes"][following[0].text[:-1]] = resolve(following[1], {}, found["base"])
            index += 3
        else:
            return index
    return index


def read_query(tokens: list[Token], index: int, closing: dict[int, int], found: dict) -> None:
    """The dataset clauses, WHERE group and final LIMIT of a query whose form keyword is at `index`."""
    form = tokens[index].word()
    index += 1
    if form == "CONSTRUCT" and index < len(tokens) and tokens[index].text == "{":
        if index not in closing:
            return
        index = closing[index] + 1  # past the template
    depth = 0  # of parentheses: `SELECT (EXISTS { ... } AS ?e)` holds no WHERE group
    last = tokens[index - 1]
    while index < len(tokens):
        token = tokens[index]
        word = token.word()
        if token.kind == "punct" and token.text in "()":
            depth += 1 if token.text == "(" else -1
        elif depth == 0 and word == "FROM":
            index = dataset_clause(tokens, index, found)
            last = tokens[index - 1]
            continue
        elif depth == 0 and token.text == "{" and token.kind == "punct":
            previous = tokens[index - 1]
            found["dataset_at"] = previous.start if previous.word() == "WHERE" else token.start
            if index in closing:
                found["where"] = (token.start, tokens[closing[index]].start)
                read_modifiers(tokens, closing[index] + 1, found)
            return
        elif depth == 0 and word in SOLUTION_MODIFIERS:
            break  # no WHERE group (DESCRIBE <iri>)
        if word != "WHERE":
            last = token
        index += 1
    found["dataset_at"] = last.end  # after the last term of the query proper
    read_modifiers(tokens, index, found)


def dataset_clause(tokens: list[Token], index: int, found: dict) -> int:
    """Read a FROM [NAMED] clause at `index`; the index after it."""
    start = tokens[index].start
    named = index + 1 < len(tokens) and tokens[index + 1].word() == "NAMED"
    target = index + 2 if named else index + 1
    if target < len(tokens) and tokens[target].kind in TERMS:
        token = tokens[target]
        found["dataset"].append(DatasetClause(start, token.end, named, resolve(token, found["prefixes"],
                                                                               found["base"])))
        return target + 1
    return index + 1


def read_modifiers(tokens: list[Token], index: int, found: dict) -> None:
    """The outermost LIMIT, among the solution modifiers after the WHERE group (a trailing VALUES block is skipped)."""
    depth = 0
    for at in range(index, len(tokens) - 1):
        text = tokens[at].text
        depth += {"{": 1, "}": -1}.get(text, 0) if tokens[at].kind == "punct" else 0
        if depth == 0 and tokens[at].word() == "LIMIT" and re.fullmatch("[0-9]+", tokens[at + 1].text):
            found["limit"] = int(tokens[at + 1].text)


def read_update(tokens: list[Token], index: int, found: dict) -> None:
    """Where USING clauses go in an update (before the WHERE of each DELETE/INSERT operation, not after DELETE as in
    DELETE WHERE), whether it has its own USING or WITH, and the prologues of its later operations."""
    depth, previous = 0, None
    while index < len(tokens):
        token = tokens[index]
        if token.kind == "punct" and token.text == "{":
            if depth == 0:
                previous = "{"  # a template: a WHERE after it belongs to DELETE/INSERT {…} WHERE
            depth += 1
        elif token.kind == "punct" and token.text == "}":
            depth -= 1
        elif depth == 0 and token.kind == "name":
            word = token.word()
            if word in ("BASE", "PREFIX"):
                index = prologue(tokens, index, found)
                continue
            if word in ("USING", "WITH") and not found["own_dataset"]:
                found["own_dataset"] = word
            if word == "WHERE" and previous != "DELETE":
                found["using_at"].append(token.start)
            previous = word
        index += 1


def read_calls(tokens: list[Token], closing: dict[int, int], found: dict) -> None:
    """SERVICE [SILENT] target { … } and LOAD [SILENT] iri [INTO GRAPH iri]."""
    for index, token in enumerate(tokens):
        word = token.word()
        if word not in ("SERVICE", "LOAD"):
            continue
        at = index + 1
        silent = at < len(tokens) and tokens[at].word() == "SILENT"
        at += silent
        if at >= len(tokens) or tokens[at].kind not in (*TERMS, "var"):
            continue
        target = tokens[at]
        iri = None if target.kind == "var" else resolve(target, found["prefixes"], found["base"])
        end: int | None = target.end
        if word == "SERVICE":
            group = at + 1
            end = tokens[closing[group]].end if group < len(tokens) and group in closing else None
        elif [t.word() for t in tokens[at + 1:at + 3]] == ["INTO", "GRAPH"] and at + 3 < len(tokens):
            end = tokens[at + 3].end
        found["calls"].append(Call(word, silent, token.start, end, iri))


def edited(text: str, edits: list[tuple[int, int, str]]) -> str:
    """The text with each (start, end, replacement) applied; the edits are positions in `text` and must not overlap
    (insertions at one position keep their order)."""
    pieces, at = [], 0
    for start, end, replacement in sorted(edits, key=lambda edit: (edit[0], edit[1])):
        if start < at:
            raise ValueError(f"overlapping edits at {start}")
        pieces += [text[at:start], replacement]
        at = end
    return "".join(pieces) + text[at:]
