"""Where the graph is held and queried: the embedded pyoxigraph store (the default) or a remote SPARQL 1.1 engine.
Both implement Backend, the one interface through which the web layer and the command line reach the store.
"""
import time
from dataclasses import replace
from pathlib import Path
from typing import Protocol

from .errors import Conflict, NotFound, TwinningError
from .jobs import DumpJob, Job, QueryJob, WriteJob
from .pool import Answer, WorkerPool
from .release import KEEP_RELEASES, Release, current_release, exclusive, switch_to
from .remote import NO_GRAPH, Engine, RemoteStore, publish
from .writes import EMPTY, in_process

BACKENDS = ("embedded", "sparql")


class Backend(Protocol):
    """What the web layer and the command line ask of the store."""

    kind: str  # "embedded" or "sparql"

    def current(self) -> Release | None:
        """The release being served; None before the first build. Raises an errors.TwinningError (an engine that
        cannot be reached)."""

    def run(self, job: Job, timeout: float) -> Answer:
        """A query or export, its answer streamed; stopped after `timeout` seconds. Raises an errors.TwinningError."""

    def write(self, operation: WriteJob, timeout: float) -> dict:
        """A write applied as a new release: {"release": id}. Raises an errors.TwinningError."""

    def warm(self) -> None:
        """Start what answering needs (query workers) before the first request."""

    def close(self) -> None:
        """Stop what the backend started."""


class Embedded:
    """Releases in on-disk pyoxigraph stores under one folder; queries in supervised worker processes."""

    kind = "embedded"

    def __init__(self, root: Path, workers: int, keep: int = KEEP_RELEASES):
        self.root = Path(root)
        self.pool = WorkerPool(workers)
        self.keep = keep  # releases a write keeps

    def current(self) -> Release | None:
        return current_release(self.root)

    def run(self, job: Job, timeout: float) -> Answer:
        return self.pool.run(job, timeout)

    def write(self, operation: WriteJob, timeout: float) -> dict:
        return write_locally(self.root, operation, timeout, self.keep)

    def warm(self) -> None:
        self.pool.warm()

    def close(self) -> None:
        self.pool.close()


class Sparql(RemoteStore):
    """A remote engine holds the graph and answers queries (graph/remote/). Releases are still built, checked and
    written (dumps included) in the local store folder, then published to the engine; writes too."""

    kind = "sparql"

    def __init__(self, root: Path, endpoint: str, update_endpoint: str = "", store_endpoint: str = "",
                 user: str = "", password: str = "", keep: int = KEEP_RELEASES, workers: int = 1):
        super().__init__(Engine(endpoint, update_endpoint, store_endpoint, user, password), root, workers)
        self.keep = keep  # releases a write keeps in the store folder

    def publish(self, release: Release, previous: Release | None, progress=print) -> None:
        """Publish a release built locally; if that fails, the local folder goes back to `previous` too."""
        try:
            with exclusive(self.local_root):  # one publish at a time from this store folder
                publish(self.engine, release, progress)
        except TwinningError:
            if previous is not None:
                switch_to(self.local_root, previous.path)
            raise

    def run(self, job: Job, timeout: float) -> Answer:
        """Answer a job; one on the empty release (a writable store whose engine holds nothing yet) is asked of the
        engine over a dataset of no graph, whatever the query names: the empty dataset."""
        if Path(job.store).resolve().is_relative_to((self.local_root / EMPTY).resolve()):
            if isinstance(job, QueryJob):
                job = replace(job, default_graphs=(NO_GRAPH,), named_graphs=(NO_GRAPH,))
            return self._run(current_release(self.local_root / EMPTY), job, time.monotonic() + timeout, timeout)
        if job.pinned:
            return self._pinned(job, timeout)
        try:
            return super().run(job, timeout)
        except NotFound:
            if not isinstance(job, DumpJob):
                raise
            # The release this process last confirmed (remote.CONFIRMED_FOR) may be older than a write another
            # process just published: a graph it lacks may be there now (a client reads its own write, not 404),
            # and one it names may be gone (UnknownGraph from the engine's copy). Asked again on the engine's release.
            self.confirmed = float("-inf")
            return super().run(job, timeout)

    def _pinned(self, job: Job, timeout: float) -> Answer:
        """A query or export of one release exactly as it was: the engine holds only its current release, so a past
        one is answered by a query worker from the store folder, which keeps the releases built there (issue 16)."""
        if (Path(job.store) / "release.json").exists():
            return self.copies.run(job, timeout)
        answer = super().run(job, timeout)
        if answer.release is None or answer.release.id != Path(job.store).name:  # the engine switched
            answer.close()
            raise NotFound("this release is no longer the engine's and this store folder does not hold it")
        return answer

    def write(self, operation: WriteJob, timeout: float) -> dict:
        """Apply a write to the release the engine holds, in the store folder, and publish the result. An engine
        that holds nothing is an empty store: the first write starts from nothing."""
        held, local = self.current(fresh=True), current_release(self.local_root)
        if held is not None and (local is None or held.id != local.id):
            raise Conflict("writes go through the machine that built the engine's current release; "
                                  "this store folder does not hold it")
        operation = replace(operation, expected=(local and local.id,), empty=held is None)
        result = write_locally(self.local_root, operation, timeout, self.keep)
        try:
            self.publish(current_release(self.local_root), local, progress=lambda message: None)
        finally:
            self.confirmed = float("-inf")  # this process's next read asks the engine which release it holds
        return result

    def warm(self) -> None:
        pass

    def close(self) -> None:
        self.copies.close()


def write_locally(root: Path, operation: WriteJob, timeout: float, keep: int) -> dict:
    """A write applied to the store folder as a new release (writes.py). Raises an errors.TwinningError."""
    return in_process(root, operation, timeout, keep)


def create_backend(config) -> Backend:
    """The backend the settings name (server.SETTINGS: BACKEND, STORE, ENDPOINT, ...)."""
    kind = config["BACKEND"]
    if kind == "embedded":
        return Embedded(Path(config["STORE"]), int(config["QUERY_WORKERS"]), int(config["KEEP_RELEASES"]))
    if kind == "sparql":
        if not config["ENDPOINT"]:
            raise ValueError("the sparql backend needs an endpoint: set TWINNING_ENDPOINT or --endpoint")
        return Sparql(Path(config["STORE"]), config["ENDPOINT"], config["UPDATE_ENDPOINT"],
                      config["STORE_ENDPOINT"], config["ENDPOINT_USER"], config["ENDPOINT_PASSWORD"],
                      int(config["KEEP_RELEASES"]), int(config["QUERY_WORKERS"]))
    raise ValueError(f"unknown backend {kind!r}: choose one of {', '.join(BACKENDS)}")
