"""The suite runs on the exact versions in constraints.txt (the Pulumi SDK's mocks and monitor
are internals a minor release may change), while requirements*.txt keep ranges for users."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from importlib import metadata
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name
from packaging.version import Version

from tests.support.constraints import PinError, pulled, requirement_lines, requirements

ROOT = Path(__file__).resolve().parent.parent
CONSTRAINTS = ROOT / "constraints.txt"
UPDATE = (
    "To update: widen the range in requirements*.txt if needed, run `make constraints UPGRADE=1` "
    "(upgrades .venv within the ranges and re-pins), then `make test` and commit constraints.txt."
)
SYNC = (
    "To install the pinned versions: "
    ".venv/bin/python -m pip install -r requirements-dev.txt -c constraints.txt"
)


def pins() -> dict[str, str]:
    found = {}
    for line in requirement_lines(CONSTRAINTS):
        match = re.fullmatch(r"([A-Za-z0-9._-]+)==([^\s;]+)", line)
        assert match, f"constraints.txt: {line!r} is not an exact pin (name==version). {UPDATE}"
        found[canonicalize_name(match[1])] = match[2]
    return found


def test_requirement_files_keep_compatible_ranges_not_pins():
    for file, requirement in requirements():
        operators = {spec.operator for spec in requirement.specifier}
        assert operators and "==" not in operators, f"{file}: {requirement} should be a range"


def test_every_required_package_is_pinned_within_its_range():
    pinned = pins()
    for file, requirement in requirements():
        name = canonicalize_name(requirement.name)
        assert name in pinned, (
            f"{requirement.name} ({file}) has no pin in constraints.txt. {UPDATE}"
        )
        assert requirement.specifier.contains(Version(pinned[name]), prereleases=True), (
            f"constraints.txt pins {requirement.name}=={pinned[name]}, outside {file}'s "
            f"{requirement.specifier}. {UPDATE}"
        )


@pytest.mark.parametrize("name", ["pulumi", "pulumi-aws", "pulumi-policy", "grpcio", "protobuf"])
def test_the_sdk_the_mocks_stand_on_is_pinned(name):
    assert name in pins(), f"{name} has no pin in constraints.txt. {UPDATE}"


def test_installed_versions_equal_the_pins():
    wrong = []
    for name, version in sorted(pins().items()):
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = "not installed"
        if installed != version:
            wrong.append(f"{name}: pinned {version}, installed {installed}")
    assert not wrong, "\n".join([*wrong, SYNC, UPDATE])


def test_the_venv_is_reinstalled_when_the_pins_change(tmp_path):
    # make -n: is the install step due once constraints.txt is newer than the stamp?
    for name in ("Makefile", "requirements.txt", "requirements-dev.txt", "constraints.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "policy").mkdir()
    shutil.copy(ROOT / "policy" / "requirements.txt", tmp_path / "policy" / "requirements.txt")
    stamp = tmp_path / ".venv" / ".installed"
    stamp.parent.mkdir()
    stamp.touch()
    dry_run = ["make", "-n", "-C", str(tmp_path), "venv"]
    assert "pip install" not in subprocess.run(dry_run, capture_output=True, text=True).stdout
    later = stamp.stat().st_mtime + 10
    os.utime(tmp_path / "constraints.txt", (later, later))
    planned = subprocess.run(dry_run, capture_output=True, text=True).stdout
    assert "-r requirements-dev.txt -c constraints.txt" in planned


# --- what the requirements pull, and nothing more ---------------------------------------

MOTO_SERVER = re.compile(r"moto\.server|ThreadedMotoServer")


def _uses_moto_server() -> bool:
    sources = [
        p
        for p in ROOT.rglob("*.py")
        if not {".venv", ".build"} & set(p.parts) and p != Path(__file__).resolve()
    ]
    return any(MOTO_SERVER.search(p.read_text(encoding="utf-8")) for p in sources)


def test_moto_server_runs_on_flask_alone_never_on_the_server_extra():
    """moto's S3 server needs Flask and flask-cors and nothing else; moto[server] would add docker,
    cfn-lint, sympy, ... (every other service) to every dev install. Flask is asked for exactly
    when something runs moto's server."""
    names = {canonicalize_name(r.name): r for _, r in requirements()}
    assert "server" not in names["moto"].extras, f"requirements-dev.txt asks for {names['moto']}"
    server_packages = {"flask", "flask-cors"} <= set(names)
    assert server_packages == _uses_moto_server(), (
        f"moto's server is {'used' if _uses_moto_server() else 'not used'}; "
        f"Flask and flask-cors are {'' if server_packages else 'not '}in the requirements"
    )


def _needed() -> set[str]:
    """Every distribution the requirement files pull in, by the installed metadata."""
    try:
        return set(pulled(requirement for _, requirement in requirements()))
    except PinError as error:
        pytest.skip(f"{error}: {SYNC}")


def test_constraints_pin_nothing_the_requirements_do_not_pull():
    stale = sorted(set(pins()) - _needed())
    assert not stale, f"constraints.txt pins what nothing requires: {', '.join(stale)}. {UPDATE}"
