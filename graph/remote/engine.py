"""The engine client: HTTP access to an engine's query, update and Graph Store endpoints, and the quirks of the
engines known here (which answers pass through unchanged, which datatypes an engine rewrites on load and how they are
wrapped so that they survive it)."""
import urllib.error
import urllib.parse
import urllib.request

from .. import results
from ..errors import BadGateway, BadRequest, Unavailable
from ..formats import GRAPH_FORMATS, RESULT_FORMATS
from ..sparql_lexer import Reading, edited, scan
from .auth import BasicAuth, DigestAuth
from .graphs import STAGING

# Formats an engine writes faithfully enough to pass through unchanged; others are re-encoded from SPARQL XML or
# N-Triples. Virtuoso's JSON says "typed-literal", its TSV is not SPARQL TSV, its blank nodes are `nodeID://...`.
FAITHFUL = {"Oxigraph": set(RESULT_FORMATS) | set(GRAPH_FORMATS), "Virtuoso": set()}
SAFE = {"ntriples"}  # for engines not known here
# Datatypes an engine rewrites on load: Virtuoso turns "P2Y"^^xsd:duration into "24" and WKT literals into its own
# geometry type with rounded coordinates. They are published under a wrapping datatype and unwrapped in answers.
REWRITTEN = {"Virtuoso": ("http://www.w3.org/2001/XMLSchema#duration",
                          "http://www.opengis.net/ont/geosparql#wktLiteral")}
WRAPPED = "urn:x-twinning:datatype:"


