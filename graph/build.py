"""The build pipeline, the one the command line and the tests use: fact files → loaders (rows checked) → the
release dataset with the ontology → SHACL check → a new release, switched in only when all of it succeeded."""
from pathlib import Path

from loaders import FILES, load_all
from nzc_twinning.files import shipped

from .release import KEEP_RELEASES, Release, build_release, release_dataset
from .release import validate as shacl_validate


def ontology() -> Path:
    return shipped("ontology") / "twinning.ttl"


def shapes() -> Path:
    return shipped("ontology") / "shapes.ttl"


def build(data_dir: Path, store: Path, progress=print, keep: int = KEEP_RELEASES) -> Release:
    """Build a release of the fact files in `data_dir` into the store folder `store` and switch it in, keeping the
    newest `keep` releases. Raises loaders.DataError (every row error) or release.ShapeViolation; nothing is switched
    in then."""
    facts = load_all(data_dir)
    inputs = {name: (Path(data_dir) / name).read_bytes() for name in FILES}
    return build_release(release_dataset(facts, ontology()), Path(store), inputs, shapes(), progress=progress, keep=keep)


def check(data_dir: Path) -> tuple[bool, str]:
    """The SHACL verdict on the fact files without building: (conforms, report). Raises loaders.DataError."""
    return shacl_validate(release_dataset(load_all(data_dir), ontology()), shapes())
