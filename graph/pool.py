"""A supervised pool of query worker processes (see worker.py): deadlines, crash containment, streaming.

A request borrows one worker, sends it a job and reads its frames. A query past its deadline gets its worker
killed (the only way to stop pyoxigraph) and replaced; a worker that dies costs only the request it was serving.
"""
import json
import os
import select
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

from .errors import EngineFailed, Unavailable, for_status
from .jobs import Job, to_line
from .release import Release


class Lease:
    """A borrowed worker, given back exactly once: healthy after a clean end, retired otherwise."""

    def __init__(self, pool: "WorkerPool", worker: "Worker"):
        self.pool, self.worker, self.done = pool, worker, False

    def end(self, healthy: bool) -> None:
        if not self.done:
            self.done = True
            self.pool._give_back(self.worker) if healthy else self.pool._retire(self.worker)


@dataclass
class Answer:
    """The head of a successful answer: the format the worker chose, and the body still to stream.

    Call close() when the response is done (WSGI servers close responses even when they never read the body, as
    for HEAD or 304): a worker whose answer was not read to the end is retired, never reused half-read.
    """

    format: str
    graph: bool
    body: Iterator[bytes]
    lease: Lease | None  # None: nothing to give back (an answer from memory)
    capped: bool = False
    # The release answered from, where the backend chose it: a remote engine may have switched since the job was made.
    release: Release | None = None

    def close(self) -> None:
        if self.lease is not None:
            self.lease.end(healthy=False)


class Worker:
    def __init__(self):
        # A separate interpreter, not a fork: the parent may be threaded, and a fresh process holds no store handles.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "graph.worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        )
        self.fd = self.process.stdout.fileno()
        self.pending = bytearray()

    def send(self, job: Job) -> None:
        self.process.stdin.write(to_line(job))
        self.process.stdin.flush()

    def read_exact(self, size: int, deadline: float) -> bytes:
        while len(self.pending) < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self.fd], [], [], remaining)[0]:
                raise TimeoutError
            chunk = os.read(self.fd, max(size - len(self.pending), 1 << 16))
            if not chunk:
                raise EOFError
            self.pending += chunk
        data = bytes(self.pending[:size])
        del self.pending[:size]
        return data

    def frame(self, deadline: float) -> tuple[bytes, bytes]:
        head = self.read_exact(5, deadline)
        return head[:1], self.read_exact(struct.unpack(">I", head[1:])[0], deadline)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            try:
                pipe.close()
            except OSError:
                pass


class WorkerPool:
    def __init__(self, size: int):
        self.size = size
        self.idle: list[Worker] = []
        self.busy: set[Worker] = set()
        self.lock = threading.Condition()
        self.started = 0
        self.restarts = 0
        self.closed = False

    def warm(self) -> None:
        """Start workers up to the pool's size in the background, so no request waits for a process to start."""
        def start():
            while True:
                with self.lock:
                    if self.started >= self.size or self.closed:
                        return
                    self.started += 1
                try:
                    worker = Worker()
                except OSError:
                    with self.lock:
                        self.started -= 1
                    return
                self._give_back(worker)
        threading.Thread(target=start, daemon=True).start()

    def _borrow(self, deadline: float) -> Worker:
        if self.started < self.size:
            self.warm()
        with self.lock:
            while not self.idle and self.started >= self.size:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise Unavailable("all query workers are busy; try again shortly", retry_after=1)
                self.lock.wait(remaining)
            if self.idle:
                worker = self.idle.pop()
                self.busy.add(worker)
                return worker
            self.started += 1
        try:
            worker = Worker()
        except OSError:
            self._retire(None)
            raise
        with self.lock:
            self.busy.add(worker)
        return worker

    def _give_back(self, worker: Worker) -> None:
        with self.lock:
            self.busy.discard(worker)
            if not self.closed:
                self.idle.append(worker)
                self.lock.notify()
                return
        worker.kill()  # the pool was closed while this worker was out

    def _retire(self, worker: Worker | None) -> None:
        """Kill a worker that timed out, crashed or was abandoned; a new one starts on the next borrow."""
        if worker is not None:
            worker.kill()
        with self.lock:
            self.busy.discard(worker)
            self.started -= 1
            self.restarts += 1
            self.lock.notify()

    def run(self, job: Job, timeout: float) -> Answer:
        """Start a job; return the answer's head once the first bytes exist. Raises an errors.TwinningError."""
        deadline = time.monotonic() + timeout
        worker = self._borrow(deadline)
        try:
            worker.send(job)
            _, payload = worker.frame(deadline)
        except TimeoutError:
            self._retire(worker)
            raise Unavailable(f"the query was stopped after its time limit of {timeout:g} s", retry_after=5)
        except (EOFError, BrokenPipeError):
            self._retire(worker)
            raise EngineFailed("the query engine aborted while evaluating this query; other queries are not "
                                  "affected")
        header = json.loads(payload)
        if header["status"] != 200:
            self._give_back(worker)
            raise for_status(header["status"], header["error"])
        lease = Lease(self, worker)
        return Answer(header["format"], header["graph"], self._stream(lease, deadline, timeout), lease,
                      header.get("capped", False))

    def _stream(self, lease: Lease, deadline: float, timeout: float) -> Iterator[bytes]:
        """Yield the data frames; a failure after the head was sent can only cut the response short."""
        try:
            while True:
                kind, payload = lease.worker.frame(deadline)
                if kind == b"D":
                    yield payload
                elif kind == b"Z":
                    lease.end(healthy=True)
                    return
                else:
                    raise EngineFailed(payload.decode(errors="replace"))
        except TimeoutError:
            raise Unavailable(f"the query was stopped after its time limit of {timeout:g} s")
        except EOFError:
            raise EngineFailed("the query engine aborted while streaming this result")
        finally:
            lease.end(healthy=False)  # no-op after a clean end; otherwise its state is unknown

    def close(self) -> None:
        with self.lock:
            self.closed = True
            workers, self.idle = self.idle, []
        for worker in workers:
            worker.kill()
