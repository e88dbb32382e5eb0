"""The `twinning` command through click's CliRunner: each command, its exit codes and its help."""
import json

import pytest
from click.testing import CliRunner
from rdflib import Dataset, Graph

from bench.engines import free_port
from cli import main
from graph.release import current_release

from .test_loaders import MINI, line_of, rewrite


@pytest.fixture()
def runner():
    return CliRunner()


@pytest.fixture()
def mini_store(tmp_path, runner):
    store = tmp_path / "store"
    result = runner.invoke(main, ["load", str(MINI), "--store", str(store)])
    assert result.exit_code == 0, result.output
    return store


def test_load_builds_and_switches_release(runner, mini_store):
    release = current_release(mini_store)
    assert release is not None
    assert release.info["quads"] > 100
    assert set(release.info["inputs"]) >= {"cities.csv", "twin_cities.csv"}


def test_load_bad_row_exit_1_names_file_and_line(runner, tmp_path, mini_store):
    data = tmp_path / "bad"
    data.mkdir()
    for path in MINI.glob("*.csv"):
        (data / path.name).write_bytes(path.read_bytes())
    line = line_of(data / "cities.csv", "city_id", "lund")
    rewrite(data / "cities.csv", line, "latitude", "north")
    before = current_release(mini_store)
    result = runner.invoke(main, ["load", str(data), "--store", str(mini_store)])
    assert result.exit_code == 1
    assert f"{data / 'cities.csv'}:{line}: latitude: 'north' is not a decimal number" in result.output
    assert current_release(mini_store) == before


def test_load_finds_an_unreachable_engine_before_building(runner, tmp_path):
    """A wrong --endpoint costs seconds, not a whole build: nothing is built, the message says why."""
    endpoint = f"http://127.0.0.1:{free_port()}/query"  # nothing listens there
    result = runner.invoke(main, ["load", str(MINI), "--store", str(tmp_path / "store"), "--backend", "sparql",
                                  "--endpoint", endpoint])
    assert result.exit_code == 1
    assert "cannot be reached" in result.output and "nothing was built" in result.output
    assert "reading" not in result.output and current_release(tmp_path / "store") is None


def test_query_text_csv(runner, mini_store):
    result = runner.invoke(main, ["query", "--store", str(mini_store), "-f", "csv",
                                  ("SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE { ?t a "
                                  "<https://w3id.org/nzc-twinning/ontology#Twin> }")])
    assert result.exit_code == 0, result.output
    assert result.output.split() == ["n", "2"]


def test_query_named_with_parameter(runner, mini_store, tmp_path):
    output = tmp_path / "out.json"
    result = runner.invoke(main, ["query", "--store", str(mini_store), "-n", "twins_of_pilot", "-p",
                                  "pilot=umea-c1", "-o", str(output)])
    assert result.exit_code == 0, result.output
    bindings = json.loads(output.read_text())["results"]["bindings"]
    assert [b["twinCity"]["value"] for b in bindings] == ["https://w3id.org/nzc-twinning/id/city/lulea"]


def test_query_bad_syntax_exit_1(runner, mini_store):
    result = runner.invoke(main, ["query", "--store", str(mini_store), "SELECT WHERE"])
    assert result.exit_code == 1
    assert "syntax error" in result.output


def test_query_bad_parameter_exit_2(runner, mini_store):
    result = runner.invoke(main, ["query", "--store", str(mini_store), "-n", "pilots_of_cohort", "-p",
                                  "cohortNumber=first"])
    assert result.exit_code == 2
    assert "'cohortNumber'" in result.output


def test_query_unknown_name_exit_2(runner, mini_store):
    result = runner.invoke(main, ["query", "--store", str(mini_store), "-n", "nope"])
    assert result.exit_code == 2


def test_query_without_release_exit_2(runner, tmp_path):
    result = runner.invoke(main, ["query", "--store", str(tmp_path / "none"), "ASK {}"])
    assert result.exit_code == 2
    assert "twinning load" in result.output


@pytest.mark.parametrize("fmt, parse", [("nq", "nquads"), ("trig", "trig")])
def test_export_dataset_formats_parse(runner, mini_store, tmp_path, fmt, parse):
    output = tmp_path / f"dump.{fmt}"
    result = runner.invoke(main, ["export", "--store", str(mini_store), "-f", fmt, "-o", str(output)])
    assert result.exit_code == 0, result.output
    dataset = Dataset().parse(output, format=parse)
    assert len(list(dataset.quads())) == current_release(mini_store).info["quads"]


def test_export_turtle_union_and_one_graph(runner, mini_store, tmp_path):
    whole = tmp_path / "all.ttl"
    runner.invoke(main, ["export", "--store", str(mini_store), "-f", "ttl", "-o", str(whole)])
    graph = Graph().parse(whole, format="turtle")
    assert 0 < len(graph) <= current_release(mini_store).info["quads"]
    one = tmp_path / "ontology.ttl"
    result = runner.invoke(main, ["export", "--store", str(mini_store), "-f", "ttl", "--graph",
                                  "https://w3id.org/nzc-twinning/ontology", "-o", str(one)])
    assert result.exit_code == 0
    assert len(Graph().parse(one, format="turtle")) < len(graph)


def test_export_unknown_graph_exit_1(runner, mini_store):
    result = runner.invoke(main, ["export", "--store", str(mini_store), "--graph", "https://example.org/none"])
    assert result.exit_code == 1
    assert "no named graph" in result.output


def test_validate_conforms(runner):
    result = runner.invoke(main, ["validate", str(MINI)])
    assert result.exit_code == 0, result.output
    assert "Conforms: True" in result.output


def test_help_lists_every_command(runner):
    result = runner.invoke(main, ["--help"])
    for command in ("load", "serve", "query", "export", "validate"):
        assert command in result.output
    serve = runner.invoke(main, ["serve", "--help"]).output
    assert "--host" in serve and "--port" in serve and "--store" in serve
