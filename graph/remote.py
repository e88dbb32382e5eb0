"""A remote SPARQL 1.1 engine as the store: publishing releases to it and answering queries from it.

The engine is reached with the standard protocols only: the SPARQL 1.1 Protocol for queries, SPARQL 1.1 Update, and
the Graph Store Protocol for loading, each with optional HTTP Basic or Digest authentication. Any engine that speaks
them can hold the graph (tested: Oxigraph server, Virtuoso).

Releases stay atomic for readers. A release is built and checked locally as usual (release.py); publishing puts each
changed graph into a staging graph, then one SPARQL Update moves the staging graphs into place, drops the graphs the
release no longer has and rewrites the release record, all in one request, which both engines apply as one
transaction. The record, in the graph STATE, names the release and describes it (its release.json).

Queries name their dataset in their text (FROM the release's union graph; FROM NAMED its graphs when the query uses
GRAPH), so staging graphs and an engine's own system graphs (Virtuoso has several) stay out of answers, and the union
default graph does not depend on how the engine was started. The record's publication nonce, read again once the
engine answers, shows whether a switch came in between.
"""
import base64
import hashlib
import io
import itertools
import json
import re
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

from . import export, results
from .formats import GRAPH_FORMATS, RESULT_FORMATS
from .pool import Answer, QueryError, WorkerPool
from .release import Release
from .sparql_text import PREFIX_DECLARATION, blanked, dataset_clauses, has_dataset_clause, keyword, uncommented
from .worker import limited_within, merged_dataset

STATE = "urn:x-twinning:release"
DEFAULT_GRAPH = "urn:x-twinning:default-graph"  # holds what the local release keeps in its default graph
# All the release's triples in one graph, each once: the union default graph (export.UNION_GRAPH). Engines answer a
# query over one graph far faster than over hundreds of FROM clauses (Oxigraph server: 7 s against milliseconds for
# the map's query), and FROM clauses would count a statement once per graph that holds it.
UNION_GRAPH = export.UNION_GRAPH
STAGING = "urn:x-twinning:staging:"
# A graph name no release uses: it stands for an empty part of a dataset (FROM without FROM NAMED names no graphs
# for GRAPH to reach; Virtuoso would otherwise let GRAPH reach every graph it holds).
NO_GRAPH = "urn:x-twinning:no-graph"
CHUNK = 64 * 1024
CONFIRMED_FOR = 1.0  # seconds a release the engine confirmed is taken as current without asking again

# Formats an engine writes faithfully enough to pass through unchanged; others are re-encoded from SPARQL XML or
# N-Triples. Virtuoso's JSON says "typed-literal", its TSV is not SPARQL TSV, its blank nodes are `nodeID://...`.
FAITHFUL = {"Oxigraph": set(RESULT_FORMATS) | set(GRAPH_FORMATS), "Virtuoso": set()}
SAFE = {"ntriples"}  # for engines not known here
# Datatypes an engine rewrites on load: Virtuoso turns "P2Y"^^xsd:duration into "24" and WKT literals into its own
# geometry type with rounded coordinates. They are published under a wrapping datatype and unwrapped in answers.
REWRITTEN = {"Virtuoso": ("http://www.w3.org/2001/XMLSchema#duration",
                          "http://www.opengis.net/ont/geosparql#wktLiteral")}
WRAPPED = "urn:x-twinning:datatype:"


class ClosesChallenge:
    """Closes the 401 answer that authentication retries after (urllib leaves it open)."""

    def http_error_401(self, req, fp, code, msg, headers):
        try:
            return super().http_error_401(req, fp, code, msg, headers)
        finally:
            fp.close()


class DigestAuth(ClosesChallenge, urllib.request.HTTPDigestAuthHandler):
    """Digest authentication that, once challenged, answers the challenge in advance on every later request.
    Otherwise each request goes out unauthenticated first, and an engine that answers 401 before it has read a large
    body (Virtuoso does) breaks the connection while the body is still being sent."""

    challenge: dict | None = None

    def retry_http_digest_auth(self, req, auth):
        self.challenge = urllib.request.parse_keqv_list(filter(None, urllib.request.parse_http_list(
            auth.split(" ", 1)[1])))
        return super().retry_http_digest_auth(req, auth)

    def http_request(self, req):
        if self.challenge and not req.has_header("Authorization"):
            answer = self.get_authorization(req, self.challenge)
            if answer:
                req.add_unredirected_header("Authorization", f"Digest {answer}")
        return req


