"""Limits and fair use: the per-address rate limit on every request and the /limits page that documents them."""
import math
import threading
import time

from flask import Blueprint, current_app, render_template, request

from .answers import current
from .errors import error_response
from .settings import SETTINGS

bp = Blueprint("limits", __name__)


class RateLimiter:
    """A token bucket per client address: `rate` requests a second on average, `burst` at once."""

    def __init__(self, rate: float, burst: float):
        self.rate, self.burst = rate, burst
        self.buckets: dict[str, tuple[float, float]] = {}
        self.lock = threading.Lock()

    def wait_needed(self, client: str) -> float:
        """0 if the client may go ahead (and take a token), else the seconds until it may."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic()
        with self.lock:
            tokens, last = self.buckets.get(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens < 1:
                self.buckets[client] = (tokens, now)
                return (1 - tokens) / self.rate
            self.buckets[client] = (tokens - 1, now)
            if len(self.buckets) > 100_000:  # forget idle clients rather than grow without bound
                self.buckets = {k: v for k, v in self.buckets.items() if now - v[1] < 60}
            return 0.0


def limit_rate():
    """Fair use: 429 with Retry-After for a client address past its rate (the address the server sees)."""
    wait = current_app.extensions["twinning.rate"].wait_needed(request.remote_addr or "")
    if wait > 0:
        return error_response(429, "too many requests from this address; see /limits",
                              {"Retry-After": str(max(1, math.ceil(wait)))})


def limits() -> str:
    """The documented limits of this server, with their current values."""
    keys = ["QUERY_TIMEOUT", "MAX_RESULT_ROWS", "MAX_RESPONSE_BYTES", "MAX_CONTENT_LENGTH", "MAX_QUERY_LENGTH",
            "RATE_LIMIT", "RATE_BURST", "SERVICE_ALLOWLIST"]
    rows = [(key, current_app.config[key], SETTINGS[key][1]) for key in keys]
    return render_template("limits.html", release=current(), rows=rows,
                           writes=bool(current_app.config["UPDATE_TOKEN"]))


bp.before_app_request(limit_rate)
bp.add_url_rule("/limits", view_func=limits)
