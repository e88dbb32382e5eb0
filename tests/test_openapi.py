"""/openapi.json is valid OpenAPI 3 and every operation answers as it describes."""
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


def test_every_operation_answers_as_described(client, spec):
    walked = 0
    for path, method, operation in operations(spec):
        params = {p["name"]: str(p["example"]) for p in operation["parameters"] if "example" in p}
        declared = set(operation["responses"]["200"]["content"])
        for fmt in ("json", "csv", "xml", "tsv"):
            response = client.open(path, method=method.upper(), query_string={**params, "format": fmt})
            assert response.status_code == 200, (path, fmt, response.data[:200])
            assert response.mimetype in declared, (path, response.mimetype)
        walked += 1
    assert walked == len(spec["paths"])


def test_every_typed_parameter_rejects_a_bad_value_naming_it(client, spec):
    checked = 0
    for path, method, operation in operations(spec):
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
