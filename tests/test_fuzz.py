"""Bad input at scale (hypothesis): generated requests never get a 5xx or hang; mutated CSV files never crash the
loader, which names file and line for every error."""
import re
import shutil
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.named import load_named_queries
from loaders import DataError, load_all
from server import create_app

from .conftest import PROJECT
from .test_loaders import MINI

QUERIES = [q.text for q in load_named_queries(PROJECT / "queries").values()]
PATHS = ["/sparql", "/queries/twins_of_pilot", "/queries/cohort_sizes", "/queries/nope", "/id/city/lund",
         "/id/city/", "/id/%ff%fe", "/ontology", "/catalog", "/.well-known/void", "/dumps/twinning.ttl",
         "/dumps/x", "/store", "/store/g", "/", "/query", "/limits", "/sparql/extra"]
MEDIA = ["application/sparql-query", "application/sparql-update", "application/x-www-form-urlencoded",
         "text/turtle", "application/json", "multipart/form-data; boundary=x", "text/plain; charset=latin-1",
         "application/sparql-query; charset=utf-16", ""]
ACCEPT = ["*/*", "text/csv", "application/sparql-results+json;q=0.1, text/turtle", "image/png", "text/html",
          "application/ld+json;q=abc", ",,,;;q=", "application/n-quads"]
ERROR_LINE = re.compile(r"^.+\.csv:\d+: [^:]+: .+$")


@st.composite
def mutated_query(draw):
    text = draw(st.sampled_from(QUERIES))
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["delete", "insert", "swap"]))
        piece = draw(st.text(alphabet=string.printable + "{}<>?\"'#\\éß\u0000", min_size=1, max_size=6))
        if action == "delete":
            text = text[:position] + text[position + len(piece):]
        elif action == "insert":
            text = text[:position] + piece + text[position:]
        else:
            text = text[:position] + piece + text[position + len(piece):]
    return text


queries = st.one_of(mutated_query(), st.text(max_size=300), st.sampled_from(QUERIES))
values = st.one_of(st.text(max_size=50), queries, st.sampled_from(["", "-1", "1e9", "0", "json", "SWE", "lund"]))


@st.composite
def request_args(draw):
    method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]))
    path = draw(st.sampled_from(PATHS))
    params = draw(st.dictionaries(st.sampled_from(["query", "update", "format", "timeout", "default-graph-uri",
                                                   "named-graph-uri", "graph", "default", "pilot", "x"]),
                                  values, max_size=4))
    headers = {"Accept": draw(st.sampled_from(ACCEPT))}
    content_type = draw(st.sampled_from(MEDIA))
    if content_type:
        headers["Content-Type"] = content_type
    body = draw(st.one_of(st.none(), queries.map(lambda t: t.encode("utf-8", "surrogatepass")),
                          st.binary(max_size=400), st.just(b"\xff\xfe" * 10), st.just(b"x" * (2 * 1024 * 1024))))
    if draw(st.booleans()):
        headers["Authorization"] = draw(st.sampled_from(["Bearer nope", "Basic abc", "Bearer "]))
    return method, path, params, headers, body


@pytest.fixture(scope="module")
def fuzz_client(store_path):
    app = create_app({"TESTING": True, "STORE": str(store_path), "QUERY_TIMEOUT": 5, "RATE_LIMIT": 0})
    yield app.test_client()
    app.extensions["twinning.backend"].close()


@settings(max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
@given(request_args())
def test_fuzz_requests_never_5xx(fuzz_client, args):
    method, path, params, headers, body = args
    response = fuzz_client.open(path, method=method, query_string=params, headers=headers, data=body,
                                buffered=True)
    # A query that runs past its limit is stopped with a 503 that says so: on a slow machine a fuzzed query may.
    timed_out = response.status_code == 503 and b"time limit" in response.data
    assert response.status_code < 500 or timed_out, (response.status_code, response.data[:300], args)
    if response.status_code >= 400 and method != "HEAD":
        error = response.get_json()
        assert error["status"] == response.status_code and error["error"]


def mutate_csv(text: str, data) -> str:
    lines = text.split("\r\n")
    for _ in range(data.draw(st.integers(1, 3))):
        index = data.draw(st.integers(0, max(len(lines) - 2, 0)))
        line = lines[index]
        action = data.draw(st.sampled_from(["cell", "bytes", "drop", "duplicate", "quote"]))
        if action == "cell" and "," in line:
            cells = line.split(",")
            cells[data.draw(st.integers(0, len(cells) - 1))] = data.draw(
                st.sampled_from(["", " x", "Lund", "99", "2023-13-45", "http://x", "a;b;", "x" * 300, "é"]))
            lines[index] = ",".join(cells)
        elif action == "bytes":
            position = data.draw(st.integers(0, len(line)))
            lines[index] = line[:position] + data.draw(st.text(max_size=5)) + line[position:]
        elif action == "drop":
            lines[index] = ""
        elif action == "duplicate":
            lines.insert(index, line)
        else:
            lines[index] = '"' + line
    return "\r\n".join(lines)


@settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_fuzz_csv_errors_name_file_and_line(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("fuzz")
    for path in MINI.glob("*.csv"):
        shutil.copy(path, folder / path.name)
    target = folder / data.draw(st.sampled_from(sorted(p.name for p in MINI.glob("*.csv"))))
    target.write_text(mutate_csv(target.read_text(encoding="utf-8"), data), encoding="utf-8", newline="")
    try:
        load_all(folder)
    except DataError as error:
        assert error.errors
        for line in str(error).splitlines():
            assert ERROR_LINE.match(line), line
            assert Path(line.split(":", 1)[0]).name.endswith(".csv")