class BasicAuth(ClosesChallenge, urllib.request.HTTPBasicAuthHandler):
    """Basic authentication that, once challenged, sends the credentials in advance on every later request (for
    the same reason as DigestAuth)."""

    challenged = False

    def retry_http_basic_auth(self, host, req, realm):
        self.challenged = True
        return super().retry_http_basic_auth(host, req, realm)

    def http_request(self, req):
        user, password = self.passwd.find_user_password(None, req.full_url)
        if self.challenged and user is not None and not req.has_header("Authorization"):
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            req.add_unredirected_header("Authorization", f"Basic {token}")
        return req


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
        """Send a request; return the open response. Raises QueryError with the engine's own message."""
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
                raise QueryError(400, f"the SPARQL engine rejected the query (a syntax error or a feature it lacks): "
                                      f"{message}") from None
            raise QueryError(502, f"the SPARQL engine answered {error.code}: {message}") from None
        except TimeoutError:
            raise QueryError(503, f"the query was stopped after its time limit of {timeout:g} s",
                             retry_after=5) from None
        except OSError as error:
            raise QueryError(503, f"the SPARQL engine at {url} cannot be reached ({error})", retry_after=30) from None
        # Virtuoso answers 200 to answers it cut short: when ResultSetMaxRows is reached, and for "anytime" queries
        # stopped by its own time limit. Neither may pass for a whole answer.
        if response.headers.get("X-SQL-State") == "S1TAT":
            response.close()
            raise QueryError(503, "the SPARQL engine stopped this query at its own time limit and offered an "
                                  "incomplete answer", retry_after=5)
        if response.headers.get("X-SPARQL-MaxRows"):
            response.close()
            raise QueryError(502, f"the SPARQL engine cut this answer at {response.headers['X-SPARQL-MaxRows']} "
                                  "rows (Virtuoso: raise [SPARQL] ResultSetMaxRows above TWINNING_MAX_RESULT_ROWS)")
        if self.faithful is None:
            server = response.headers.get("Server", "")
            self.faithful = next((f for name, f in FAITHFUL.items() if server.startswith(name)), SAFE)
            self.rewritten = next((r for name, r in REWRITTEN.items() if server.startswith(name)), ())
        return response

    def wrap_query(self, query: str) -> str:
        """The query with the datatypes this engine rewrites named as they are stored (wrapped), so that
        `"P2Y"^^xsd:duration` and `DATATYPE(?o) = xsd:duration` still match. Casts (`xsd:duration(...)`) are
        left to the engine."""
        if not self.rewritten:
            return query
        text = blanked(query, keep="<")
        names = {f"<{datatype}>": datatype for datatype in self.rewritten}
        for prefix, namespace in PREFIX_DECLARATION.findall(text):
            names.update({prefix + ":" + datatype.removeprefix(namespace): datatype for datatype in self.rewritten
                          if datatype.startswith(namespace) and datatype != namespace})
        spans = sorted((match.span(), datatype) for name, datatype in names.items()
                       for match in re.finditer(rf"(?<![\w:?$.<-]){re.escape(name)}(?![\w:-]|\.[\w:.-])(?!\s*\()", text))
        for (start, end), datatype in reversed(spans):
            query = f"{query[:start]}<{WRAPPED}{datatype}>{query[end:]}"
        return query

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


# --- the release record ------------------------------------------------------------------------------------------

def read_record(engine: Engine, query: str, names: tuple[str, ...], expected: bool) -> tuple[str, ...] | None:
    """Values from the release record, or None when the engine holds none. An engine whose readers see the
    switching update's steps (Virtuoso reads committed rows, not snapshots) may show the record incomplete, or
    missing where one is `expected`, for a moment: it is read again for up to a second before that counts."""
    for _ in range(20):
        rows = engine.select(query)
        if rows and all(name in rows[0] for name in names):
            return tuple(rows[0][name]["value"] for name in names)
        if not rows and not expected:
            return None
        time.sleep(0.05)
    return None


def record(engine: Engine, expected: bool = False) -> tuple[str, dict] | None:
    """The id and description of the release the engine holds, or None."""
    found = read_record(engine, f"SELECT ?id ?info WHERE {{ GRAPH <{STATE}> {{ <{STATE}> <{STATE}#id> ?id ; "
                                f"<{STATE}#info> ?info }} }}", ("id", "info"), expected)
    return (found[0], json.loads(found[1])) if found else None


