"""protected-cdn used from a team's own program that has a package called ``components``.

The path route (this repository on ``sys.path``, as examples/ does) imports it as
``protected_cdn``: the team's ``components`` stays theirs. Importing it as ``components``
there is the documented failure. The provider route is tested in tests/provider/.
"""

from __future__ import annotations

import contextlib
import runpy
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.edge_support import CURRENT_TOKEN
from tests.process_support import run
from tests.program_support import BUCKET, FUNCTION, walk_inputs
from tools.plan.program_run import run_under_mocks

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "team-site"
TEAM_COMPONENTS = '''"""The team's own components package."""
import pulumi_aws as aws

TEAM = "team-a"


def team_bucket(name):
    return aws.s3.Bucket(name, tags={"team": TEAM})
'''
TEAM_PROGRAM = f"""import sys

import pulumi

# The path route: protected-cdn's checkout after the program's own folders.
sys.path.append({str(ROOT)!r})
from components import team_bucket
from protected_cdn import EdgeCheck

bucket = team_bucket("assets")
check = EdgeCheck("check", {{"auth_token": pulumi.Config().require_secret("authToken")}})
pulumi.export("edgeFunctionName", check.function_name)
pulumi.export("bucket", bucket.bucket)
"""


@pytest.fixture
def team_project(tmp_path) -> Path:
    (tmp_path / "components").mkdir()
    (tmp_path / "components" / "__init__.py").write_text(TEAM_COMPONENTS)
    (tmp_path / "__main__.py").write_text(TEAM_PROGRAM)
    return tmp_path


def _ours(name: str) -> bool:
    return name.split(".")[0] in ("components", "protected_cdn")


@contextlib.contextmanager
def team_program_imports(project: Path) -> Iterator[None]:
    """Imports as `python <project>` has them: the project's folder first on sys.path, and
    none of this repository's ``components`` loaded yet. Restored afterwards."""
    saved_path = list(sys.path)
    saved = {name: module for name, module in sys.modules.items() if _ours(name)}
    for name in saved:
        del sys.modules[name]
    sys.path.insert(0, str(project))
    try:
        yield
    finally:
        sys.path[:] = saved_path
        for name in [name for name in sys.modules if _ours(name)]:
            del sys.modules[name]
        sys.modules.update(saved)


def test_the_team_program_declares_its_own_and_protected_cdns_resources(team_project):
    with team_program_imports(team_project):
        result = run_under_mocks(
            lambda: runpy.run_path(str(team_project / "__main__.py"), run_name="__main__"),
            "dev",
            {f"{PROJECT}:authToken": CURRENT_TOKEN, "aws:region": "eu-west-1"},
            [f"{PROJECT}:authToken"],
            project=PROJECT,
        )
        team_module = sys.modules["components"]
    assert Path(team_module.__file__).parent == team_project / "components"
    (bucket,) = result.of_type(BUCKET)
    assert bucket.inputs["tags"] == {"team": "team-a"}
    (check,) = result.of_type("protected-cdn:index:EdgeCheck")
    (function,) = result.of_type(FUNCTION)
    assert function.parent == check.urn
    assert result.outputs["edgeFunctionName"]
    for _registration, _path, value in walk_inputs(result):
        assert CURRENT_TOKEN not in str(value)


def test_after_the_run_this_repository_imports_its_own_components_again(team_project):
    import components

    with team_program_imports(team_project):
        import components as theirs

        assert theirs.TEAM == "team-a"
    import components as ours

    assert ours is components and hasattr(ours, "EdgeCheck")


def _python(project: Path, code: str):
    # A fresh interpreter with the project's folder first, as `python <project>` starts.
    prelude = f"import sys; sys.path.insert(0, {str(project)!r}); sys.path.append({str(ROOT)!r})\n"
    return run([sys.executable, "-c", prelude + code], cwd=project, capture_output=True, text=True)


def test_importing_it_as_components_there_fails_as_the_docs_say(team_project):
    result = _python(team_project, "from components import EdgeCheck")
    assert result.returncode == 1
    assert "cannot import name 'EdgeCheck' from 'components'" in result.stderr


def test_importing_it_as_protected_cdn_leaves_the_teams_components_alone(team_project):
    result = _python(
        team_project,
        "import components, protected_cdn\n"
        "print(components.TEAM, protected_cdn.EdgeCheck.__module__, "
        "protected_cdn.ProtectedContent.__name__)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["team-a", "protected_cdn.edge_check", "ProtectedContent"]
