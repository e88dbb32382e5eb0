"""Releases held by a remote engine, and answers from them: which release is current, and each query or export job
asked of the engine (rewriting.py shapes the query, answers.py brings the answer back). The record's publication
nonce, read again once the engine answered, shows whether a switch came in between."""
import io
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pyoxigraph as ox

from .. import export
from ..errors import BadRequest, NotAcceptable, NotFound, TwinningError, Unavailable
from ..formats import GRAPH_FORMATS, RESULT_FORMATS
from ..jobs import DumpJob, Job, QueryJob
from ..pool import Answer, WorkerPool
from ..release import Release
from ..sparql_lexer import QUERY_FORMS, Reading, scan
from ..worker import limited_within, merged_dataset
from .answers import Closer, more_rows_than, passed_through, reencoded_graph, reencoded_results
from .engine import SAFE, Engine, unwrap
from .graphs import DEFAULT_GRAPH, UNION_GRAPH, named_graphs
from .publishing import publication, record
from .rewriting import rewritten

CONFIRMED_FOR = 1.0  # seconds a release the engine confirmed is taken as current without asking again


class RemoteStore:
    """Releases held by a remote engine: which one is current, and answers from it (backend.Sparql adds writing)."""

    def __init__(self, engine: Engine, local_root: Path, workers: int = 1):
        self.engine = engine
        self.local_root = Path(local_root)
        self.cached: Release | None = None
        self.confirmed = float("-inf")  # when the engine last said it holds `cached`
        # Query workers for what the engine cannot answer: copies of merged datasets (_copied), and past releases
        # from the store folder (backend.Sparql._pinned); started when first needed.
        self.copies = WorkerPool(workers)

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

    def dataset(self, release: Release, union: bool, reading: Reading) -> tuple[list[str], list[str]]:
        """The FROM and FROM NAMED graphs of a query on the release; named graphs only where GRAPH can reach them."""
        default = [UNION_GRAPH if union else DEFAULT_GRAPH]
        return default, (named_graphs(release) if reading.has_graph else [])

    def run(self, job: Job, timeout: float) -> Answer:
        """Answer a job from the release the engine holds. A query names the release's graphs, so it is checked
        that no switch came between learning them and the engine starting on the query (whose snapshot it then
        reads); if one did, the query is asked again on the new release."""
        deadline = time.monotonic() + timeout
        release = self.current()  # as the server read it moments ago, at most CONFIRMED_FOR seconds old
        for _ in range(3):
            if release is None:
                raise Unavailable("the SPARQL engine holds no release yet: run `twinning load --backend sparql`",
                                 retry_after=30)
            answer = self._run(release, job, deadline, timeout)
            try:
                now = self.current(fresh=True)
            except TwinningError:
                answer.close()
                raise
            if now is not None and now.info.get("publication") == release.info.get("publication"):
                answer.release = release
                return answer
            answer.close()
            release = now
        raise Unavailable("the engine switched releases during this query three times; try again", retry_after=1)

    def _run(self, release: Release, job: Job, deadline: float, timeout: float) -> Answer:
        if isinstance(job, DumpJob):
            return self._dump(release, job, deadline)
        requested = merged_dataset(job)
        if requested is not None:
            return self._copied(job, *requested, deadline)
        reading = scan(job.query)
        if reading.problem or reading.form not in QUERY_FORMS:
            problem = reading.problem or "this is an update, not a query: POST it as update"
            raise BadRequest(f"SPARQL syntax error: {problem}")
        query = rewritten(reading, job, self.dataset(release, job.union, reading), self.engine)
        graph = reading.form in ("CONSTRUCT", "DESCRIBE")
        name = job.graph_format if graph else job.result_format
        if name is None:
            kind = "an RDF graph (CONSTRUCT or DESCRIBE)" if graph else "query results (SELECT or ASK)"
            raise NotAcceptable(f"none of the accepted media types can hold {kind}")

        stopped = Unavailable(f"the query was stopped after its time limit of {timeout:g} s", retry_after=5)

        def ask(accept_name: str, table: dict):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise stopped
            try:
                return self.engine.post_query(query, table[accept_name][0], remaining)
            except TwinningError as error:
                raise stopped if isinstance(error, Unavailable) and time.monotonic() >= deadline else error from None

        faithful = self.engine.faithful or SAFE
        if graph:
            if name in faithful:
                return passed_through(name, True, ask(name, GRAPH_FORMATS), deadline)
            return reencoded_graph(name, ask("ntriples", GRAPH_FORMATS))
        limit = job.max_rows
        capped = False
        if limit and reading.form == "SELECT" and not limited_within(job.query, limit):
            with ask("xml", RESULT_FORMATS) as response:
                capped = more_rows_than(limit, response, deadline, stopped)
        if not capped and name in faithful:
            return passed_through(name, False, ask(name, RESULT_FORMATS), deadline)
        return reencoded_results(name, ask("xml", RESULT_FORMATS), deadline, limit if capped else 0)

    def _copied(self, job: QueryJob, defaults: list[str], named: list[str], deadline: float) -> Answer:
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
            return self.copies.run(replace(job, store=file.name, copy=file.name, named_graphs=tuple(named)),
                                   self.remaining(deadline))

    @staticmethod
    def remaining(deadline: float) -> float:
        return max(deadline - time.monotonic(), 0.001)

    def _dump(self, release: Release, job: DumpJob, deadline: float) -> Answer:
        """An export of one graph (or of the default graph, as the embedded store gives it), written by the same
        code as the embedded store's, from a copy fetched from the engine."""
        graph = job.graph
        if graph is not None:
            try:
                ox.NamedNode(graph)
            except ValueError as error:
                raise BadRequest(f"parameter 'graph': not an IRI ({error})") from None
        held = named_graphs(release)
        if graph is not None and graph not in held:
            raise NotFound(f"the release has no named graph <{graph}>")
        if graph is not None:
            wanted = [graph]
        elif job.graph_format in export.TRIPLE_ONLY:
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
        export.write(copy, job.graph_format, body, graph)
        return Answer(job.graph_format, True, iter([body.getvalue()]), Closer(None))
