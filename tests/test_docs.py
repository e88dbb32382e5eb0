"""The README documents every setting, the quick start has exactly two commands, and CI runs the second."""
import re
import subprocess
import tomllib

import yaml

from web.settings import SETTINGS

from .conftest import PROJECT

README = (PROJECT / "README.md").read_text()


def quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.DOTALL).group(1)
    return [line for line in block.splitlines() if line.strip()]


def test_readme_documents_every_setting():
    for name in SETTINGS:
        assert f"`TWINNING_{name}`" in README, name


def test_readme_quick_start_has_two_commands():
    commands = quick_start_commands()
    assert len(commands) == 2
    assert "twinning serve" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command():
    """.ci/run reads the command from the README instead of repeating it: run its extraction line and compare."""
    ci = (PROJECT / ".ci" / "run").read_text()
    extraction = next(line for line in ci.splitlines() if line.startswith("test_command="))
    extracted = subprocess.run(["bash", "-c", f"{extraction}; printf %s \"$test_command\""], cwd=PROJECT,
                               capture_output=True, text=True, check=True).stdout
    assert extracted == quick_start_commands()[1]
    assert 'bash -c "$test_command"' in ci


def test_readme_coverage_table_is_what_the_graph_reports(store_path):
    from click.testing import CliRunner

    from cli import main

    result = CliRunner().invoke(main, ["coverage", "--store", str(store_path)])
    assert result.exit_code == 0, result.output
    table = README.split("<!-- coverage:start -->\n", 1)[1].split("<!-- coverage:end -->", 1)[0]
    assert table.strip() == result.output.strip()


def test_citation_file_matches_the_package():
    """CITATION.cff (Citation File Format 1.2.0) names the version and licences the package declares."""
    citation = yaml.safe_load((PROJECT / "CITATION.cff").read_text())
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]
    assert citation["cff-version"] == "1.2.0" and citation["type"] == "dataset"
    assert citation["version"] == project["version"]
    assert " AND ".join(citation["license"]) == project["license"]
