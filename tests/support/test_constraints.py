"""`make constraints` pins what the requirements pull, in an order of its own: pinning a venv
installed from constraints.txt writes it byte for byte; what else the venv holds is left out."""

from __future__ import annotations

import re
import shutil

import pytest
from packaging.requirements import Requirement

from tests.support import constraints
from tests.support.constraints import HEADER, Installed, PinError, constraints_text

VENV = {
    "pulumi": Installed("pulumi", "3.272.0", ("grpcio>=1.66", 'debugpy; extra == "debug"')),
    "grpcio": Installed("grpcio", "1.75.1", ()),
    "debugpy": Installed("debugpy", "1.8.0", ()),
    "botocore": Installed("botocore", "1.40.0", ('awscrt==0.38.0; extra == "crt"',)),
    "awscrt": Installed("awscrt", "0.38.0", ()),
    "pytest": Installed("pytest", "9.2.0", ("pluggy>=1.5",)),
    "pytest-xdist": Installed("pytest-xdist", "3.8.0", ("pytest>=7",)),
    "pluggy": Installed("pluggy", "1.7.0", ()),
    "markupsafe": Installed("MarkupSafe", "3.0.4", ()),
    "pulumi-policy": Installed("pulumi_policy", "1.21.0", ("setuptools>=61.0", "pulumi")),
    "setuptools": Installed("setuptools", "65.5.0", ()),
    "ipython": Installed("ipython", "9.0.0", ()),  # installed by hand, required by nothing
}


def pins(*lines: str) -> list[str]:
    text = constraints_text([Requirement(line) for line in lines], VENV.get)
    assert text.startswith(HEADER + "\n")
    return text.splitlines()[1:]


def test_the_pins_follow_extras_and_markers_and_leave_out_what_nothing_requires():
    assert pins("pulumi>=3.200,<4", "botocore[crt]>=1.35") == [
        "awscrt==0.38.0",
        "botocore==1.40.0",
        "grpcio==1.75.1",
        "pulumi==3.272.0",
    ]


def test_the_order_is_by_name_whatever_the_locale_or_the_installer():
    # pip freeze's order and `sort` disagree on pytest / pytest-xdist and on letter case.
    assert pins("pytest-xdist", "MarkupSafe", "pytest") == [
        "MarkupSafe==3.0.4",
        "pluggy==1.7.0",
        "pytest==9.2.0",
        "pytest-xdist==3.8.0",
    ]


def test_what_python_m_venv_installs_is_not_pinned():
    assert pins("pulumi-policy") == [
        "grpcio==1.75.1",
        "pulumi==3.272.0",
        "pulumi_policy==1.21.0",
    ]


def test_a_requirement_the_venv_lacks_is_one_line_with_the_fix():
    with pytest.raises(PinError, match=r"^boto3 is required but not installed: run make venv$"):
        constraints_text([Requirement("boto3>=1.35")], VENV.get)


def test_pinning_the_venv_installed_from_constraints_rewrites_nothing(tmp_path, capsys):
    # make constraints on a clean clone: git status stays clean.
    for name in (*constraints.REQUIREMENT_FILES, "constraints.txt"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        shutil.copy(constraints.ROOT / name, tmp_path / name)
    before = (tmp_path / "constraints.txt").stat().st_mtime_ns
    assert constraints.main(["--check", "--root", str(tmp_path)]) == 0
    assert constraints.main(["--write", "--root", str(tmp_path)]) == 0
    assert (tmp_path / "constraints.txt").stat().st_mtime_ns == before
    assert "constraints.txt unchanged" in capsys.readouterr().err


def test_check_prints_the_diff_of_a_stale_pin_and_write_fixes_it(tmp_path, capsys):
    for name in (*constraints.REQUIREMENT_FILES, "constraints.txt"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        shutil.copy(constraints.ROOT / name, tmp_path / name)
    path = tmp_path / "constraints.txt"
    fresh = path.read_text()
    path.write_text(re.sub(r"(?m)^PyYAML==.*$", "PyYAML==5.0.0", fresh))
    assert constraints.main(["--check", "--root", str(tmp_path)]) == 1
    assert "-PyYAML==5.0.0" in capsys.readouterr().out
    assert constraints.main(["--write", "--root", str(tmp_path)]) == 0
    assert path.read_text() == fresh
