"""`make snapshots` and `make identities` share one command line (tests/support/recorder_cli.py):
--write accepts and names each file, --check prints each change and exits 1, and a broken
stack case is one line and exit 2."""

from __future__ import annotations

import shutil

import pytest

from tests.support import identities, snapshots
from tests.support.locations import STACK_CASES_DIR


@pytest.fixture
def one_case(tmp_path):
    cases = tmp_path / "stacks"
    cases.mkdir()
    shutil.copy(STACK_CASES_DIR / "Pulumi.dev.yaml", cases)
    return cases


def test_identities_write_then_check_then_a_changed_urn(one_case, tmp_path, capsys):
    recorded = tmp_path / "identities"
    argv = ["--stack-dir", str(one_case), "--identity-dir", str(recorded)]
    assert identities.main(["--check", *argv]) == 1
    assert "no recorded identities for stack 'dev'" in capsys.readouterr().out
    assert identities.main(["--write", *argv]) == 0
    assert capsys.readouterr().out == f"accepted {recorded / 'dev.json'}\n"
    assert identities.main(["--check", *argv]) == 0
    path = recorded / "dev.json"
    path.write_text(path.read_text().replace("protected-cdn:index:ProtectedContent", "x:y:Z", 1))
    assert identities.main(["--check", *argv]) == 1
    assert capsys.readouterr().out.strip()


def test_snapshots_check_prints_the_diff_of_a_changed_plan(one_case, tmp_path, capsys):
    argv = [
        "--stack-dir",
        str(one_case),
        "--snapshot-dir",
        str(tmp_path / "snapshots"),
        "--identity-dir",
        str(tmp_path / "identities"),
    ]
    assert snapshots.main(["--write", *argv]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"accepted {tmp_path / 'snapshots' / 'dev.json'}",
        f"accepted {tmp_path / 'identities' / 'dev.json'}",
    ]
    assert snapshots.main(["--check", *argv]) == 0
    (tmp_path / "snapshots" / "dev.json").write_text("{}\n")
    assert snapshots.main(["--check", *argv]) == 1
    assert "(accepted)" in capsys.readouterr().out


@pytest.mark.parametrize("main", [snapshots.main, identities.main])
def test_a_broken_stack_case_is_one_line_and_exit_2(one_case, tmp_path, capsys, main):
    (one_case / "Pulumi.dev.yaml").write_text("config:\n  protected-cdn:priceClass: PriceClass_9\n")
    (tmp_path / "dev.json").write_text("{}\n")  # recorded, so the case is planned
    assert main(["--check", "--stack-dir", str(one_case), "--identity-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Fix:" in err
