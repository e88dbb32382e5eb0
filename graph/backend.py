"""Where the graph is held and queried: the embedded pyoxigraph store (the default) or a remote SPARQL 1.1 engine.

Both backends have one interface, through which the server, the pages and the command line reach the store:
    current() -> Release | None         the release being served
    run(job, timeout) -> pool.Answer    a query or export job (pool.query_job), its answer streamed
    write(operation, timeout) -> dict   a SPARQL Update or Graph Store write, applied as a new release
    close()
"""
from pathlib import Path

from .pool import QueryError, WorkerPool
from .release import Release, current_release, exclusive, switch_to
from .remote import Engine, RemoteStore, publish
from .writes import WriteError, in_process

BACKENDS = ("embedded", "sparql")


class Embedded:
    """Releases in on-disk pyoxigraph stores under one folder; queries in supervised worker processes."""

    kind = "embedded"

    def __init__(self, root: Path, workers: int):
        self.root = Path(root)
        self.pool = WorkerPool(workers)

    def current(self) -> Release | None:
        return current_release(self.root)

    def run(self, job: dict, timeout: float):
        return self.pool.run(job, timeout)

    def write(self, operation: dict, timeout: float) -> dict:
        return write_locally(self.root, operation, timeout)

    def warm(self) -> None:
        self.pool.warm()

    def close(self) -> None:
        self.pool.close()


class Sparql(RemoteStore):
    """A remote engine holds the graph and answers queries (remote.py). Releases are still built, checked and
    written (dumps included) in the local store folder, then published to the engine; writes too."""

    kind = "sparql"

    def __init__(self, root: Path, endpoint: str, update_endpoint: str = "", store_endpoint: str = "",
                 user: str = "", password: str = ""):
        super().__init__(Engine(endpoint, update_endpoint, store_endpoint, user, password), root)

    def publish(self, release: Release, previous: Release | None, progress=print) -> None:
        """Publish a release built locally; if that fails, the local folder goes back to `previous` too."""
        try:
            with exclusive(self.local_root):  # one publish at a time from this store folder
                publish(self.engine, release, progress)
        except QueryError:
            if previous is not None:
                switch_to(self.local_root, previous.path)
            raise

    def write(self, operation: dict, timeout: float) -> dict:
        held, local = self.current(fresh=True), current_release(self.local_root)
        if held is None or local is None or held.id != local.id:
            raise QueryError(409, "writes go through the machine that built the engine's current release; "
                                  "this store folder does not hold it")
        result = write_locally(self.local_root, operation, timeout)
        self.publish(current_release(self.local_root), local, progress=lambda message: None)
        return result

    def warm(self) -> None:
        pass

    def close(self) -> None:
        self.copies.close()


def write_locally(root: Path, operation: dict, timeout: float) -> dict:
    """A write applied to the store folder as a new release (writes.py)."""
    try:
        return in_process(root, operation, timeout)
    except WriteError as error:
        raise QueryError(error.status, str(error)) from None


def create_backend(config) -> Embedded | Sparql:
    """The backend the settings name (server.SETTINGS: BACKEND, STORE, ENDPOINT, ...)."""
    kind = config["BACKEND"]
    if kind == "embedded":
        return Embedded(Path(config["STORE"]), int(config["QUERY_WORKERS"]))
    if kind == "sparql":
        if not config["ENDPOINT"]:
            raise ValueError("the sparql backend needs an endpoint: set TWINNING_ENDPOINT or --endpoint")
        return Sparql(Path(config["STORE"]), config["ENDPOINT"], config["UPDATE_ENDPOINT"],
                      config["STORE_ENDPOINT"], config["ENDPOINT_USER"], config["ENDPOINT_PASSWORD"])
    raise ValueError(f"unknown backend {kind!r}: choose one of {', '.join(BACKENDS)}")
