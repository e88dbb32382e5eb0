"""Reading SPARQL text without a parser: where comments, IRIs and strings are, so that braces and keywords inside
them are not taken for syntax. Used where a query or update is rewritten or inspected as text."""
import re

# Comments, IRIs and strings, which may hide keywords and braces.
OPAQUE = re.compile(r'#[^\n]*|<(?:[^<>"{}|^`\\\s]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8})*>'
                    r'|\\[_~.\-!$&\'()*+,;=/?#@%]'  # an escape in a prefixed name, such as ex:a\#b
                    r'|"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
                    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'', re.DOTALL)


def keyword(word: str) -> re.Pattern:
    """A SPARQL keyword, not part of a name (ex:some-where, ?from, ex:derived-from)."""
    return re.compile(rf"(?<![\w:?$.-])({word})(?![\w:.-])", re.IGNORECASE)


def blanked(query: str) -> str:
    """The query with comments, IRIs and strings replaced by spaces of the same length (positions are kept)."""
    return OPAQUE.sub(lambda match: " " * len(match.group()), query)
