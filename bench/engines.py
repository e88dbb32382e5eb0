"""Start and stop the SPARQL servers the project is tested and measured against, on loopback ports.

- `twinning serve` itself, with settings from the environment.

- Oxigraph server: `oxigraph serve` from the PyPI package `oxigraph`.
- Virtuoso: `virtuoso-t` from Debian's `virtuoso-opensource`, as an instance of its own in a temporary folder
  (the packaged service is not used). Its SPARQL Update and Graph Store endpoints need Digest authentication.
"""
import configparser
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
VIRTUOSO_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
PACKAGED_FILES = "/var/lib/virtuoso-opensource-7/db/"


@dataclass
class Engine:
    name: str
    process: subprocess.Popen
    query: str
    update: str
    store: str
    user: str = ""
    password: str = ""

    def settings(self) -> dict:
        """The project's settings that point a server or a load at this engine."""
        return {"BACKEND": "sparql", "ENDPOINT": self.query, "UPDATE_ENDPOINT": self.update,
                "STORE_ENDPOINT": self.store, "ENDPOINT_USER": self.user, "ENDPOINT_PASSWORD": self.password}

    def stop(self) -> None:
        stop_server(self.process, seconds=20)


def stop_server(process: subprocess.Popen, seconds: float = 10) -> None:
    process.terminate()
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_answering(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            command = " ".join([Path(process.args[0]).name, *process.args[1:3]])
            raise RuntimeError(f"{command} exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers, if only to say the request was incomplete
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{url} did not answer within {seconds:g} s")


def start_twinning(env: dict) -> tuple[subprocess.Popen, str]:
    """`twinning serve` on a free port with these environment variables, once it answers; its base URL.
    Its error output goes to a file (a pipe nobody reads could fill up and stall it), read should it exit."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as errors:  # the server keeps writing to it once this handle is closed
        process = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--port", str(port)], cwd=PROJECT,
                                   env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=errors)
        try:
            wait_until_answering(base + "/sparql", process)
        except RuntimeError as error:
            errors.seek(0)
            raise RuntimeError(f"{error}: {errors.read().decode(errors='replace')}") from None
    return process, base


def installed(command: str) -> str | None:
    """The path of a command, looked up beside this interpreter first: a virtual environment's commands (such as
    `oxigraph` from its PyPI package) are there, whether or not the environment is on PATH."""
    beside = str(Path(sys.executable).parent)
    return shutil.which(command, path=os.pathsep.join([beside, os.environ.get("PATH", "")]))


def oxigraph_available() -> bool:
    return installed("oxigraph") is not None


def virtuoso_available() -> bool:
    return installed("virtuoso-t") is not None and VIRTUOSO_INI.exists()


def start_oxigraph(folder: Path) -> Engine:
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    process = subprocess.Popen([installed("oxigraph"), "serve", "--location", str(folder / "db"), "--bind", f"127.0.0.1:{port}"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    wait_until_answering(base + "/query?query=ASK%7B%7D", process)
    return Engine("oxigraph", process, base + "/query", base + "/update", base + "/store")


def start_virtuoso(folder: Path, result_rows: int = 10_000_000) -> Engine:
    """A Virtuoso instance of its own: a copy of the packaged configuration with its own files and loopback ports."""
    folder.mkdir(parents=True, exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    while http_port == sql_port:  # each was free when asked for, so the two may be the same
        http_port = free_port()
    ini = configparser.RawConfigParser(strict=False, inline_comment_prefixes=(";",))
    ini.optionxform = str  # Virtuoso's keys are case-sensitive
    ini.read(VIRTUOSO_INI)
    # Every file of the packaged instance (database, transaction log, lock, error log, ...) moves into `folder`.
    for section in ini.sections():
        for key, value in ini[section].items():
            if value.strip().startswith(PACKAGED_FILES):
                ini[section][key] = str(folder / Path(value.strip()).name)
    ini["Parameters"]["ServerPort"] = f"127.0.0.1:{sql_port}"
    ini["HTTPServer"]["ServerPort"] = f"127.0.0.1:{http_port}"
    # Virtuoso cuts answers at ResultSetMaxRows (10,000 as packaged), with only a header to say so: raise it.
    ini["SPARQL"]["ResultSetMaxRows"] = str(result_rows)
    with (folder / "virtuoso.ini").open("w") as file:
        ini.write(file)
    process = subprocess.Popen(["virtuoso-t", "-f", "-c", str(folder / "virtuoso.ini")], cwd=folder,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{http_port}"
    wait_until_answering(base + "/sparql?query=ASK%7B%7D", process, seconds=120)
    return Engine("virtuoso", process, base + "/sparql", base + "/sparql-auth", base + "/sparql-graph-crud-auth",
                  "dba", "dba")


STARTERS = {"oxigraph": (start_oxigraph, oxigraph_available), "virtuoso": (start_virtuoso, virtuoso_available)}
