"""The graphs a release occupies on an engine, by name: the release record, its default and union graphs, staging
graphs while publishing, and a name for an empty part of a dataset."""
from .. import export
from ..release import Release

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


def named_graphs(release: Release) -> list[str]:
    """The release's own named graphs (not the stand-ins for its default and union graphs)."""
    return sorted(set(release.info.get("graph_digests", {})) - {DEFAULT_GRAPH, UNION_GRAPH})
