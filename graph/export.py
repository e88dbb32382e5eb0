"""Export of a release: the whole dataset or one named graph, streamed by pyoxigraph."""
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from .formats import DATASET_FORMATS, GRAPH_FORMATS


def export(release_path: Path, name: str, output: BinaryIO, graph: str | None = None) -> None:
    """Write a release (or one of its named graphs) in format `name`. Raises ValueError for an unknown graph."""
    store = ox.Store.read_only(str(release_path))
    rdf_format = GRAPH_FORMATS[name][2]
    if graph is not None:
        node = ox.NamedNode(graph)
        if not store.contains_named_graph(node):
            raise ValueError(f"the release has no named graph <{graph}>")
        store.dump(output, rdf_format, from_graph=node)
    elif name in DATASET_FORMATS:
        store.dump(output, rdf_format)
    else:
        # A triple format cannot name graphs: write the union of all graphs, each triple once.
        store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", use_default_graph_as_union=True).serialize(
            output, rdf_format)
