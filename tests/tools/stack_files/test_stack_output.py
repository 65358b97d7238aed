"""pulumi stack output runs without a shell, and each way it fails is one line."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tools.stack_files import StackOutputError, stack_output


@pytest.fixture(autouse=True)
def pulumi_on_path(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda _name: "/usr/bin/pulumi")


def test_one_output_or_all_as_json_in_the_project_folder(tmp_path):
    calls = []

    def run(command, **kwargs):
        calls.append((command, kwargs["cwd"], kwargs["timeout"]))
        return subprocess.CompletedProcess(command, 0, " value\n", "")

    assert stack_output("prod", "url", tmp_path, run) == "value"
    assert stack_output("a/b/c", None, tmp_path, run) == "value"
    assert calls == [
        (["pulumi", "stack", "output", "url", "--stack", "prod"], tmp_path, 120),
        (["pulumi", "stack", "output", "--stack", "a/b/c", "--json"], tmp_path, 120),
    ]


def test_each_failure_says_what_happened(tmp_path, monkeypatch):
    def exits(command, **_kwargs):
        return subprocess.CompletedProcess(command, 255, "", "warning\nerror: no stack prod\n")

    def hangs(command, **_kwargs):
        raise subprocess.TimeoutExpired(command, 120)

    cases = [
        (exits, "output url --stack prod failed (exit 255: error: no stack prod)"),
        (hangs, "output url --stack prod failed (TimeoutExpired)"),
    ]
    for run, words in cases:
        with pytest.raises(StackOutputError) as failed:
            stack_output("prod", "url", tmp_path, run)
        assert words in str(failed.value)
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    with pytest.raises(StackOutputError, match="no pulumi CLI is on PATH to run pulumi stack"):
        stack_output("prod", "url", tmp_path, exits)
