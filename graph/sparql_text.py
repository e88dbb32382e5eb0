"""Reading SPARQL text without a parser: where comments, IRIs and strings are, so that braces and keywords inside
them are not taken for syntax. Used where a query or update is rewritten or inspected as text."""
import re

# Comments, IRIs, strings and language tags, which may hide keywords and braces ("x"@from is no FROM clause).
OPAQUE = re.compile(r'#[^\n]*|<(?:[^<>"{}|^`\\\s]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>'
                    r'|\\[_~.\-!$&\'()*+,;=/?#@%]'  # an escape in a prefixed name, such as ex:a\#b
                    r'|"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
                    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
                    r'|@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*', re.DOTALL)


def keyword(word: str) -> re.Pattern:
    """A SPARQL keyword, not part of a name (ex:some-where, ?from, ex:derived-from)."""
    return re.compile(rf"(?<![\w:?$.-])({word})(?![\w:.-])", re.IGNORECASE)


def blanked(query: str, keep: str = "") -> str:
    """The query with comments, IRIs, strings and language tags replaced by spaces of the same length (positions
    are kept), except those starting with a character in `keep` ("<" keeps IRIs; "<\"'@\\" keeps all but
    comments)."""
    return OPAQUE.sub(lambda match: match.group() if match.group()[0] in keep else " " * len(match.group()), query)


def uncommented(query: str) -> str:
    """The query with only its comments blanked."""
    return blanked(query, keep="<\"'@\\")


DATASET_CLAUSE = keyword("FROM")
# A dataset clause from its FROM keyword: an IRI or a prefixed name (which may hold escapes such as \#).
DATASET_CLAUSE_TEXT = re.compile(r"FROM\s*(NAMED(?=[\s<])\s*)?(?:<[^>]*>|(?:[^\s{#\\]|\\.)+)", re.IGNORECASE)


def dataset_clauses(query: str) -> list[tuple[int, int, bool]]:
    """The query's own FROM and FROM NAMED clauses: start, end and whether NAMED (comments may come between)."""
    found, text = [], uncommented(query)
    for match in DATASET_CLAUSE.finditer(blanked(query)):
        clause = DATASET_CLAUSE_TEXT.match(text, match.start())
        if clause:
            found.append((clause.start(), clause.end(), clause.group(1) is not None))
    return found


def has_dataset_clause(query: str) -> bool:
    return bool(dataset_clauses(query))


PREFIX_DECLARATION = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)
CLAUSE_GRAPH = re.compile(r"FROM\s*(?:NAMED)?\s*(?:<([^>]*)>|([^\s{#]*))", re.IGNORECASE)


def dataset_iris(query: str) -> tuple[list[str], list[str]] | None:
    """The IRIs of the query's FROM and FROM NAMED clauses, in order; None if a prefixed name in one of them has no
    PREFIX declaration (the engine will say so)."""
    text = uncommented(query)
    prefixes = {prefix: namespace for prefix, namespace in PREFIX_DECLARATION.findall(blanked(query, keep="<"))}
    defaults, named = [], []
    for start, end, is_named in dataset_clauses(query):
        iri, prefixed = CLAUSE_GRAPH.match(text, start, end).groups()
        if iri is None:
            prefix, _, local = prefixed.partition(":")
            if prefix not in prefixes:
                return None
            iri = prefixes[prefix] + re.sub(r"\\(.)", r"\1", local)
        (named if is_named else defaults).append(iri)
    return defaults, named
