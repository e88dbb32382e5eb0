"""/openapi.json is valid OpenAPI 3 and every operation answers as it describes."""
from urllib.parse import quote

import pytest
from openapi_spec_validator import validate

ALL_BACKENDS = True  # see conftest.py: these tests run on the embedded store and on each remote engine


@pytest.fixture(scope="module")
def spec(app):
    return app.test_client().get("/openapi.json").get_json()


def test_openapi_validates(spec):
    validate(spec)
    assert len(spec["paths"]) >= 13


def operations(spec):
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def filled(path: str, operation: dict) -> tuple[str, dict, dict]:
    """The operation's path with its path parameters' examples in place, and its query and header examples."""
    examples = {kind: {p["name"]: str(p["example"]) for p in operation["parameters"]
                       if p["in"] == kind and "example" in p} for kind in ("path", "query", "header")}
    for name, value in examples["path"].items():
        path = path.replace(f"{{{name}}}", quote(value, safe=""))
    return path, examples["query"], examples["header"]


def answers_results(operation: dict) -> bool:
    return "application/sparql-results+json" in operation["responses"]["200"]["content"]


def test_every_query_operation_answers_as_described(client, spec):
    walked = 0
    for path, method, operation in operations(spec):
        if not answers_results(operation):
            continue
        url, params, _ = filled(path, operation)
        declared = set(operation["responses"]["200"]["content"])
        for fmt in ("json", "csv", "xml", "tsv"):
            response = client.open(url, method=method.upper(), query_string={**params, "format": fmt}, buffered=True)
            assert response.status_code == 200, (path, fmt, response.data[:200])
            assert response.mimetype in declared, (path, response.mimetype)
        walked += 1
    assert walked >= 12


def test_every_release_operation_answers_as_described(client, spec):
    """Each operation of the kept releases, tried with its examples (which name the current release), answers 200 in
    a declared media type; with an unknown release, 404 in the one error shape where one is declared."""
    walked = 0
    for path, method, operation in operations(spec):
        if "releases" not in operation["tags"]:
            continue
        url, params, headers = filled(path, operation)
        assert "{" not in url, f"{path}: a path parameter without an example"
        response = client.open(url, method=method.upper(), query_string=params, headers=headers, buffered=True)
        assert response.status_code == 200, (url, response.data[:200])
        assert response.mimetype in operation["responses"]["200"]["content"], (path, response.mimetype)
        if "404" in operation["responses"] and "{id}" in path:
            unknown = path.replace("{id}", "20990101T000000000000Z-deadbeef")
            missing = client.open(filled(unknown, operation)[0], method=method.upper(), query_string=params)
            assert missing.status_code == 404 and set(missing.get_json()) == {"error", "status"}, unknown
        walked += 1
    assert walked == 9


def test_every_typed_parameter_rejects_a_bad_value_naming_it(client, spec):
    checked = 0
    for path, method, operation in operations(spec):
        if "named queries" not in operation["tags"]:
            continue
        for parameter in operation["parameters"]:
            schema = parameter["schema"]
            if parameter["name"] == "format" or schema.get("type") == "string" and "pattern" not in schema \
                    and "format" not in schema and "description" not in schema:
                continue
            bad = "not a valid value!"
            response = client.open(path, method=method.upper(), query_string={parameter["name"]: bad})
            assert response.status_code == 400, (path, parameter["name"])
            assert f"'{parameter['name']}'" in response.get_json()["error"]
            assert 400 in [int(code) for code in operation["responses"]]
            checked += 1
    assert checked >= 8
