"""The settings of the server: name, default and help (README.md lists them all), read from TWINNING_* variables."""
import json
import math

from graph.release import KEEP_RELEASES

# name -> (default, help). Each is also read from the environment as TWINNING_<NAME>; README.md lists them all.
SETTINGS = {
    "BACKEND": ("embedded", "where the graph is held: `embedded` (pyoxigraph in STORE) or `sparql` (an engine at ENDPOINT)"),
    "STORE": ("", "folder of the release store; empty means `store` in the instance folder"),
    "ENDPOINT": ("", "the remote engine's SPARQL query endpoint (backend `sparql`)"),
    "UPDATE_ENDPOINT": ("", "the remote engine's SPARQL Update endpoint; empty means ENDPOINT"),
    "STORE_ENDPOINT": ("", "the remote engine's Graph Store Protocol endpoint, for loading; empty: SPARQL Update"),
    "ENDPOINT_USER": ("", "user name for the remote engine (HTTP Basic or Digest authentication)"),
    "ENDPOINT_PASSWORD": ("", "password for the remote engine"),
    "DATA_DIR": ("", "folder of the fact files `twinning load` reads; empty means the project's `data/`"),
    "UNION_DEFAULT_GRAPH": (True, "a query's default graph is the union of all named graphs"),
    "QUERY_TIMEOUT": (30.0, "seconds a query may run before it is stopped (503); clients may ask for less"),
    "QUERY_WORKERS": (2, "query worker processes per server process"),
    "HOST": ("127.0.0.1", "address `twinning serve` listens on"),
    "PORT": (5000, "port `twinning serve` listens on"),
    "PUBLIC_URL": ("", "public base URL, path prefix included (`https://example.org/twinning/`): every URL names it"),
    "PROXY_HOPS": (0, "trusted reverse proxies in front, whose X-Forwarded-* and Forwarded headers are believed"),
    "HTTP_SERVER": ("gunicorn", "HTTP server of `twinning serve`: `gunicorn` or `granian` (faster; see docs/deploy.md)"),
    "SERVER_WORKERS": (2, "HTTP worker processes of `twinning serve` (one per core)"),
    "SERVER_THREADS": (8, "threads per HTTP worker process of `twinning serve`"),
    "ACCESS_LOG": (False, "`twinning serve` logs every request to standard output (costs about 3% of throughput)"),
    "MAX_CONTENT_LENGTH": (1024 * 1024, "largest request body accepted, in bytes (413 above)"),
    "MAX_QUERY_LENGTH": (65536, "longest query text accepted, in characters (414 in a URL, 413 in a body)"),
    "MAX_RESULT_ROWS": (100000, "most rows a SELECT answer holds; a capped answer says so (0: no limit)"),
    "MAX_RESPONSE_BYTES": (512 * 1024 * 1024, "largest response streamed; a longer one is cut off (0: no limit)"),
    "RATE_LIMIT": (100.0, "requests per second one client address may make on average (429 above; 0: no limit)"),
    "RATE_BURST": (400, "requests one client address may make at once before the rate limit applies"),
    "SERVICE_ALLOWLIST": ([], "hosts that SERVICE and LOAD may reach; every other outgoing request is refused"),
    "KEEP_RELEASES": (KEEP_RELEASES, "releases kept, each queryable at /releases/<id>/sparql; older ones are dropped"),
    "ANSWER_CACHE_BYTES": (64 * 1024 * 1024, "bytes of answers each server process keeps to serve again (0: none)"),
    "ANSWER_CACHE_ENTRY_BYTES": (256 * 1024, "largest answer kept in the answer cache, in bytes"),
    "ANSWER_MAX_AGE": (0, "seconds a proxy may serve a current release's answer before asking again (0: always ask)"),
    "UPDATE_TOKEN": ("", "secret that enables SPARQL Update and Graph Store writes (Authorization: Bearer)"),
}


class SettingError(ValueError):
    """A TWINNING_* variable whose value does not fit its setting's type."""


# The smallest value that works, for the numeric settings (0 workers would start a server that never answers).
MINIMUM = {"QUERY_TIMEOUT": 0.001, "QUERY_WORKERS": 1, "PORT": 0, "SERVER_WORKERS": 1, "SERVER_THREADS": 1,
           "MAX_CONTENT_LENGTH": 1, "MAX_QUERY_LENGTH": 1, "MAX_RESULT_ROWS": 0, "MAX_RESPONSE_BYTES": 0,
           "RATE_LIMIT": 0, "RATE_BURST": 1, "PROXY_HOPS": 0, "KEEP_RELEASES": 1, "ANSWER_CACHE_BYTES": 0,
           "ANSWER_CACHE_ENTRY_BYTES": 1, "ANSWER_MAX_AGE": 0}
# The largest value allowed, where one is needed: the answer cache is memory of every server process.
MAXIMUM = {"ANSWER_CACHE_BYTES": 16 * 1024 ** 3, "ANSWER_CACHE_ENTRY_BYTES": 64 * 1024 ** 2,
           "ANSWER_MAX_AGE": 365 * 24 * 3600}
# The settings that name one of a few choices.
CHOICES = {"HTTP_SERVER": ("gunicorn", "granian")}


def check_ranges(config) -> None:
    """Every numeric setting within its range and every choice one of its own, wherever it came from. Raises
    SettingError naming the setting."""
    for name, choices in CHOICES.items():
        if config.get(name) not in choices:
            raise SettingError(f"setting {name} (TWINNING_{name}) is {config.get(name)!r}: choose one of "
                               f"{', '.join(choices)}")
    for name, minimum in MINIMUM.items():
        value, maximum = config.get(name), MAXIMUM.get(name, math.inf)
        if isinstance(value, (int, float)) and not (math.isfinite(value) and minimum <= value <= maximum):
            within = f"from {minimum} to {maximum}" if name in MAXIMUM else f"of at least {minimum}"
            raise SettingError(f"setting {name} (TWINNING_{name}) is {value!r}: give a number {within}")


def settings_from_environment(environ) -> dict:
    """The TWINNING_<NAME> variables of SETTINGS, each read as the type of its default: text stays text (a token
    of "1.50" is not the number 1.5), numbers and yes/no are checked. Raises SettingError naming the variable."""
    found = {}
    for name, (default, _) in SETTINGS.items():
        variable = f"TWINNING_{name}"
        if variable in environ:
            try:
                found[name] = typed(environ[variable], default)
            except ValueError as error:
                raise SettingError(f"{variable}={environ[variable]!r}: {error}") from None
    return found


def typed(text: str, default):
    """A setting's text as the type of its default. Raises ValueError."""
    if isinstance(default, bool):
        words = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False,
                 "off": False}
        if text.strip().lower() not in words:
            raise ValueError("give true or false")
        return words[text.strip().lower()]
    if isinstance(default, int):
        try:
            return int(text)
        except ValueError:
            raise ValueError("give a whole number") from None
    if isinstance(default, float):
        try:
            return float(text)
        except ValueError:
            raise ValueError("give a number") from None
    if isinstance(default, list):  # a JSON list, or names separated by commas
        value = json.loads(text) if text.strip().startswith("[") else [part.strip() for part in text.split(",")]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise ValueError("give a JSON list of strings or names separated by commas")
        return [item for item in value if item]
    return text
