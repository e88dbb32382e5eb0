"""The public address behind a reverse proxy (issue 12, item 4): through a real nginx serving the app under
/twinning/, every URL the service publishes (catalogue, VoID, service description, OpenAPI, Link headers, pages)
names the public address, never the backend's; the pages and the editor work under the prefix; the rate limit keys
on the real client. Then TWINNING_PUBLIC_URL instead of forwarded headers.

nginx is Debian's package, started here with a configuration of its own on a loopback port. Where it is not
installed these tests skip; with TWINNING_TEST_ENGINES=required (as .ci/run sets) they fail instead.
"""
import grp
import http.client
import json
import os
import pwd
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDFS

from bench.engines import free_port, wait_until_answering
from server import create_app
from web.address import forwarded_elements

from .conftest import start_server, stop_server
from .test_browser import show_table

live = pytest.mark.live

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
LUND = "https://w3id.org/nzc-twinning/id/city/lund"
PREFIX = "/twinning"
PUBLIC = "https://data.example.org/twinning/"
NGINX_ADDRESS = "127.0.0.2"  # nginx connects to the backend from here: the proxy's own address, never a client's

# The headers a proxy sets for the app, by variant; nginx passes none of them unless told to.
X_FORWARDED = """
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header X-Forwarded-Host $host;
        proxy_set_header X-Forwarded-Port $server_port;
        proxy_set_header X-Forwarded-Prefix /twinning;"""
FORWARDED = """
        proxy_set_header Forwarded "for=$remote_addr;proto=$scheme;host=\\"$host:$server_port\\"";
        proxy_set_header X-Forwarded-Prefix /twinning;
        proxy_set_header X-Forwarded-For "";
        proxy_set_header X-Forwarded-Proto "";
        proxy_set_header X-Forwarded-Host "";
        proxy_set_header X-Forwarded-Port "";"""