def publication(engine: Engine, expected: bool = False) -> str | None:
    """The nonce of the engine's latest publication: it changes with every switch, even back to an older release."""
    found = read_record(engine, f"SELECT ?p WHERE {{ GRAPH <{STATE}> {{ <{STATE}> <{STATE}#publication> ?p }} }}",
                        ("p",), expected)
    return found[0] if found else None


def switched_to(engine: Engine, nonce: str) -> bool:
    """Whether the engine holds the publication `nonce`: a switching update whose answer was lost (a dropped
    connection, a proxy's timeout) may have been applied all the same."""
    try:
        return publication(engine, expected=True) == nonce
    except QueryError:
        return False


def literal(text: str) -> str:
    """A string as a SPARQL long literal."""
    return '"""' + text.replace("\\", "\\\\").replace('"', '\\"') + '"""'


def graph_contents(store: ox.Store) -> dict[str, bytes]:
    """Each graph of a local release as sorted N-Triples, the default graph under its stand-in name."""
    graphs = {}
    for name in [*export.source_graphs(store), ox.DefaultGraph()]:
        if lines := export.sorted_lines(store, [name]):
            graphs[DEFAULT_GRAPH if isinstance(name, ox.DefaultGraph) else name.value] = lines
    graphs[UNION_GRAPH] = export.sorted_ntriples(store, None)  # each statement once, as the N-Triples dump
    return graphs


def named_graphs(release: Release) -> list[str]:
    """The release's own named graphs (not the stand-ins for its default and union graphs)."""
    return sorted(set(release.info.get("graph_digests", {})) - {DEFAULT_GRAPH, UNION_GRAPH})


def publish(engine: Engine, release: Release, progress=print) -> None:
    """Make the engine hold `release`: upload the graphs that changed, then switch in one update. Raises
    QueryError; the engine then still holds its previous release (leftover staging graphs are dropped)."""
    held = record(engine)
    before = held[1].get("graph_digests", {}) if held else {}
    contents = graph_contents(ox.Store.read_only(str(release.path)))
    digests = {graph: hashlib.sha256(data).hexdigest() for graph, data in contents.items()}
    changed = sorted(graph for graph in digests if before.get(graph) != digests[graph])
    removed = sorted(set(before) - set(digests))
    staged = {graph: f"{STAGING}{release.id}:{i}" for i, graph in enumerate(changed)}
    progress(f"uploading {len(changed)} of {len(digests)} graphs ({len(removed)} to remove) to {engine.query_url}")
    try:
        engine.authenticate()
        started = time.monotonic()
        for i, graph in enumerate(changed, 1):
            engine.put_graph(staged[graph], engine.wrap(contents[graph]))
            if i % 100 == 0 or i == len(changed):
                progress(f"  {i}/{len(changed)} graphs uploaded ({time.monotonic() - started:.1f} s)")
        if publication(engine) != (held[1].get("publication") if held else None):
            raise QueryError(409, "another publish switched the engine while this one uploaded; load again")
        info = {**release.info, "graph_digests": digests, "publication": uuid.uuid4().hex}
        operations = [f"MOVE <{staged[graph]}> TO <{graph}>" for graph in changed]
        operations += [f"DROP SILENT GRAPH <{graph}>" for graph in removed]
        described = (f"<{STATE}> <{STATE}#id> {literal(release.id)} ; <{STATE}#info> {literal(json.dumps(info))} ; "
                     f"<{STATE}#publication> {literal(info['publication'])}")
        operations += [f"DROP SILENT GRAPH <{STATE}>", f"INSERT DATA {{ GRAPH <{STATE}> {{ {described} }} }}"]
        try:
            engine.update(" ;\n".join(operations))
        except QueryError:
            if not switched_to(engine, info["publication"]):
                raise
    except QueryError:
        for graph in staged.values():
            try:
                engine.update(f"DROP SILENT GRAPH <{graph}>")
            except QueryError:
                break  # the engine is gone; the next publish replaces these graphs anyway
        raise
    progress(f"release {release.id} is now current on {engine.query_url}")


# --- queries -----------------------------------------------------------------------------------------------------

FORM = keyword("SELECT|ASK|CONSTRUCT|DESCRIBE")
WHERE = keyword("WHERE")
GRAPH_KEYWORD = keyword("GRAPH")
SOLUTION_MODIFIER = keyword("GROUP|HAVING|ORDER|LIMIT|OFFSET|VALUES")


