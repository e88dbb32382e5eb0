"""Outgoing requests a query or update would make (SERVICE, LOAD), checked against an allow-list.

pyoxigraph follows SERVICE and LOAD IRIs over HTTP, so an open endpoint could be used to reach hosts behind its
firewall (server-side request forgery). The targets are read from rdflib's parse of the text, which resolves
prefixed names; a text that mentions SERVICE or LOAD but cannot be parsed that way is refused.
"""
import re
from urllib.parse import urlsplit

from rdflib.plugins.sparql.algebra import translateQuery, translateUpdate, traverse
from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
from rdflib.term import URIRef

MENTION = re.compile(r"(?i)\b(service|load)\b")


class OutgoingRefused(Exception):
    """A SERVICE or LOAD target that is not on the allow-list (or cannot be known before running)."""


def outgoing_targets(text: str, update: bool = False) -> list[str]:
    """IRIs the text would call out to. Raises OutgoingRefused when they cannot be determined."""
    if not MENTION.search(text):
        return []
    try:
        parsed = translateUpdate(parseUpdate(text)) if update else translateQuery(parseQuery(text))
    except Exception:  # noqa: BLE001 - rdflib's parser is stricter than pyoxigraph's: refuse rather than guess
        raise OutgoingRefused("the SERVICE or LOAD targets of this request could not be determined") from None
    targets: list = []

    def visit(node):
        name = getattr(node, "name", None)
        if name == "ServiceGraphPattern":
            targets.append(node.term)
        elif name == "Load":
            targets.append(node.get("iri"))

    roots = parsed.algebra if update else [parsed.algebra]
    for root in roots:
        traverse(root, visitPre=visit)
    if any(not isinstance(target, URIRef) for target in targets):
        raise OutgoingRefused("a SERVICE whose endpoint is a variable cannot be checked and is refused")
    return [str(target) for target in targets]


def check_outgoing(text: str, allowed_hosts: list[str], update: bool = False) -> None:
    """Raise OutgoingRefused unless every SERVICE/LOAD target's host is on the allow-list."""
    for target in outgoing_targets(text, update):
        host = urlsplit(target).hostname or ""
        if host not in allowed_hosts:
            raise OutgoingRefused(f"outgoing request to {target} refused: host {host or '(none)'} is not on the "
                                  "allow-list (setting SERVICE_ALLOWLIST)")
