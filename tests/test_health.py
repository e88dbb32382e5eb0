"""GET /health: 200 with the release when queries can be answered, 503 with the reason otherwise."""
import socket

from server import create_app

from .test_http import assert_error

ALL_BACKENDS = True  # see conftest.py


def test_get_health_ok(client, app):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "release": app.extensions["twinning.backend"].current().id,
                                   "backend": app.extensions["twinning.backend"].kind}
    assert response.headers["Cache-Control"] == "no-store"


def test_get_health_no_release(tmp_path):
    app = create_app({"TESTING": True, "STORE": str(tmp_path / "empty")})
    try:
        assert_error(app.test_client().get("/health"), 503, "twinning load")
    finally:
        app.extensions["twinning.backend"].close()


def test_get_health_engine_unreachable(tmp_path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app({"TESTING": True, "STORE": str(tmp_path / "store"), "BACKEND": "sparql",
                      "ENDPOINT": f"http://127.0.0.1:{port}/sparql"})
    response = app.test_client().get("/health")
    assert_error(response, 503)
    assert str(port) in response.get_json()["error"] or "reach" in response.get_json()["error"]