def query_form(query: str) -> str:
    match = FORM.search(blanked(query))
    return match.group(1).upper() if match else "SELECT"  # the engine reports the syntax error


def requested_dataset(query: str, default_graphs: list[str], named_graphs: list[str]) -> str:
    """The query over the dataset its client asked for, as the embedded store reads it: graphs given by protocol
    parameters replace the query's own FROM clauses, and a query naming only default graphs (FROM) or only named
    graphs (FROM NAMED) has none of the other kind. Virtuoso reads a missing kind as all of its graphs."""
    own = dataset_clauses(query)
    if default_graphs or named_graphs:
        for start, end, _ in own:
            query = query[:start] + " " * (end - start) + query[end:]
        return with_dataset(query, default_graphs or [DEFAULT_GRAPH], named_graphs or [NO_GRAPH])
    names_default = any(not named for _, _, named in own)
    names_named = any(named for _, _, named in own)
    return with_dataset(query, [] if names_default else [NO_GRAPH], [] if names_named else [NO_GRAPH])


def closing_brace(text: str, opening: int) -> int:
    """The position of the brace that closes the one at `opening` (in a blanked query), or -1."""
    depth = 0
    for position in range(opening, len(text)):
        depth += {"{": 1, "}": -1}.get(text[position], 0)
        if depth == 0:
            return position
    return -1


def where_clause(query: str) -> tuple[int, int]:
    """Where dataset clauses go in the query, and where the WHERE group's opening brace is (-1 if it has none,
    as in `DESCRIBE <iri>`). Braces inside parentheses (`SELECT (EXISTS { ... } AS ?e)`) are not the WHERE group."""
    text = blanked(query)
    form = FORM.search(text)
    position = form.end() if form else 0
    if form and form.group(1).upper() == "CONSTRUCT" and text[position:].lstrip().startswith("{"):
        position = closing_brace(text, text.index("{", position)) + 1  # past the template
    depth = 0
    for at in range(position, len(text)):
        depth += {"(": 1, ")": -1}.get(text[at], 0)
        if depth == 0 and text[at] == "{":
            where = WHERE.search(text, position, at)
            return (where.start() if where else at), at
    # No WHERE group (DESCRIBE <iri>): before any solution modifier, else at the end of the query proper.
    modifier = SOLUTION_MODIFIER.search(text, position)
    code = uncommented(query)
    return len(code[:modifier.start() if modifier else len(code)].rstrip()), -1


def bind_values(query: str, substitutions: dict) -> str:
    """The query with its parameters bound by a VALUES block closing its WHERE group (SPARQL has no other way to
    bind a variable from outside; at the end, it cannot clash with a BIND of the same variable). Parameters of named
    queries are bound by a triple pattern, so this narrows the answer as the embedded store's substitution does."""
    if not substitutions:
        return query
    names = list(substitutions)
    values = (f" VALUES ({' '.join('?' + n for n in names)}) "
              f"{{ ({' '.join(results.ntriples_term(substitutions[n]) for n in names)}) }} ")
    _, brace = where_clause(query)
    end = closing_brace(blanked(query), brace) if brace >= 0 else -1
    if end < 0:
        raise QueryError(400, "the query has no complete WHERE clause to bind parameters in")
    return query[:end] + values + query[end:]


def with_dataset(query: str, default_graphs: list[str], named_graphs: list[str]) -> str:
    """The query with FROM and FROM NAMED clauses. They go into the text, not into protocol parameters: Virtuoso
    echoes every protocol graph as a response header, past what HTTP clients accept."""
    clauses = "".join(f" FROM <{g}>" for g in default_graphs) + "".join(f" FROM NAMED <{g}>" for g in named_graphs)
    at, _ = where_clause(query)
    return f"{query[:at]}{clauses} {query[at:]}"  # on one line: the engine's error positions stay right


