"""The production HTTP server of `twinning serve`: gunicorn with threaded workers, set up from the app's settings.

Errors gunicorn raises itself, before the application sees a request (a malformed request line, too many or too
large header fields), are answered in the application's one JSON error shape with its CORS headers, so a browser
client can read them.
"""
import json

from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import ThreadWorker

# What gunicorn answers for the errors it raises itself (its own handle_error picks the same statuses).
STATUSES = {"LimitRequestLine": (414, "URI Too Long"), "LimitRequestHeaders": (431, "Request Header Fields Too Large"),
            "ForbiddenProxyRequest": (403, "Forbidden"), "UnsupportedTransferCoding": (501, "Not Implemented"),
            "ExpectationFailed": (417, "Expectation Failed")}
CORS = "Access-Control-Allow-Origin: *\r\n"


class JsonErrorWorker(ThreadWorker):
    """gunicorn's threaded worker, answering the errors it raises itself as JSON."""

    def handle_error(self, req, client, addr, exc):
        status, reason = STATUSES.get(type(exc).__name__, (400, "Bad Request"))
        if not is_client_error(exc):
            return super().handle_error(req, client, addr, exc)  # logged, with gunicorn's own 500
        self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
        body = json.dumps({"error": f"{reason}: {exc}"[:1000], "status": status}).encode()
        head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: application/json\r\n{CORS}"
                f"Content-Length: {len(body)}\r\n\r\n")
        try:
            client.sendall(head.encode("latin-1") + body)
        except OSError:
            self.log.debug("could not send the error answer")


def is_client_error(exc: Exception) -> bool:
    """Whether gunicorn raised this for a request it could not accept (its http.errors), not an internal fault."""
    name = type(exc).__name__
    return type(exc).__module__ == "gunicorn.http.errors" and "Response" not in name and name != "ConfigurationProblem"


class Server(BaseApplication):
    """gunicorn running the app with the settings of server.SETTINGS (HOST, PORT, SERVER_WORKERS, ...)."""

    def __init__(self, app):
        self.app = app
        super().__init__()

    def load_config(self):
        config = self.app.config
        self.cfg.set("bind", f"{config['HOST']}:{config['PORT']}")
        self.cfg.set("workers", int(config["SERVER_WORKERS"]))
        self.cfg.set("threads", int(config["SERVER_THREADS"]))
        self.cfg.set("worker_class", JsonErrorWorker)
        # gunicorn caps a request line at 8,190 bytes unless the limit is off (0); a GET query of MAX_QUERY_LENGTH
        # characters is longer once percent-encoded, and the app answers an over-long one with 414 itself.
        self.cfg.set("limit_request_line", 0)
        # Proxy headers count only as TWINNING_PROXY_HOPS says (server.public_address), never from gunicorn's
        # default trust in loopback peers (it took X-Forwarded-Proto from any local proxy).
        self.cfg.set("forwarded_allow_ips", "")
        self.cfg.set("timeout", int(config["QUERY_TIMEOUT"]) + 30)
        if config["ACCESS_LOG"]:
            self.cfg.set("accesslog", "-")
        # Each HTTP worker starts its query workers as soon as it is forked, not on its first request.
        self.cfg.set("post_fork", lambda server, worker: self.app.extensions["twinning.backend"].warm())

    def load(self):
        return self.app
