"""Outgoing requests a query or update would make (SERVICE, LOAD), checked against an allow-list.

pyoxigraph follows SERVICE and LOAD IRIs over HTTP, so an open endpoint could be used to reach hosts behind its
firewall (server-side request forgery). The targets are read from rdflib's parse of the text, which resolves
prefixed names; a text that mentions SERVICE or LOAD but cannot be parsed that way is refused.

A SILENT call to a refused host is no error: it is replaced, before the text runs, by what the specifications say a
failed SILENT call yields, so nothing is fetched. SERVICE SILENT gives one solution with no bindings (SPARQL 1.1
Federated Query, section 4): an empty group `{}`. LOAD SILENT changes nothing and succeeds (SPARQL 1.1 Update,
section 3.1.4): `INSERT DATA {}`.
"""
import re
from urllib.parse import urlsplit

from rdflib.plugins.sparql.algebra import translateQuery, translateUpdate, traverse
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.term import URIRef

from .sparql_text import blanked, keyword, uncommented

MENTION = re.compile(r"(?i)\b(service|load)\b")
SILENT_CALL = keyword(r"SERVICE\s+SILENT|LOAD\s+SILENT")
PREFIX_DECLARATION = re.compile(r"PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^<>\s]*)>", re.IGNORECASE)
# The target of a call: an IRI or a prefixed name (whose local part may hold escapes such as \#).
NAME = r"(?:<[^<>\s]*>|(?:[A-Za-z][\w.-]*)?:(?:[\w\-:%]|\\.|\.(?=[\w\-:%\\]))*)"
TARGET = re.compile(rf"\s*({NAME})")
INTO_GRAPH = re.compile(rf"\s*INTO\s+GRAPH\s*{NAME}", re.IGNORECASE)


class OutgoingRefused(Exception):
    """A SERVICE or LOAD target that is not on the allow-list (or cannot be known before running)."""


def outgoing_calls(text: str, update: bool = False) -> tuple[list[tuple[str, str, bool]], int]:
    """The calls the text would make: SERVICE or LOAD, the IRI called and whether the call is SILENT; and (for an
    update) how many operations it has. Raises OutgoingRefused when the targets cannot be determined."""
    if not MENTION.search(text):
        return [], 0
    try:
        parsed = translateUpdate(parseUpdate(text)) if update else translateQuery(parseQuery(text))
    except Exception:  # noqa: BLE001 - rdflib's parser is stricter than pyoxigraph's: refuse rather than guess
        raise OutgoingRefused("the SERVICE or LOAD targets of this request could not be determined") from None
    calls: list = []

    def visit(node):
        name = getattr(node, "name", None)
        if name == "ServiceGraphPattern":
            calls.append(("SERVICE", node.term, "silent" in node))
        elif name == "Load":
            calls.append(("LOAD", node.get("iri"), "silent" in node))

    roots = parsed.algebra if update else [parsed.algebra]
    for root in roots:
        traverse(root, visitPre=visit)
    if any(not isinstance(target, URIRef) for _, target, _ in calls):
        raise OutgoingRefused("a SERVICE whose endpoint is a variable cannot be checked and is refused")
    return [(kind, str(target), silent) for kind, target, silent in calls], len(roots) if update else 0


def allowed(target: str, allowed_hosts: list[str]) -> bool:
    return (urlsplit(target).hostname or "") in allowed_hosts


def refusal(target: str) -> OutgoingRefused:
    host = urlsplit(target).hostname
    return OutgoingRefused(f"outgoing request to {target} refused: host {host or '(none)'} is not on the allow-list "
                           "(setting SERVICE_ALLOWLIST)")


def check_outgoing(text: str, allowed_hosts: list[str], update: bool = False) -> str:
    """The text to run: as given when every SERVICE/LOAD target's host is on the allow-list, else with each SILENT
    call to a refused host replaced by its failed result; "" for an update left with nothing to do. Raises
    OutgoingRefused for a refused call without SILENT."""
    calls, operations = outgoing_calls(text, update)
    refused = [(kind, target, silent) for kind, target, silent in calls if not allowed(target, allowed_hosts)]
    if not refused:
        return text
    for _, target, silent in refused:
        if not silent:
            raise refusal(target)
    if update and sum(1 for kind, _, _ in refused if kind == "LOAD") == operations:
        return ""  # each operation is a LOAD SILENT of a refused host: nothing to do
    rewritten = silenced(text, {target for _, target, _ in refused})
    for _, target, _ in outgoing_calls(rewritten, update)[0]:  # a call the text reading missed is refused, not run
        if not allowed(target, allowed_hosts):
            raise refusal(target)
    return rewritten


def silent_calls(text: str) -> list[tuple[str, int, int, str | None]]:
    """The SILENT calls in the text as written: keyword, where the call starts, where its target ends, and the
    target's IRI (None for a prefixed name without a PREFIX declaration)."""
    code = uncommented(text)
    prefixes = dict(PREFIX_DECLARATION.findall(blanked(text, keep="<")))
    found = []
    for match in SILENT_CALL.finditer(blanked(text)):
        target = TARGET.match(code, match.end())
        if target is None:
            continue
        name = target.group(1)
        if name.startswith("<"):
            iri = name[1:-1]
        else:
            prefix, _, local = name.partition(":")
            iri = prefixes[prefix] + re.sub(r"\\(.)", r"\1", local) if prefix in prefixes else None
        found.append((match.group(1).split()[0].upper(), match.start(), target.end(), iri))
    return found


def silenced(text: str, refused: set[str]) -> str:
    """The text with each SILENT call to one of the `refused` IRIs replaced by the result of a failed call."""
    code, plain = blanked(text), uncommented(text)  # positions before a replaced call stay valid: last first
    for word, start, end, iri in reversed(silent_calls(text)):
        if iri not in refused:
            continue
        if word == "LOAD":
            into = INTO_GRAPH.match(plain, end)
            text = text[:start] + "INSERT DATA {}" + text[into.end() if into else end:]
        else:
            opening = code.find("{", end)
            closing = matching_brace(code, opening)
            if closing > 0:
                text = text[:start] + "{}" + text[closing + 1:]
    return text


def matching_brace(code: str, opening: int) -> int:
    """The position of the brace closing the one at `opening` in blanked text, or -1."""
    if opening < 0:
        return -1
    depth = 0
    for position in range(opening, len(code)):
        depth += {"{": 1, "}": -1}.get(code[position], 0)
        if depth == 0:
            return position
    return -1
