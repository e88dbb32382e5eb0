"""The folders the project ships beside its code, found through the import system, so that an installed wheel
works from any folder: `ontology/`, `queries/` and `data/` are installed as package data of nzc_twinning (see
pyproject.toml); an editable install maps them to the checkout's folders."""
import importlib.util
from pathlib import Path

SHIPPED = ("ontology", "queries", "data")


def shipped(name: str) -> Path:
    """The folder `name` (one of SHIPPED) as installed. Raises LookupError when the installation lacks it."""
    if name not in SHIPPED:
        raise LookupError(f"the project ships no folder {name!r}")
    spec = importlib.util.find_spec(f"nzc_twinning.{name}")
    folders = [Path(folder) for folder in (spec.submodule_search_locations or [])] if spec else []
    for folder in folders:
        if folder.is_dir():
            return folder
    raise LookupError(f"nzc_twinning.{name} is not installed: reinstall the project (pip install .)")
