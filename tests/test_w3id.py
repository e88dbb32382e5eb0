"""The w3id.org redirect rules (docs/w3id/.htaccess): served by an Apache httpd of its own (Debian's `apache2`) under
/nzc-twinning/ as w3id.org serves its folders, they send the graph's IRIs to a running `twinning serve`, and
following them gives what the Accept header asked for. Skips without apache2; fails instead with
TWINNING_TEST_ENGINES=required (as .ci/run sets).
"""
import os
import subprocess
import tempfile
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from bench.engines import free_port, wait_until_answering

from .conftest import PROJECT, stop_server
from .test_proxy import fetch, require

pytestmark = pytest.mark.live

HTACCESS = PROJECT / "docs" / "w3id" / ".htaccess"
PLACEHOLDER = "https://twinning.example.org"  # the deployment's address in the committed file
MODULES = Path("/usr/lib/apache2/modules")  # where Debian's apache2 package puts them
LUND = "https://w3id.org/nzc-twinning/id/city/lund"


@pytest.fixture(scope="module")
def w3id(live_server, tmp_path_factory):
    """Base URL of an Apache serving a w3id.org-like tree whose nzc-twinning/.htaccess points to the live server."""
    apache = require("apache2", "apache2-bin")
    assert (MODULES / "mod_rewrite.so").exists(), f"apache2 without its modules in {MODULES}"
    folder = tmp_path_factory.mktemp("apache")
    rules = HTACCESS.read_text()
    assert PLACEHOLDER in rules
    with tempfile.TemporaryDirectory() as site:
        # Apache started as root serves from workers of another user: the tree must be readable by all.
        os.chmod(site, 0o755)
        (Path(site) / "nzc-twinning").mkdir(mode=0o755)
        (Path(site) / "nzc-twinning" / ".htaccess").write_text(rules.replace(PLACEHOLDER, live_server))
        port = free_port()
        user = "User nobody\nGroup #65534" if os.geteuid() == 0 else ""
        (folder / "httpd.conf").write_text(f"""ServerRoot "{folder}"
DefaultRuntimeDir "{folder}"
PidFile "{folder / 'httpd.pid'}"
ErrorLog "{folder / 'error.log'}"
LogLevel warn
Listen 127.0.0.1:{port}
ServerName 127.0.0.1
{user}
LoadModule mpm_event_module {MODULES / 'mod_mpm_event.so'}
LoadModule authz_core_module {MODULES / 'mod_authz_core.so'}
LoadModule rewrite_module {MODULES / 'mod_rewrite.so'}
DocumentRoot "{site}"
<Directory "{site}">
    AllowOverride All
    Require all granted
</Directory>
""")
        process = subprocess.Popen([apache, "-f", str(folder / "httpd.conf"), "-DFOREGROUND"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}/nzc-twinning/"
        try:
            wait_until_answering(base + "ontology.ttl", process, seconds=30)
        except RuntimeError as error:
            stop_server(process)
            log = folder / "error.log"
            raise RuntimeError(f"{error}: {log.read_text(errors='replace') if log.exists() else ''}") from None
        yield base
        stop_server(process)


def redirect(url: str, accept: str) -> tuple[int, str]:
    status, headers, _ = fetch(url, {"Accept": accept})
    return status, headers.get("Location")


@pytest.mark.parametrize("accept", ["text/turtle", "text/html", "application/ld+json"])
def test_id_iri_redirects_to_deployment_whatever_accept(w3id, live_server, accept):
    assert redirect(w3id + "id/city/lund", accept) == (303, live_server + "/id/city/lund")


def test_id_iri_followed_gives_turtle(w3id):
    _, location = redirect(w3id + "id/city/lund", "text/turtle")
    status, headers, body = fetch(location, {"Accept": "text/turtle"})
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=body.decode(), format="turtle")
    assert (URIRef(LUND), RDFS.label, Literal("Lund", lang="en")) in graph


def test_id_iri_followed_gives_html_page(w3id):
    _, location = redirect(w3id + "id/city/lund", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8")
    status, headers, body = fetch(location, {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"})
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "<h1>Lund</h1>" in body.decode()


def test_ontology_iri_negotiated_at_deployment(w3id, live_server):
    status, location = redirect(w3id + "ontology", "text/turtle")
    assert (status, location) == (303, live_server + "/ontology")
    status, headers, body = fetch(location, {"Accept": "text/turtle"})
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=body.decode(), format="turtle")
    assert (URIRef("https://w3id.org/nzc-twinning/ontology"), RDF.type, OWL.Ontology) in graph
    assert (URIRef("https://w3id.org/nzc-twinning/ontology#City"), RDF.type, OWL.Class) in graph
    status, headers, _ = fetch(location, {"Accept": "text/html"})
    assert status == 200 and headers["Content-Type"].startswith("text/html")


def test_documents_redirect_with_302(w3id, live_server):
    assert redirect(w3id + "ontology.ttl", "*/*") == (302, live_server + "/ontology.ttl")
    assert fetch(live_server + "/ontology.ttl")[0] == 200
    assert redirect(w3id, "text/html") == (302, live_server + "/")

