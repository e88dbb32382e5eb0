"""Settings from TWINNING_* variables are typed by their defaults: text stays text, a bad value names its setting."""
import pytest
from click.testing import CliRunner

import cli
from server import create_app
from web.settings import SETTINGS


@pytest.mark.parametrize("token", ["1.50", "0", "null", "true", "[1]"])
def test_update_token_stays_text(monkeypatch, store_path, token):
    monkeypatch.setenv("TWINNING_UPDATE_TOKEN", token)
    app = create_app({"TESTING": True, "STORE": str(store_path)})
    try:
        assert app.config["UPDATE_TOKEN"] == token
        # The right token gets past authorization (the update itself is then refused as malformed: 400, not 401).
        response = app.test_client().post("/sparql", data={"update": "NOT AN UPDATE"},
                                          headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 400
    finally:
        app.extensions["twinning.backend"].close()


@pytest.mark.parametrize("name, text, value", [
    ("QUERY_TIMEOUT", "2.5", 2.5), ("QUERY_WORKERS", "3", 3), ("UNION_DEFAULT_GRAPH", "false", False),
    ("UNION_DEFAULT_GRAPH", "Yes", True), ("RATE_LIMIT", "0.01", 0.01),
    ("SERVICE_ALLOWLIST", '["a.example", "b.example"]', ["a.example", "b.example"]),
    ("SERVICE_ALLOWLIST", "a.example, b.example", ["a.example", "b.example"]), ("SERVICE_ALLOWLIST", "", []),
])
def test_settings_typed_by_default(monkeypatch, store_path, name, text, value):
    monkeypatch.setenv(f"TWINNING_{name}", text)
    app = create_app({"TESTING": True, "STORE": str(store_path)})
    app.extensions["twinning.backend"].close()
    assert app.config[name] == value and type(app.config[name]) is type(value)


@pytest.mark.parametrize("name, text", [("QUERY_WORKERS", "two"), ("PORT", "80.5"), ("UNION_DEFAULT_GRAPH", "maybe"),
                                        ("QUERY_TIMEOUT", "soon"), ("SERVICE_ALLOWLIST", "[1, 2]"),
                                        ("QUERY_WORKERS", "0"), ("SERVER_WORKERS", "-3"), ("QUERY_TIMEOUT", "nan"),
                                        ("QUERY_TIMEOUT", "0"), ("MAX_QUERY_LENGTH", "-5"), ("RATE_BURST", "0"),
                                        ("HTTP_SERVER", "uwsgi")])
def test_serve_stops_on_a_setting_that_does_not_fit(store_path, name, text):
    result = CliRunner().invoke(cli.main, ["serve", "--store", str(store_path)], env={f"TWINNING_{name}": text})
    assert result.exit_code == 2
    assert f"TWINNING_{name}" in result.output


def test_every_setting_has_a_typed_default():
    assert all(isinstance(default, (str, bool, int, float, list)) for default, _ in SETTINGS.values())
