"""The production HTTP server of `twinning serve`, set up from the app's settings: gunicorn with threaded workers
(the default) or granian (HTTP_SERVER=granian).

Errors gunicorn raises itself, before the application sees a request (a malformed request line, too many or too
large header fields), are answered in the application's one JSON error shape with its CORS headers, so a browser
client can read them. granian parses requests in Rust (hyper), about twice as fast for small answers, but answers
such errors with an empty body, and hyper refuses a URL longer than 64 KiB (a GET query of about 20,000 to 60,000
characters, by how much of it is percent-encoded); longer queries go by POST.
"""
import json
import multiprocessing

from gunicorn.app.base import BaseApplication
from gunicorn.http import message
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


def serve(app) -> None:
    """Serve the app until stopped, with the HTTP server its HTTP_SERVER setting names."""
    if app.config["HTTP_SERVER"] == "granian":
        serve_with_granian(app)
    else:
        Server(app).run()


def request_line_limit(config) -> int:
    """Bytes of a request line that carries a GET query of MAX_QUERY_LENGTH characters, percent-encoded (up to 9
    characters for one of 3 UTF-8 bytes), plus the rest of the line."""
    return int(config["MAX_QUERY_LENGTH"]) * 9 + 8192


def serve_with_granian(app) -> None:
    """granian's worker processes, each forked from this one with the app as built here (as gunicorn does), and
    each starting its query workers before its first request."""
    from granian import Granian
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings

    config = app.config
    multiprocessing.set_start_method("fork", force=True)  # the workers inherit the app; nothing is pickled

    def load(_target):
        app.extensions["twinning.backend"].warm()
        return app

    server = Granian("twinning", address=config["HOST"], port=int(config["PORT"]), interface=Interfaces.WSGI,
                     workers=int(config["SERVER_WORKERS"]), blocking_threads=int(config["SERVER_THREADS"]),
                     http1_settings=HTTP1Settings(max_buffer_size=request_line_limit(config)),
                     log_access=bool(config["ACCESS_LOG"]), respawn_failed_workers=True)
    server.serve(target_loader=load)


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
        # gunicorn caps the limit at its MAX_REQUEST_LINE (8,190 bytes) unless it is off, and off lets one endless
        # line hold a worker (its parsing of a line is quadratic): the cap is raised.
        limit = request_line_limit(config)
        message.MAX_REQUEST_LINE = max(message.MAX_REQUEST_LINE, limit)
        self.cfg.set("limit_request_line", limit)
        # Proxy headers count only as TWINNING_PROXY_HOPS says (web/address.py), never from gunicorn's default trust
        # in loopback peers (it took X-Forwarded-Proto from any local proxy).
        self.cfg.set("forwarded_allow_ips", "")
        if "control_socket_disable" in self.cfg.settings:  # one per machine, shared by every server started
            self.cfg.set("control_socket_disable", True)
        self.cfg.set("timeout", int(config["QUERY_TIMEOUT"]) + 30)
        if config["ACCESS_LOG"]:
            self.cfg.set("accesslog", "-")
        # Each HTTP worker starts its query workers as soon as it is forked, not on its first request.
        self.cfg.set("post_fork", lambda server, worker: self.app.extensions["twinning.backend"].warm())

    def load(self):
        return self.app