def require(command: str, package: str) -> str:
    """The path of a Debian tool (also looked up in the sbin folders a user's PATH may lack); skip without it,
    or fail when the tests are told that every outside tool is there."""
    path = shutil.which(command, path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"]))
    if path is None:
        message = f"{command} is not installed here (Debian package {package}; .ci/run installs it)"
        if os.environ.get("TWINNING_TEST_ENGINES") == "required":
            pytest.fail(message)
        pytest.skip(message)
    return path


def run_as_me() -> str:
    """As root, nginx and Apache hand requests to workers of another user, who could not reach the test's folders:
    keep them this user."""
    return f"{pwd.getpwuid(os.geteuid()).pw_name} {grp.getgrgid(os.getegid()).gr_name}" if os.geteuid() == 0 else ""


def start_nginx(folder: Path, backend: str, headers: str) -> tuple[subprocess.Popen, str]:
    """nginx of its own on a loopback port, proxying /twinning/ to `backend` with a plain proxy_pass and these
    headers; its base URL (with the prefix, no trailing slash)."""
    nginx = require("nginx", "nginx")
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    user = f"user {run_as_me()};" if run_as_me() else ""
    temp = "\n".join(f"    {kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                           "scgi"))
    (folder / "nginx.conf").write_text(f"""{user}
worker_processes 1;
pid {folder / "nginx.pid"};
error_log {folder / "error.log"} warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
{temp}
    server {{
        listen 127.0.0.1:{port};
        location {PREFIX}/ {{
            proxy_pass {backend}/;
            proxy_bind {NGINX_ADDRESS};{headers}
        }}
    }}
}}
""")
    process = subprocess.Popen([nginx, "-p", str(folder), "-e", str(folder / "error.log"), "-c",
                                str(folder / "nginx.conf"), "-g", "daemon off;"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_answering(f"http://127.0.0.1:{port}{PREFIX}/limits", process, seconds=30)
    except RuntimeError as error:
        stop_server(process)
        raise RuntimeError(f"{error}: {(folder / 'error.log').read_text(errors='replace')}") from None
    return process, f"http://127.0.0.1:{port}{PREFIX}"


def fetch(url: str, headers: dict | None = None, body: bytes | None = None, client: str = "127.0.0.1"):
    """One HTTP request from a loopback address of choice (each is a different client to the proxy): status,
    headers and body."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60, source_address=(client, 0))
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection.request("POST" if body is not None else "GET", path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def turtle(url: str, headers: dict | None = None) -> tuple[Graph, str]:
    status, _, body = fetch(url, {"Accept": "text/turtle", **(headers or {})})
    assert status == 200, body[:300]
    return Graph().parse(data=body.decode(), format="turtle"), body.decode()


class Links(HTMLParser):
    """Every address an HTML page points to: links, forms, scripts, style sheets, the editor's base path."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found += [value for name, value in attrs if name in ("href", "src", "action", "data-base") and value]


def links_of(url: str) -> list[str]:
    status, _, body = fetch(url, {"Accept": "text/html"})
    assert status == 200, (url, body[:300])
    parser = Links()
    parser.feed(body.decode())
    return [urljoin(url, link) for link in parser.found]


# --- servers ----------------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def proxied_backend(store_path):
    """twinning serve behind one trusted proxy; answers capped at 50 rows, so that a query gets Link headers."""
    require("nginx", "nginx")
    process, base = start_server(store_path, {"TWINNING_PROXY_HOPS": "1", "TWINNING_RATE_LIMIT": "0",
                                              "TWINNING_MAX_RESULT_ROWS": "50"})
    yield base
    stop_server(process)


@pytest.fixture(scope="module", params=["x-forwarded", "forwarded"])
def proxied(request, proxied_backend, tmp_path_factory):
    """(public base, backend base): nginx in front of the backend, with X-Forwarded-* or with Forwarded headers."""
    headers = X_FORWARDED if request.param == "x-forwarded" else FORWARDED
    process, base = start_nginx(tmp_path_factory.mktemp(f"nginx-{request.param}"), proxied_backend, headers)
    yield base + "/", proxied_backend
    stop_server(process)


def assert_not_backend(text: str, backend: str) -> None:
    assert urlsplit(backend).netloc not in text, f"the backend's address {backend} is published"


# --- what the service publishes names the public address --------------------------------------------------------------

@live
def test_get_catalog_names_public_address(proxied):
    public, backend = proxied
    graph, text = turtle(public + "catalog")
    assert (URIRef(public + "catalog"), DCAT.service, URIRef(public + "sparql")) in graph
    downloads = [str(o) for o in graph.objects(None, DCAT.downloadURL)]
    assert downloads and all(url.startswith((public + "dumps/", public + "releases/")) for url in downloads)
    assert any(url.startswith(public + "releases/") for url in downloads)  # a kept release's own dumps
    assert_not_backend(text, backend)


@live
def test_get_void_names_public_address(proxied):
    public, backend = proxied
    graph, text = turtle(public + ".well-known/void")
    assert URIRef(public + "sparql") in set(graph.objects(None, VOID.sparqlEndpoint))
    dumps = [str(o) for o in graph.objects(None, VOID.dataDump)]
    assert dumps and all(url.startswith(public + "dumps/") for url in dumps)
    assert_not_backend(text, backend)


@live
def test_get_service_description_names_public_address(proxied):
    public, backend = proxied
    graph, text = turtle(public + "sparql")
    assert set(graph.objects(None, SD.endpoint)) == {URIRef(public + "sparql")}
    assert set(graph.objects(None, RDFS.seeAlso)) == {URIRef(public + ".well-known/void"), URIRef(public + "catalog")}
    assert_not_backend(text, backend)


@live
def test_get_openapi_server_is_public_address(proxied):
    public, _ = proxied
    status, _, body = fetch(public + "openapi.json")
    assert status == 200
    assert json.loads(body)["servers"] == [{"url": public.rstrip("/")}]
    status, _, body = fetch(public + "queries")
    assert {q["url"] for q in json.loads(body)} == {public + "queries/" + q["name"] for q in json.loads(body)}


@live
def test_capped_answer_links_to_public_address(proxied):
    public, _ = proxied
    status, headers, _ = fetch(public + "sparql?query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D",
                               {"Accept": "application/sparql-results+json"})
    assert status == 200 and headers["X-Twinning-Capped"] == "rows=50"
    targets = [part.split(">")[0].strip(" <") for part in headers["Link"].split(",")]
    assert targets[:2] == [public + "dumps/twinning.nq.gz", public + "limits"]
    assert targets[2].startswith(public + "releases/") and targets[2].endswith("/sparql")  # rel="memento"
    for target in targets:
        assert fetch(target)[0] == 200


@live
def test_pages_link_within_prefix_and_links_work(proxied):
    public, backend = proxied
    check_links(public, backend)


def check_links(site: str, backend: str) -> None:
    """From the home page, a resource page and the workbench, every link to this site stays under /twinning/ and
    answers."""
    origin = urlsplit(site).netloc
    seen = set()
    for page in (site, site + "id/city/lund", site + "ontology", site + "query", site + "map"):
        for link in links_of(page):
            assert_not_backend(link, backend)
            parts = urlsplit(link)
            if parts.netloc != origin:
                continue  # sources, licences: other sites
            assert parts.path.startswith(PREFIX + "/"), f"{page} links to {link}, outside the prefix"
            address = link.split("#")[0]
            if address in seen:
                continue
            seen.add(address)
            status, _, body = fetch(address)
            # a named query without its required parameter is a 400 from the app: the link reached it
            assert status == 200 or (status == 400 and "/queries/" in address), (page, link, status, body[:200])
    assert site + "id/city/lund.ttl" in seen and site + "catalog" in seen


@live
def test_page_footer_names_public_endpoint(proxied):
    public, backend = proxied
    _, _, body = fetch(public, {"Accept": "text/html"})
    assert f">{public}sparql<" in body.decode()
    assert_not_backend(body.decode(), backend)


@live
def test_editor_queries_under_prefix(proxied):
    """What the editor's script does, by hand: read its paths from the page, GET and POST the query there."""
    public, _ = proxied
    _, _, body = fetch(public + "query", {"Accept": "text/html"})
    form = re.search(r'<form id="editor" action="([^"]*)" data-base="([^"]*)"', body.decode())
    endpoint, base = urljoin(public, form.group(1)), urljoin(public, form.group(2))
    assert (endpoint, base) == (public + "sparql", public)
    query = urlencode({"query": f"SELECT ?label {{ <{LUND}> <{RDFS.label}> ?label FILTER(lang(?label) = 'en') }}"})
    json_results = {"Accept": "application/sparql-results+json"}
    status, _, answer = fetch(endpoint, {**json_results, "Content-Type": "application/x-www-form-urlencoded"},
                              body=query.encode())
    assert status == 200, answer[:300]
    assert [b["label"]["value"] for b in json.loads(answer)["results"]["bindings"]] == ["Lund"]
    status, _, answer = fetch(f"{endpoint}?{query}", json_results)
    assert status == 200 and [b["label"]["value"] for b in json.loads(answer)["results"]["bindings"]] == ["Lund"]
    status, _, answer = fetch(base + "queries/twins_of_pilot?pilot=umea-c1", json_results)
    assert status == 200 and len(json.loads(answer)["results"]["bindings"]) == 2


@live
def test_editor_in_browser_under_prefix(proxied, page_at):
    """The editor's script in Chromium under /twinning/: the query runs, labels are fetched, links and downloads
    stay under the prefix, and nothing is asked of any other address (page_at fails the test otherwise)."""
    public, _ = proxied
    page = page_at(public)
    page.goto(public + "query#" + urlencode({"query": f"SELECT ?city WHERE {{ VALUES ?city {{ <{LUND}> }} }}"}))
    show_table(page)
    link = page.locator("#results table tbody tr a").first
    assert link.get_attribute("href") == PREFIX + "/id/city/lund"
    assert link.inner_text() == "Lund"  # the label came from the editor's own POST to the endpoint
    assert urlsplit(page.url).path == PREFIX + "/query"  # the shared address
    with page.expect_request("**/sparql") as download:  # downloads go by POST to the endpoint
        page.click('#download-links button[data-format="csv"]')
    assert download.value.url == public + "sparql" and download.value.method == "POST"
    link.click()
    page.wait_for_url(public + "id/city/lund")
    assert page.locator("h1").inner_text() == "Lund"

    page.goto(public + "query?name=twins_of_pilot&pilot=umea-c1&run=1")
    show_table(page)
    assert page.locator("#results table tbody tr").count() == 2
    with page.expect_request("**/queries/twins_of_pilot?*") as download:
        page.click('#download-links button[data-format="csv"]')
    assert download.value.url.startswith(public + "queries/twins_of_pilot?")


@live
def test_search_suggestions_in_browser_under_prefix(proxied, page_at):
    """The header's suggestions under /twinning/: asked of /twinning/search, and the one chosen opens under the
    prefix."""
    public, _ = proxied
    page = page_at(public)
    asked = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(public + "map")
    page.get_by_role("combobox", name="Search").fill("lulea")
    page.get_by_role("listbox", name="Suggestions").wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(public + "id/city/lulea")
    assert any(url.startswith(public + "search?") for url in asked)
    assert [url for url in asked if not url.startswith(public)] == []


# --- the rate limit keys on the real client ---------------------------------------------------------------------------

@live
@pytest.mark.parametrize("variant", ["x-forwarded", "forwarded"])
def test_rate_limit_keys_on_forwarded_client(variant, store_path, tmp_path):
    """Clients on two loopback addresses reach the app only through nginx (which connects from 127.0.0.2): each has
    its own bucket, and a forwarding header of a client's own making does not move it to another."""
    require("nginx", "nginx")
    process, backend = start_server(store_path, {"TWINNING_PROXY_HOPS": "1", "TWINNING_RATE_LIMIT": "0.01",
                                                 "TWINNING_RATE_BURST": "3", "TWINNING_SERVER_WORKERS": "1"})
    try:
        nginx, site = start_nginx(tmp_path, backend, X_FORWARDED if variant == "x-forwarded" else FORWARDED)
        try:
            url = site + "/limits"
            assert [fetch(url, client="127.0.0.3")[0] for _ in range(4)] == [200, 200, 200, 429]
            assert [fetch(url, client="127.0.0.4")[0] for _ in range(3)] == [200, 200, 200]
            spoofs = {"X-Forwarded-For": "198.51.100.7", "Forwarded": "for=198.51.100.8"}
            assert fetch(url, spoofs, client="127.0.0.3")[0] == 429
            assert fetch(url, spoofs, client="127.0.0.4")[0] == 429
        finally:
            stop_server(nginx)
    finally:
        stop_server(process)


# --- PUBLIC_URL: the public address without forwarded headers ---------------------------------------------------------

@pytest.fixture(scope="module")
def public_url_site(store_path, tmp_path_factory):
    """(site, backend): a plain nginx that sets no forwarding header in front of a backend told its PUBLIC_URL."""
    require("nginx", "nginx")
    process, backend = start_server(store_path, {"TWINNING_PUBLIC_URL": PUBLIC, "TWINNING_RATE_LIMIT": "0"})
    nginx, site = start_nginx(tmp_path_factory.mktemp("nginx-plain"), backend, "")
    yield site + "/", backend
    stop_server(nginx)
    stop_server(process)


@live
def test_public_url_names_every_published_url(public_url_site):
    site, backend = public_url_site
    graph, text = turtle(site + "catalog")
    assert (URIRef(PUBLIC + "catalog"), DCAT.service, URIRef(PUBLIC + "sparql")) in graph
    assert_not_backend(text, backend)
    graph, text = turtle(site + ".well-known/void")
    assert set(graph.objects(None, VOID.sparqlEndpoint)) == {URIRef(PUBLIC + "sparql")}
    assert_not_backend(text, backend)
    graph, text = turtle(site + "sparql")
    assert set(graph.objects(None, SD.endpoint)) == {URIRef(PUBLIC + "sparql")}
    assert json.loads(fetch(site + "openapi.json")[2])["servers"] == [{"url": PUBLIC.rstrip("/")}]
    assert f">{PUBLIC}sparql<" in fetch(site, {"Accept": "text/html"})[2].decode()


@live
def test_public_url_pages_work_under_its_prefix(public_url_site):
    site, backend = public_url_site
    check_links(site, backend)


# --- the rules, on the app itself -------------------------------------------------------------------------------------

def keys_after(app, headers: dict) -> set[str]:
    """The client addresses the rate limiter holds after one request with these headers."""
    app.extensions["twinning.rate"].buckets.clear()
    assert app.test_client().get("/limits", headers=headers).status_code == 200
    return set(app.extensions["twinning.rate"].buckets)


def endpoint_after(app, headers: dict) -> str:
    """The endpoint the service description names, asked with these headers."""
    response = app.test_client().get("/sparql", headers={"Accept": "text/turtle", **headers})
    graph = Graph().parse(data=response.get_data(as_text=True), format="turtle")
    (endpoint,) = graph.objects(None, SD.endpoint)
    return str(endpoint)


@pytest.fixture()
def make_app(store_path):
    apps = []

    def make(**settings):
        apps.append(create_app({"TESTING": True, "STORE": str(store_path), "RATE_LIMIT": 0.01, "RATE_BURST": 100,
                                **settings}))
        return apps[-1]

    yield make
    for app in apps:
        app.extensions["twinning.backend"].close()


def test_no_proxy_hops_believes_no_header(make_app):
    app = make_app()
    headers = {"X-Forwarded-For": "198.51.100.7", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https",
               "X-Forwarded-Prefix": "/x"}
    assert keys_after(app, headers) == {"127.0.0.1"}
    assert endpoint_after(app, headers) == "http://localhost/sparql"
    assert endpoint_after(app, {"Forwarded": 'for=198.51.100.7;proto=https;host="evil.example"'}) == \
        "http://localhost/sparql"


def test_proxy_hops_pick_the_entry_of_the_outermost_trusted_proxy(make_app):
    app = make_app(PROXY_HOPS=2)
    assert keys_after(app, {"X-Forwarded-For": "192.0.2.1, 198.51.100.7, 203.0.113.9"}) == {"198.51.100.7"}
    assert keys_after(app, {"Forwarded": 'for=192.0.2.1, for="[2001:db8::7]:4711";host=a.example, for=203.0.113.9'}) \
        == {"2001:db8::7"}
    chain = 'for=192.0.2.1;host=b.example, for=198.51.100.7;host="a.example:8443";proto=https, for=203.0.113.9;host=c'
    assert endpoint_after(app, {"Forwarded": chain}) == "https://a.example:8443/sparql"


def test_forwarded_ignored_beside_x_forwarded_headers(make_app):
    """A proxy that sets X-Forwarded-* passes a client's Forwarded header on: that one is the client's word."""
    app = make_app(PROXY_HOPS=1)
    headers = {"X-Forwarded-For": "203.0.113.9", "Forwarded": "for=198.51.100.7;host=evil.example"}
    assert keys_after(app, headers) == {"203.0.113.9"}
    assert endpoint_after(app, headers) == "http://localhost/sparql"


def test_public_url_wins_over_forwarded_headers(make_app):
    app = make_app(PROXY_HOPS=1, PUBLIC_URL="https://data.example.org:8443/twinning")
    headers = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http",
               "X-Forwarded-Prefix": "/other"}
    assert endpoint_after(app, headers) == "https://data.example.org:8443/twinning/sparql"
    assert keys_after(app, headers) == {"203.0.113.9"}  # the client's address still comes from the proxy


@pytest.mark.parametrize("setting, value", [("PUBLIC_URL", "ftp://example.org/"), ("PUBLIC_URL", "example.org"),
                                            ("PUBLIC_URL", "https://example.org:port/"),
                                            ("PUBLIC_URL", "https://user@example.org/"), ("PROXY_HOPS", -1),
                                            ("PROXY_HOPS", "two")])
def test_bad_setting_stops_serve_naming_it(setting, value, store_path):
    from click.testing import CliRunner

    from cli import main

    with pytest.raises(ValueError, match=setting):
        create_app({"TESTING": True, "STORE": str(store_path), setting: value})
    result = CliRunner().invoke(main, ["serve", "--store", str(store_path)], env={f"TWINNING_{setting}": str(value)})
    assert result.exit_code == 2 and setting in result.output


def test_forwarded_elements_quoted_and_obfuscated():
    assert forwarded_elements('for="_gazonk";proto=https, For=unknown;Host="a.example:80", by=x') == [
        {"for": "_gazonk", "proto": "https"}, {"for": "unknown", "host": "a.example:80"}, {"by": "x"}]
    assert forwarded_elements('for="198.51.100.1:80";host="a\\"b"') == [{"for": "198.51.100.1", "host": 'a"b'}]
    assert forwarded_elements("") == []


@live
def test_serve_without_proxy_hops_ignores_forwarding_headers(live_server):
    """twinning serve (gunicorn) itself believes no proxy header from a loopback peer unless PROXY_HOPS says so."""
    graph, _ = turtle(live_server + "/sparql", {"X-Forwarded-Proto": "https", "X-Forwarded-Ssl": "on",
                                                 "X-Forwarded-Host": "evil.example", "Forwarded": "proto=https"})
    assert set(graph.objects(None, SD.endpoint)) == {URIRef(live_server + "/sparql")}