class RemoteStore:
    """Releases held by a remote engine: which one is current, and answers from it (backend.Sparql adds writing)."""

    def __init__(self, engine: Engine, local_root: Path):
        self.engine = engine
        self.local_root = Path(local_root)
        self.cached: Release | None = None
        self.confirmed = float("-inf")  # when the engine last said it holds `cached`
        self.copies = WorkerPool(1)  # answers queries over copies of merged datasets (_copied)

    def current(self, fresh: bool = False) -> Release | None:
        """The release the engine holds. Unless `fresh` is asked for, one the engine confirmed within the last
        CONFIRMED_FOR seconds is taken as is: every query checks the engine after it started anyway (run), so a
        request costs the query and that check, not a third round trip. Its description is read only when the
        publication changed."""
        if not fresh and self.cached is not None and time.monotonic() - self.confirmed < CONFIRMED_FOR:
            return self.cached
        asked = time.monotonic()
        held = publication(self.engine, expected=self.cached is not None)
        if held is None:
            self.cached = None
            return None
        if self.cached is None or self.cached.info.get("publication") != held:
            found = record(self.engine, expected=True)
            if found is None:
                self.cached = None
                return None
            # Dump files are written by the build; they are here when this machine built the release.
            self.cached = Release(found[0], self.local_root / "releases" / found[0], found[1])
        self.confirmed = asked
        return self.cached

    def dataset(self, release: Release, union: bool, query: str) -> tuple[list[str], list[str]]:
        """The FROM and FROM NAMED graphs of a query on the release; named graphs only where GRAPH can reach them."""
        default = [UNION_GRAPH if union else DEFAULT_GRAPH]
        return default, (named_graphs(release) if GRAPH_KEYWORD.search(blanked(query)) else [])

    def run(self, job: dict, timeout: float) -> Answer:
        """Answer a job from the release the engine holds. A query names the release's graphs, so it is checked
        that no switch came between learning them and the engine starting on the query (whose snapshot it then
        reads); if one did, the query is asked again on the new release."""
        deadline = time.monotonic() + timeout
        release = self.current()  # as the server read it moments ago, at most CONFIRMED_FOR seconds old
        for _ in range(3):
            if release is None:
                raise QueryError(503, "the SPARQL engine holds no release yet: run `twinning load --backend sparql`",
                                 retry_after=30)
            answer = self._run(release, job, deadline, timeout)
            try:
                now = self.current(fresh=True)
            except QueryError:
                answer.close()
                raise
            if now is not None and now.info.get("publication") == release.info.get("publication"):
                answer.release = release
                return answer
            answer.close()
            release = now
        raise QueryError(503, "the engine switched releases during this query three times; try again", retry_after=1)

    def _run(self, release: Release, job: dict, deadline: float, timeout: float) -> Answer:
        if "dump" in job:
            return self._dump(release, job, deadline)
        requested = merged_dataset(job)
        if requested is not None:
            return self._copied(job, *requested, deadline)
        query = bind_values(job["query"], job.get("substitutions") or {})
        default_graphs, named = job.get("default_graphs") or [], job.get("named_graphs") or []
        if default_graphs or named or has_dataset_clause(query):
            query = requested_dataset(query, default_graphs, named)
        else:
            query = with_dataset(query, *self.dataset(release, job.get("union", True), job["query"]))
        if job.get("base_iri"):
            query = f"BASE <{job['base_iri']}> {query}"
        query = self.engine.wrap_query(query)
        graph = query_form(job["query"]) in ("CONSTRUCT", "DESCRIBE")
        name = job["graph_format"] if graph else job["result_format"]
        if name is None:
            kind = "an RDF graph (CONSTRUCT or DESCRIBE)" if graph else "query results (SELECT or ASK)"
            raise QueryError(406, f"none of the accepted media types can hold {kind}")

        stopped = QueryError(503, f"the query was stopped after its time limit of {timeout:g} s", retry_after=5)

        def ask(accept_name: str, table: dict):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise stopped
            try:
                return self.engine.post_query(query, table[accept_name][0], remaining)
            except QueryError as error:
                raise stopped if error.status == 503 and time.monotonic() >= deadline else error from None

        if graph:
            return self._graph(ask, name, deadline)
        limit = job.get("max_rows") or 0
        capped = False
        if limit and query_form(job["query"]) == "SELECT" and not limited_within(job["query"], limit):
            with ask("xml", RESULT_FORMATS) as response:  # the counting pass, as the embedded store does
                try:
                    _, rows = results.read_xml(response)
                    for counted, _ in enumerate(rows, 1):
                        if time.monotonic() > deadline:
                            raise stopped
                        if counted > limit:
                            capped = True
                            break
                except (ET.ParseError, OSError) as error:  # a read that timed out, or a broken answer
                    if time.monotonic() >= deadline:
                        raise stopped from None
                    raise QueryError(502, f"the SPARQL engine's answer is not SPARQL XML: {error}") from None
        if not capped and name in (self.engine.faithful or SAFE):
            response = ask(name, RESULT_FORMATS)
            return Answer(name, False, stream(response, deadline), Closer(response))
        response = ask("xml", RESULT_FORMATS)
        try:
            answer = results.read_xml(response)
        except (ET.ParseError, OSError) as error:
            response.close()
            raise QueryError(502, f"the SPARQL engine's answer is not SPARQL XML: {error}") from None
        if not isinstance(answer, results.Boolean):
            variables, rows = answer
            answer = (variables, unwrap_rows(itertools.islice(rows, limit) if capped else rows))
        return Answer(name, False, timed(results.write(answer, name), deadline, response), Closer(response), capped)

    def _graph(self, ask, name: str, deadline: float) -> Answer:
        if name in (self.engine.faithful or SAFE):
            response = ask(name, GRAPH_FORMATS)
            return Answer(name, True, stream(response, deadline), Closer(response))
        with ask("ntriples", GRAPH_FORMATS) as response:
            triples = ox.parse(unwrap(response.read()), format=ox.RdfFormat.N_TRIPLES)
            body = ox.serialize(triples, format=GRAPH_FORMATS[name][2])
        return Answer(name, True, iter([body]), Closer(None))

    def _copied(self, job: dict, defaults: list[str], named: list[str], deadline: float) -> Answer:
        """A query over a default graph merged from several graphs, answered by a query worker from a copy of its
        dataset: engines, like pyoxigraph, count a statement once per FROM graph that holds it."""
        copy = ox.Store()
        for name, target in [*((iri, None) for iri in defaults), *((iri, iri) for iri in named)]:
            query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}"
            with self.engine.post_query(query, GRAPH_FORMATS["ntriples"][0], self.remaining(deadline)) as response:
                copy.load(unwrap(response.read()), ox.RdfFormat.N_TRIPLES,
                          to_graph=ox.NamedNode(target) if target else ox.DefaultGraph())
        with tempfile.NamedTemporaryFile(suffix=".nq") as file:
            copy.dump(file, ox.RdfFormat.N_QUADS)
            file.flush()
            # The worker reads the file before it answers, so it may go once the answer's head is here.
            return self.copies.run({**job, "store": file.name, "copy": file.name, "named_graphs": named},
                                   self.remaining(deadline))

    @staticmethod
    def remaining(deadline: float) -> float:
        return max(deadline - time.monotonic(), 0.001)

    def _dump(self, release: Release, job: dict, deadline: float) -> Answer:
        """An export of one graph (or of the default graph, as the embedded store gives it), written by the same
        code as the embedded store's, from a copy fetched from the engine."""
        graph = job.get("dump_graph")
        if graph is not None:
            try:
                ox.NamedNode(graph)
            except ValueError as error:
                raise QueryError(400, f"parameter 'graph': not an IRI ({error})") from None
        held = named_graphs(release)
        if graph is not None and graph not in held:
            raise QueryError(404, f"the release has no named graph <{graph}>")
        if graph is not None:
            wanted = [graph]
        elif job["graph_format"] in export.TRIPLE_ONLY:
            wanted = [UNION_GRAPH]  # the union of all graphs is what a triple format holds: one request
        else:
            wanted = [*held, DEFAULT_GRAPH]
        copy = ox.Store()
        for name in wanted:
            query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}"
            with self.engine.post_query(query, GRAPH_FORMATS["ntriples"][0], self.remaining(deadline)) as response:
                target = ox.DefaultGraph() if name in (DEFAULT_GRAPH, UNION_GRAPH) else ox.NamedNode(name)
                copy.load(unwrap(response.read()), ox.RdfFormat.N_TRIPLES, to_graph=target)
        body = io.BytesIO()
        export.write(copy, job["graph_format"], body, graph)
        return Answer(job["graph_format"], True, iter([body.getvalue()]), Closer(None))


class Closer:
    """Stands for a query worker's lease (pool.Lease): ending it closes the engine's response."""

    def __init__(self, response):
        self.response = response

    def end(self, healthy: bool) -> None:
        if self.response is not None:
            self.response.close()


def stream(response, deadline: float) -> Iterator[bytes]:
    """The engine's body, unchanged, in chunks."""
    return timed(iter(lambda: response.read(CHUNK), b""), deadline, response)


def timed(chunks: Iterator[bytes], deadline: float, response) -> Iterator[bytes]:
    """Chunks (the engine's own or re-encoded) until the deadline; the engine's response is closed once they are
    done."""
    try:
        for chunk in chunks:
            yield chunk
            if time.monotonic() > deadline:
                raise QueryError(503, "the query was stopped after its time limit")
    finally:
        response.close()
