"""The printed upload commands name both stack outputs with the site model's filters."""

from __future__ import annotations

from tests.support.locations import STACK_CASES_DIR
from tools.upload.upload_commands import main as upload_main

# The stack cases (tests/stacks/), not the user's own stacks.
CASES = ["--stack-dir", str(STACK_CASES_DIR)]


def main(argv: list[str]) -> int:
    return upload_main([*argv, *CASES])


def test_upload_commands_for_the_dev_stack(capsys):
    assert main(["--stack", "dev", "--content", "./my files"]) == 0
    protected, public = capsys.readouterr().out.splitlines()
    assert protected == (
        "aws s3 sync './my files' \"s3://$(pulumi stack output --stack dev bucketName)/\" "
        "--exclude '*' --include 'ex-img/*' --exclude '_errors/*'"
    )
    assert public == (
        "aws s3 sync './my files' \"s3://$(pulumi stack output --stack dev publicBucketName)/\" "
        "--exclude 'ex-img/*' --exclude '_errors/*'"
    )


def test_unknown_stack_is_one_line(capsys):
    assert main(["--stack", "nope"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_each_command_names_its_stack_so_the_selected_stack_does_not_matter(capsys):
    assert main(["--stack", "prod", "--content", "./site"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    for line in lines:
        assert "$(pulumi stack output --stack prod " in line
        assert "$(pulumi stack output bucketName)" not in line


def test_a_fully_qualified_stack_name_reads_its_last_segment_and_is_kept_whole(capsys):
    assert main(["--stack", "acme/protected-cdn/dev", "--content", "./site"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "$(pulumi stack output --stack acme/protected-cdn/dev bucketName)" in lines[0]


def test_content_under_errors_is_named_as_not_uploaded(tmp_path, capsys):
    # The same decision as make local: _errors/ holds only the error pages Pulumi uploads.
    (tmp_path / "_errors").mkdir()
    (tmp_path / "_errors" / "private.txt").write_text("x")
    (tmp_path / "index.html").write_text("x")
    assert main(["--stack", "dev", "--content", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 2
    assert all("--exclude '_errors/*'" in line for line in captured.out.splitlines())
    (note,) = captured.err.splitlines()
    assert "_errors/private.txt" in note and "not uploaded" in note


def test_no_note_without_content_under_errors(tmp_path, capsys):
    (tmp_path / "index.html").write_text("x")
    assert main(["--stack", "dev", "--content", str(tmp_path)]) == 0
    assert capsys.readouterr().err == ""