class Engine:
    """HTTP access to one engine's endpoints. No keep-alive: each request has a connection of its own (Oxigraph
    server answers 500 on a connection that idled for a minute)."""

    def __init__(self, query: str, update: str = "", store: str = "", user: str = "", password: str = ""):
        self.query_url, self.update_url, self.store_url = query, update or query, store
        handlers = []
        if user:
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            for url in {self.query_url, self.update_url, self.store_url} - {""}:
                passwords.add_password(None, url, user, password)
            handlers = [DigestAuth(passwords), BasicAuth(passwords)]
        self.opener = urllib.request.build_opener(*handlers)
        self.faithful: set[str] | None = None  # known once the engine first answered
        self.rewritten: tuple[str, ...] = ()

    def open(self, url: str, data: bytes | None = None, method: str | None = None, headers: dict | None = None,
             timeout: float = 60):
        """Send a request; return the open response. Raises an errors.TwinningError with the engine's own message."""
        request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
        try:
            try:
                response = self.opener.open(request, timeout=timeout)
            except urllib.error.URLError as error:
                if not isinstance(error.reason, ConnectionError):
                    raise
                # An engine asking for authentication may answer 401 and close the connection before it has read
                # the body: the refused request did nothing, so it is sent once more.
                response = self.opener.open(request, timeout=timeout)
        except urllib.error.HTTPError as error:
            message = " ".join(error.read(2000).decode("utf-8", "replace").split())
            error.close()
            if error.code == 400 and url == self.query_url:
                raise BadRequest(f"the SPARQL engine rejected the query (a syntax error or a feature it lacks): "
                                      f"{message}") from None
            raise BadGateway(f"the SPARQL engine answered {error.code}: {message}") from None
        except TimeoutError:
            raise Unavailable(f"the query was stopped after its time limit of {timeout:g} s",
                             retry_after=5) from None
        except OSError as error:
            raise Unavailable(f"the SPARQL engine at {url} cannot be reached ({error})", retry_after=30) from None
        # Virtuoso answers 200 to answers it cut short: when ResultSetMaxRows is reached, and for "anytime" queries
        # stopped by its own time limit. Neither may pass for a whole answer.
        if response.headers.get("X-SQL-State") == "S1TAT":
            response.close()
            raise Unavailable("the SPARQL engine stopped this query at its own time limit and offered an "
                                  "incomplete answer", retry_after=5)
        if response.headers.get("X-SPARQL-MaxRows"):
            response.close()
            raise BadGateway(f"the SPARQL engine cut this answer at {response.headers['X-SPARQL-MaxRows']} "
                                  "rows (Virtuoso: raise [SPARQL] ResultSetMaxRows above TWINNING_MAX_RESULT_ROWS)")
        if self.faithful is None:
            server = response.headers.get("Server", "")
            self.faithful = next((f for name, f in FAITHFUL.items() if server.startswith(name)), SAFE)
            self.rewritten = next((r for name, r in REWRITTEN.items() if server.startswith(name)), ())
        return response

    def stored(self, iri: str) -> str:
        """An IRI as this engine holds it: wrapped if it is a datatype the engine rewrites."""
        return WRAPPED + iri if iri in self.rewritten else iri

    def wrap_edits(self, reading: Reading) -> list[tuple[int, int, str]]:
        """Edits naming the datatypes this engine rewrites as they are stored (wrapped), so that `"P2Y"^^xsd:duration`
        and `DATATYPE(?o) = xsd:duration` still match. Casts (`xsd:duration(...)`) are left to the engine, and so
        are the prologue's and the dataset clauses' IRIs."""
        if not self.rewritten:
            return []
        edits, tokens = [], reading.tokens
        for index, token in enumerate(tokens):
            if token.kind not in ("iri", "pname") or reading.iri_of(token) not in self.rewritten:
                continue
            before = [t.word() for t in tokens[max(index - 2, 0):index]]
            after = tokens[index + 1].text if index + 1 < len(tokens) else ""
            if after == "(" or before[-1:] in (["BASE"], ["FROM"], ["NAMED"]) or before[:1] == ["PREFIX"]:
                continue
            edits.append((token.start, token.end, f"<{WRAPPED}{reading.iri_of(token)}>"))
        return edits

    def wrap_query(self, query: str) -> str:
        """The query with the datatypes this engine rewrites named as they are stored (see wrap_edits)."""
        return edited(query, self.wrap_edits(scan(query)))

    def wrap(self, ntriples: bytes) -> bytes:
        """N-Triples with the datatypes this engine rewrites wrapped, wherever they appear (as a literal's datatype,
        or as an IRI, as in `tw:duration rdfs:range xsd:duration`), as wrap_query names them."""
        for datatype in self.rewritten:
            ntriples = ntriples.replace(f"<{datatype}>".encode(), f"<{WRAPPED}{datatype}>".encode())
        return ntriples

    def post_query(self, query: str, accept: str, timeout: float = 60):
        return self.open(self.query_url, urllib.parse.urlencode({"query": query}).encode(),
                         headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"},
                         timeout=timeout)

    def select(self, query: str, timeout: float = 60) -> list[dict]:
        """The rows of a small SELECT of the backend's own, which names its graphs itself."""
        with self.post_query(query, RESULT_FORMATS["xml"][0], timeout=timeout) as response:
            _, rows = results.read_xml(response)
            return list(rows)

    def authenticate(self) -> None:
        """A small authenticated request first, so that large ones carry their credentials from the start."""
        self.update(f"DROP SILENT GRAPH <{STAGING}none>")

    def update(self, text: str, timeout: float = 600) -> None:
        body = urllib.parse.urlencode({"update": text}).encode()
        with self.open(self.update_url, body, headers={"Content-Type": "application/x-www-form-urlencoded"},
                       timeout=timeout) as response:
            response.read()

    def put_graph(self, graph: str, ntriples: bytes, timeout: float = 600) -> None:
        """Replace one graph's content: Graph Store Protocol PUT, or else one SPARQL Update (its blank nodes must
        arrive in one request to stay the same nodes)."""
        if self.store_url:
            separator = "&" if "?" in self.store_url else "?"
            url = f"{self.store_url}{separator}graph={urllib.parse.quote(graph, safe='')}"
            with self.open(url, ntriples, "PUT", {"Content-Type": "application/n-triples"}, timeout) as response:
                response.read()
        else:
            self.update(f"DROP SILENT GRAPH <{graph}> ; INSERT DATA {{ GRAPH <{graph}> {{\n"
                        f"{ntriples.decode('utf-8')}\n}} }}", timeout)


def unwrap(ntriples: bytes) -> bytes:
    """Wrapped datatypes back as they were, whether a literal's datatype or an IRI in its own right."""
    return ntriples.replace(f"<{WRAPPED}".encode(), b"<")


def unwrap_rows(rows):
    for row in rows:
        for term in row.values():
            if term.get("datatype", "").startswith(WRAPPED):
                term["datatype"] = term["datatype"].removeprefix(WRAPPED)
            elif term.get("type") == "uri" and term["value"].startswith(WRAPPED):  # DATATYPE(?o)
                term["value"] = term["value"].removeprefix(WRAPPED)
        yield row


