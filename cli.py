"""The `twinning` command: a thin face over loaders/ and graph/.

Exit codes: 0 success, 1 bad data (row errors, shape violations, a query the engine rejects), 2 usage or internal.
"""
import json
import sys
from pathlib import Path

import click

from graph.formats import GRAPH_FORMATS, RESULT_FORMATS, SUFFIXES

FORMAT_NAMES = sorted({*RESULT_FORMATS, *GRAPH_FORMATS})
EXPORT_TIMEOUT = 24 * 3600  # an export from the command line is not a web request: let it finish


def application(**overrides):
    """The app as the server would be set up (defaults, TWINNING_* variables, command-line overrides on top): its
    config holds the settings, its backend the store."""
    from server import create_app

    try:
        return create_app({key.upper(): value for key, value in overrides.items() if value is not None})
    except ValueError as error:  # e.g. the sparql backend without an endpoint
        progress(str(error))
        sys.exit(2)


def progress(message: str) -> None:
    click.echo(f"twinning: {message}", err=True)


def backend_or_exit(app):
    """The app's backend (TWINNING_BACKEND, ...) and its current release; exit 2 with a hint when there is none."""
    from graph.errors import TwinningError

    backend = app.extensions["twinning.backend"]
    try:
        release = backend.current()
    except TwinningError as error:
        progress(error.message)
        sys.exit(1)
    if release is None:
        progress("no release yet: run `twinning load`")
        sys.exit(2)
    return backend, release


def stream(backend, job, timeout: float):
    """Run a job on the backend and yield its bytes; exit 1 with the engine's message if it fails."""
    from graph.errors import TwinningError

    try:
        answer = backend.run(job, timeout)
        yield from answer.body
        answer.close()
    except TwinningError as error:
        progress(error.message)
        sys.exit(1)
    finally:
        backend.close()


