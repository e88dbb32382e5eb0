"""An engine's answers on their way to the client: passed through in chunks when the engine writes the format
faithfully, else re-encoded (results from SPARQL XML, graphs from N-Triples) with wrapped datatypes unwrapped; rows
counted against the row limit; every body stopped at the query's deadline."""
import itertools
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import pyoxigraph as ox

from .. import results
from ..errors import BadGateway, Unavailable
from ..formats import GRAPH_FORMATS
from ..pool import Answer
from .engine import unwrap, unwrap_rows

CHUNK = 64 * 1024


class Closer:
    """Stands for a query worker's lease (pool.Lease): ending it closes the engine's response."""

    def __init__(self, response):
        self.response = response

    def end(self, healthy: bool) -> None:
        if self.response is not None:
            self.response.close()


def passed_through(name: str, graph: bool, response, deadline: float) -> Answer:
    """The engine's body, unchanged."""
    return Answer(name, graph, stream(response, deadline), Closer(response))


def more_rows_than(limit: int, response, deadline: float, stopped: Unavailable) -> bool:
    """Whether an answer in SPARQL XML has more than `limit` rows (the counting pass, as the embedded store makes).
    Raises `stopped` past the deadline, BadGateway for an answer that is not SPARQL XML."""
    try:
        _, rows = results.read_xml(response)
        for counted, _ in enumerate(rows, 1):
            if time.monotonic() > deadline:
                raise stopped
            if counted > limit:
                return True
    except (ET.ParseError, OSError) as error:  # a read that timed out, or a broken answer
        if time.monotonic() >= deadline:
            raise stopped from None
        raise BadGateway(f"the SPARQL engine's answer is not SPARQL XML: {error}") from None
    return False


def reencoded_results(name: str, response, deadline: float, cap: int = 0) -> Answer:
    """Results read from the engine's SPARQL XML and written in format `name`, cut at `cap` rows if given."""
    try:
        answer = results.read_xml(response)
    except (ET.ParseError, OSError) as error:
        response.close()
        raise BadGateway(f"the SPARQL engine's answer is not SPARQL XML: {error}") from None
    if not isinstance(answer, results.Boolean):
        variables, rows = answer
        answer = (variables, unwrap_rows(itertools.islice(rows, cap) if cap else rows))
    return Answer(name, False, timed(results.write(answer, name), deadline, response), Closer(response), bool(cap))


def reencoded_graph(name: str, response) -> Answer:
    """A graph read from the engine's N-Triples and written in format `name`."""
    with response:
        triples = ox.parse(unwrap(response.read()), format=ox.RdfFormat.N_TRIPLES)
        body = ox.serialize(triples, format=GRAPH_FORMATS[name][2])
    return Answer(name, True, iter([body]), Closer(None))


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
                raise Unavailable("the query was stopped after its time limit")
    finally:
        response.close()
