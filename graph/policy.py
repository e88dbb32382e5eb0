"""Outgoing requests a query or update would make (SERVICE, LOAD), checked against an allow-list.

pyoxigraph follows SERVICE and LOAD IRIs over HTTP, so an open endpoint could be used to reach hosts behind its
firewall (server-side request forgery). The targets are read from rdflib's parse of the text, which resolves
prefixed names; a text that mentions SERVICE or LOAD but cannot be parsed that way is refused.

A SILENT call to a refused host is no error: it is replaced, before the text runs, by what the specifications say a
failed SILENT call yields, so nothing is fetched. SERVICE SILENT gives one solution with no bindings (SPARQL 1.1
Federated Query, section 4): an empty group `{}`. LOAD SILENT changes nothing and succeeds (SPARQL 1.1 Update,
section 3.1.4): `INSERT DATA {}`.
"""
from urllib.parse import urlsplit

from rdflib.plugins.sparql.algebra import translateQuery, translateUpdate, traverse
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.term import URIRef

from .errors import Forbidden
from .sparql_lexer import edited, scan


class OutgoingRefused(Forbidden):
    """A SERVICE or LOAD target that is not on the allow-list (or cannot be known before running)."""


def outgoing_calls(text: str, update: bool = False) -> tuple[list[tuple[str, str, bool]], int]:
    """The calls the text would make: SERVICE or LOAD, the IRI called and whether the call is SILENT; and (for an
    update) how many operations it has. Raises OutgoingRefused when the targets cannot be determined."""
    if not any(token.word() in ("SERVICE", "LOAD") for token in scan(text).tokens):
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


def silenced(text: str, refused: set[str]) -> str:
    """The text with each SILENT call to one of the `refused` IRIs replaced by the result of a failed call."""
    edits, end = [], -1
    for call in scan(text).calls:  # in the order of the text; a call inside one that is replaced goes with it
        if call.silent and call.iri in refused and call.end is not None and call.start >= end:
            edits.append((call.start, call.end, "INSERT DATA {}" if call.kind == "LOAD" else "{}"))
            end = call.end
    return edited(text, edits)