def backend_options(command):
    """--backend and the remote engine's endpoints, the same settings as TWINNING_BACKEND, TWINNING_ENDPOINT, ...
    (user and password only by TWINNING_ENDPOINT_USER and TWINNING_ENDPOINT_PASSWORD, to keep them out of `ps`)."""
    options = [
        click.option("--backend", type=click.Choice(["embedded", "sparql"]),
                     help="Where the graph is held (default: TWINNING_BACKEND or embedded)."),
        click.option("--endpoint", metavar="QUERY_URL", help="The remote engine's SPARQL query endpoint."),
        click.option("--update-endpoint", metavar="URL", help="Its SPARQL Update endpoint (default: QUERY_URL)."),
        click.option("--store-endpoint", metavar="URL",
                     help="Its Graph Store Protocol endpoint (default: load by SPARQL Update)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Build, serve and query the NetZeroCities twinning knowledge graph."""


@main.command()
@click.argument("data_dir", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--store", type=click.Path(file_okay=False, path_type=Path),
              help="Store folder (default: TWINNING_STORE, else store/ in the app's instance folder).")
@backend_options
def load(data_dir, store, **remote):
    """Build a release from DATA_DIR (default: TWINNING_DATA_DIR, else the fact files shipped with the project) and
    switch it in.

    Every row error is printed as file:line: column: message; on any error nothing is written and the current
    release keeps serving. With --backend sparql the release is built and checked in the store folder, then
    published to the engine graph by graph and switched in there with one update.
    """
    from graph.build import build
    from graph.errors import TwinningError
    from graph.release import ShapeViolation, current_release
    from loaders import DataError

    app = application(store=store and str(store), data_dir=data_dir and str(data_dir), **remote)
    config = app.config
    backend = app.extensions["twinning.backend"]
    if backend.kind == "sparql":  # an engine that cannot be reached, or refuses the credentials, is found before the build
        try:
            backend.current(fresh=True)
            backend.engine.authenticate()
        except TwinningError as error:
            progress(f"{error.message}; nothing was built")
            sys.exit(1)
    data_dir = Path(config["DATA_DIR"])
    progress(f"reading {data_dir}")
    previous = current_release(Path(config["STORE"]))
    try:
        release = build(data_dir, Path(config["STORE"]), progress=progress, keep=int(config["KEEP_RELEASES"]))
    except DataError as error:
        click.echo(str(error), err=True)
        progress(f"{len(error.errors)} row error(s); nothing was written")
        sys.exit(1)
    except ShapeViolation as error:
        click.echo(str(error), err=True)
        progress("the data violate the SHACL shapes; nothing was switched in")
        sys.exit(1)
    if backend.kind == "sparql":
        try:
            backend.publish(release, previous, progress)
        except TwinningError as error:
            progress(f"{error.message}; the engine keeps its previous release")
            sys.exit(1)
    click.echo(json.dumps(release.info, indent=2))


@main.command()
@click.option("--host", help="Address to listen on (default 127.0.0.1).")
@click.option("--port", type=int, help="Port to listen on (default 5000).")
@click.option("--store", type=click.Path(file_okay=False, path_type=Path), help="Store folder.")
@click.option("--workers", type=int, help="HTTP worker processes (default 2).")
@click.option("--threads", type=int, help="Threads per HTTP worker (default 8).")
@click.option("--http-server", help="HTTP server: gunicorn (the default) or granian, faster for small answers "
              "(docs/deploy.md).")
@click.option("--debug", is_flag=True, help="Flask's development server with reloader; never in production.")
@backend_options
def serve(host, port, store, workers, threads, http_server, debug, **remote):
    """Serve the current release: /sparql, named queries and the home page."""
    from graph.errors import TwinningError

    app = application(host=host, port=port, store=store and str(store), server_workers=workers,
                      server_threads=threads, http_server=http_server, **remote)
    config = app.config
    try:
        held = app.extensions["twinning.backend"].current()
    except TwinningError as error:
        progress(f"{error.message}; /sparql answers 503 until it answers")
    else:
        if held is None and config["UPDATE_TOKEN"]:
            progress(f"no release in {config['ENDPOINT'] or config['STORE']} yet: serving an empty store; the first "
                     "write makes the first release")
        elif held is None:
            progress(f"no release in {config['ENDPOINT'] or config['STORE']} yet: run `twinning load`; "
                     "/sparql answers 503 until then")
    if debug:
        app.run(host=config["HOST"], port=int(config["PORT"]), debug=True)
        return
    from web import http_server

    progress(f"serving http://{config['HOST']}:{config['PORT']}/sparql from the {config['BACKEND']} backend with "
             f"{config['HTTP_SERVER']}")
    http_server.serve(app)


@main.command()
@click.argument("text", required=False)
@click.option("--name", "-n", help="Run the named query queries/NAME.rq instead of TEXT.")
@click.option("--param", "-p", multiple=True, metavar="NAME=VALUE", help="A named query parameter (repeatable).")
@click.option("--format", "-f", "fmt", type=click.Choice(FORMAT_NAMES), help="Result format (default json, or "
              "turtle for CONSTRUCT/DESCRIBE).")
@click.option("--output", "-o", type=click.File("wb"), default="-", help="File to write (default: stdout).")
@click.option("--store", type=click.Path(file_okay=False, path_type=Path), help="Store folder.")
def query(text, name, param, fmt, output, store):
    """Run a SPARQL query (TEXT, or - for stdin) or a named query on the current release."""
    from graph.jobs import QueryJob
    from graph.named import ParameterError

    app = application(store=store and str(store))
    config = app.config
    substitutions = {}
    if name:
        from graph.named import load_named_queries
        from nzc_twinning.files import shipped

        named = load_named_queries(shipped("queries")).get(name)
        if named is None:
            raise click.UsageError(f"there is no named query {name!r}")
        values = dict(item.partition("=")[::2] for item in param)
        try:
            substitutions = named.bind(values)
        except ParameterError as error:
            raise click.UsageError(str(error))
        text = named.text
    elif text in (None, "-"):
        text = sys.stdin.read()
    backend, release = backend_or_exit(app)
    job = QueryJob(str(release.path), text, fmt if fmt in RESULT_FORMATS else ("json" if fmt is None else None),
                   fmt if fmt in GRAPH_FORMATS else ("turtle" if fmt is None else None),
                   bool(config["UNION_DEFAULT_GRAPH"]), substitutions)
    for chunk in stream(backend, job, float(config["QUERY_TIMEOUT"])):
        output.write(chunk)


@main.command()
@click.option("--store", type=click.Path(file_okay=False, path_type=Path), help="Store folder.")
def coverage(store):
    """Print the coverage of the twinning cohorts (the named query `coverage`) as a Markdown table."""
    from graph.jobs import QueryJob
    from graph.named import load_named_queries
    from nzc_twinning.files import shipped

    backend, release = backend_or_exit(application(store=store and str(store)))
    job = QueryJob(str(release.path), load_named_queries(shipped("queries"))["coverage"].text)
    rows = json.loads(b"".join(stream(backend, job, 60)))["results"]["bindings"]
    click.echo(coverage_table(rows))


def coverage_table(rows: list[dict]) -> str:
    lines = ["| twinning cohort | published sizes (sources) | participations known | pairings known |",
             "|---|---|---|---|"]
    for row in rows:
        sizes = ", ".join(sorted(row.get("publishedSizes", {}).get("value", "").split(", "), reverse=True))
        lines.append(f"| {row['cohortNumber']['value']} | {sizes or 'none published'} | "
                     f"{row['twinsKnown']['value']} | {row['pairingsKnown']['value']} |")
    return "\n".join(lines)


@main.command()
@click.option("--format", "-f", "fmt", type=click.Choice(sorted(SUFFIXES)), default="nq", show_default=True,
              help="File format by suffix: ttl, nt and rdf hold the union of all graphs, sorted; nq, trig and "
                   "jsonld keep the named graphs.")
@click.option("--output", "-o", type=click.File("wb"), default="-", help="File to write (default: stdout).")
@click.option("--graph", "graph_iri", help="Export only this named graph.")
@click.option("--store", type=click.Path(file_okay=False, path_type=Path), help="Store folder.")
def export(fmt, output, graph_iri, store):
    """Write the current release (or one named graph) to a file or stdout, byte-identical for the same release."""
    from graph.jobs import DumpJob

    backend, release = backend_or_exit(application(store=store and str(store)))
    job = DumpJob(str(release.path), SUFFIXES[fmt], graph_iri)
    for chunk in stream(backend, job, EXPORT_TIMEOUT):
        output.write(chunk)


@main.command()
@click.argument("data_dir", required=False, type=click.Path(file_okay=False, path_type=Path))
def validate(data_dir):
    """Check DATA_DIR's rows, the SHACL shapes and the Wikidata links' cross-check without building; print the
    report."""
    from graph.build import check
    from loaders import DataError, wikidata

    data_dir = Path(application(data_dir=data_dir and str(data_dir)).config["DATA_DIR"])
    try:
        conforms, report = check(data_dir)
    except DataError as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    click.echo(report)
    # Wikidata candidates that fail the cross-check are reported; a link that fails it fails the run.
    findings = wikidata.check(data_dir)
    for finding in findings:
        click.echo(str(finding), err=True)
    sys.exit(0 if conforms and not any(f.fatal for f in findings) else 1)


@main.command()
@click.option("--base", default="http://127.0.0.1:5000/", show_default=True,
              help="Public base URL of the server, as the record names it (what /catalog answers there).")
@click.option("--shapes", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of the DCAT-AP 3 SHACL shapes (*.ttl) for the compliance indicator; without it that "
                   "indicator is not checked and earns nothing.")
@click.option("--check", is_flag=True, help="Request every access and download URL (HEAD, as the MQA does) instead "
                                            "of scoring them as the record states them.")
@click.option("--store", type=click.Path(file_okay=False, path_type=Path), help="Store folder.")
def quality(base, shapes, check, store):
    """Score the current release's DCAT-AP record by data.europa.eu's Metadata Quality Assessment: each indicator's
    points, the total and the rating."""
    from rdflib import Graph

    from graph.metadata import catalog_graph
    from graph.patch import versions
    from graph.quality import assess

    base = base if base.endswith("/") else base + "/"
    shapes_graph = None
    if shapes is not None:
        files = sorted(shapes.glob("*.ttl"))
        if not files:
            raise click.UsageError(f"no *.ttl shapes in {shapes}")
        shapes_graph = Graph()
        for file in files:
            shapes_graph.parse(file, format="turtle")
    app = application(store=store and str(store))
    backend, release = backend_or_exit(app)
    backend.close()
    record = catalog_graph(release.info, base, versions(app.config["STORE"]))
    assessment = assess(record, shapes=shapes_graph, status=http_status if check else None)
    for indicator in assessment.indicators:
        click.echo(f"{indicator.dimension:<17} {indicator.name:<38} {indicator.earned:>6g} / {indicator.points:<3} "
                   f"{indicator.note}")
    click.echo(f"total {assessment.total:g} of {assessment.possible} points: {assessment.rating}")


def http_status(url: str) -> int | None:
    """The status of a HEAD request to `url`, or None when it cannot be reached within 10 seconds."""
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, OSError):
        return None


@main.command()
@click.argument("older")
@click.argument("newer")
@click.option("--output", "-o", type=click.File("wb"), default="-", help="File to write (default: stdout).")
@click.option("--store", type=click.Path(file_okay=False, path_type=Path), help="Store folder.")
def diff(older, newer, output, store):
    """Write what changed from release OLDER to release NEWER as RDF Patch (text/rdf-patch), as
    /releases/NEWER/changes?since=OLDER does. Exit 1 for a release that is not kept in the store folder."""
    from graph import patch
    from graph.errors import NotFound
    from graph.release import kept_releases

    root = Path(application(store=store and str(store)).config["STORE"])
    try:
        for chunk in patch.diff(patch.find(root, older), patch.find(root, newer)):
            output.write(chunk)
    except NotFound as error:
        kept = ", ".join(release.id for release in kept_releases(root)) or "none"
        progress(f"{error.message} in {root} (kept: {kept})")
        sys.exit(1)


@main.command()
@click.option("--store", type=click.Path(file_okay=False, path_type=Path), help="Store folder.")
def releases(store):
    """List the kept releases, newest first, one a line: id, created, triples, the release it changed from, and
    `current` for the one being served. Each is queryable as it was at /releases/ID/sparql."""
    from graph.errors import TwinningError
    from graph.release import kept_releases, summaries

    app = application(store=store and str(store))
    backend = app.extensions["twinning.backend"]
    try:
        held = backend.current()
    except TwinningError as error:  # an engine that cannot be reached: list what the folder keeps anyway
        progress(error.message)
        held = None
    finally:
        backend.close()
    for row in summaries(kept_releases(Path(app.config["STORE"])), held and held.id):
        click.echo(f"{row['id']}  {row['created']}  {row['triples']} triples  from {row['parent'] or '-'}"
                   + ("  current" if row["current"] else ""))


if __name__ == "__main__":
    main()
