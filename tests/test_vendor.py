"""The vendored browser libraries of the pictures (web/static/vendor/maps/) against the recipe that built them
(web/static/vendor/source/maps/): every package in the bundle is pinned by the lockfile and has its licence beside
the bundle, and the map data is Natural Earth's TopoJSON as world-atlas ships it.
"""
import json
import re

from .conftest import PROJECT

VENDOR = PROJECT / "web" / "static" / "vendor" / "maps"
RECIPE = PROJECT / "web" / "static" / "vendor" / "source" / "maps"


def locked() -> dict[str, dict]:
    packages = json.loads((RECIPE / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    return {path.removeprefix("node_modules/"): entry for path, entry in packages.items() if path}


def test_every_bundled_package_is_locked_and_licensed():
    lock = locked()
    licences = {path.name.removesuffix(".LICENSE"): path for path in (VENDOR / "licences").glob("*.LICENSE")}
    assert len(licences) >= 10
    for stem, path in licences.items():
        name, _, version = stem.rpartition("-")
        assert name in lock and lock[name]["version"] == version, f"{path.name} is not the locked version"
        assert lock[name]["license"] in {"ISC", "MIT", "BSD-3-Clause"}
        text = path.read_text(encoding="utf-8")
        assert "Permission" in text or "Redistribution" in text, f"{path.name} is not a licence text"
    # The packages the bundle is made of, as the recipe names them, are among those licensed.
    direct = json.loads((RECIPE / "package.json").read_text(encoding="utf-8"))["dependencies"]
    assert {f"{name}-{version}" for name, version in direct.items()} <= set(licences)
    assert all(not entry.get("dev") for name, entry in lock.items() if f"{name}-{entry['version']}" in licences)


def test_bundle_and_map_data_are_those_of_the_recipe():
    bundle = (VENDOR / "maps.min.js").read_text(encoding="utf-8")
    assert bundle.startswith("var TwinningVendor=")
    # Nothing to fetch from elsewhere: the only addresses in the bundle are XML namespace names.
    assert set(re.findall(r"https?://[^\"' ]+", bundle)) <= {
        "http://www.w3.org/1999/xhtml", "http://www.w3.org/1999/xlink", "http://www.w3.org/2000/svg",
        "http://www.w3.org/2000/xmlns/", "http://www.w3.org/XML/1998/namespace"}
    entry = (RECIPE / "entry.js").read_text(encoding="utf-8")
    assert "world-atlas" in json.loads((RECIPE / "package.json").read_text(encoding="utf-8"))["dependencies"]
    assert "export" in entry and "build.sh" in (VENDOR / "README.md").read_text(encoding="utf-8")
    topology = json.loads((VENDOR / "countries-50m.json").read_text(encoding="utf-8"))
    assert topology["type"] == "Topology" and {"countries", "land"} <= set(topology["objects"])
    names = {g["properties"]["name"] for g in topology["objects"]["countries"]["geometries"]}
    assert {"Sweden", "Italy", "Iceland", "Ireland"} <= names
