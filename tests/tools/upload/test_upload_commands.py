"""The printed upload commands name both stack outputs with the site model's filters."""

from __future__ import annotations

import fnmatch
import os
import shlex
import shutil
import tempfile

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from components.site_model import PUBLIC_ORIGIN_ID, build_site_model
from tests.support.locations import STACK_CASES_DIR
from tools.stack_files.reader import ROOT
from tools.upload.upload_commands import GLOB_CHARACTERS, stack_site_model, upload_commands
from tools.upload.upload_commands import main as upload_main

# The stack cases (tests/stacks/), not the user's own stacks.
CASES = ["--stack-dir", str(STACK_CASES_DIR)]
SAMPLE = ROOT / "sample_content"


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


# --- the printed commands are exact: what the AWS CLI would do with them --------------------


def aws_cli_uploads(command: str) -> set[str]:
    """The keys ``aws s3 sync <folder> s3://… <filters>`` sends, by the CLI's filter rule
    (awscli/customizations/s3/filters.py): each filter is joined to the folder's absolute
    path and matched with fnmatch against each file's full path; the last match wins and a
    file no filter matches is sent. Symlinks are followed, as the CLI does by default."""
    argv = shlex.split(command)
    assert argv[:3] == ["aws", "s3", "sync"] and argv[4].startswith("s3://")
    root = os.path.abspath(argv[3])
    filters = list(zip(argv[5::2], argv[6::2], strict=True))
    sent = set()
    for folder, _dirs, names in os.walk(root, followlinks=True):
        for name in names:
            full = os.path.join(folder, name)
            included = True
            for kind, pattern in filters:
                if fnmatch.fnmatch(full, os.path.join(root, pattern)):
                    included = kind == "--include"
            if included:
                sent.add(os.path.relpath(full, root).replace(os.sep, "/"))
    return sent


DEV_PROTECTED = {
    "ex-img/gradient.png",
    "ex-img/logo.svg",
    "ex-img/partner-a/logo.svg",
    "ex-img/partner-a/readme.txt",
}
DEV_PUBLIC = {"index.html", "public/hello.txt"}
BRACKET_FOLDERS = ["site[1]", "site[ab]", "build[!x]"]
GLOB_FOLDERS = [*BRACKET_FOLDERS, "a*b", "[", "site[1"]


def commands_for(folder: str, capsys) -> tuple[int, list[str], str]:
    status = main(["--stack", "dev", f"--content={folder}"])
    captured = capsys.readouterr()
    return status, captured.out.splitlines(), captured.err


@pytest.mark.parametrize("name", BRACKET_FOLDERS)
def test_the_cli_reads_brackets_of_the_folder_as_patterns(tmp_path, name):
    # Why such folders are refused: the site model's filters, printed as they are, would send
    # every protected file to the public bucket.
    shutil.copytree(SAMPLE, tmp_path / name)
    filters = " ".join(
        shlex.quote(a) for a in build_site_model(["ex-img/*"], 10).sync_filters()[PUBLIC_ORIGIN_ID]
    )
    public = aws_cli_uploads(f"aws s3 sync {shlex.quote(str(tmp_path / name))} s3://b/ {filters}")
    assert public >= DEV_PROTECTED


def test_the_cli_lets_a_star_of_the_folder_span_part_of_a_key(tmp_path):
    # The other reason: in a*b, the * also matches a*b/x/ab, so the public file
    # x/ab/ex-img/y.txt reads as under ex-img/ and misses the public bucket.
    (tmp_path / "a*b" / "x" / "ab" / "ex-img").mkdir(parents=True)
    (tmp_path / "a*b" / "x" / "ab" / "ex-img" / "y.txt").write_text("public")
    filters = build_site_model(["ex-img/*"], 10).sync_filters()[PUBLIC_ORIGIN_ID]
    command = f"aws s3 sync {shlex.quote(str(tmp_path / 'a*b'))} s3://b/ {shlex.join(filters)}"
    assert aws_cli_uploads(command) == set()


@pytest.mark.parametrize("name", GLOB_FOLDERS)
def test_a_folder_whose_path_has_glob_characters_is_refused_for_make_upload(tmp_path, capsys, name):
    shutil.copytree(SAMPLE, tmp_path / name)
    status, out, err = commands_for(str(tmp_path / name), capsys)
    assert status == 2 and out == []
    assert err.count("\n") == 1 and "make upload CONTENT=" in err
    assert err.startswith("upload_commands: content folder"), err


def test_a_glob_character_in_a_parent_folder_is_refused_too(tmp_path, capsys, monkeypatch):
    shutil.copytree(SAMPLE, tmp_path / "work[1]" / "site")
    monkeypatch.chdir(tmp_path / "work[1]")
    status, out, err = commands_for("site", capsys)
    assert status == 2 and out == [] and "make upload" in err


@settings(max_examples=60, deadline=None)
@given(name=st.text(alphabet="ab []!*?'\"$`é-\\", min_size=1, max_size=8))
def test_printed_commands_are_exact_or_refused_for_any_folder_name(name):
    assume(name not in (".", "..") and "/" not in name)
    with tempfile.TemporaryDirectory() as parent:
        folder = os.path.join(parent, name)
        shutil.copytree(SAMPLE, folder)
        status = upload_main(["--stack", "dev", f"--content={folder}", *CASES])
        # capsys cannot be reset per example: read the commands from the function itself.
        if status == 2:
            assert GLOB_CHARACTERS & set(folder)
            return
        protected, public = upload_commands(dev_site(), folder, "dev")
        assert aws_cli_uploads(protected) == DEV_PROTECTED
        assert aws_cli_uploads(public) == DEV_PUBLIC


def test_a_folder_starting_with_a_dash_is_not_read_as_an_option(tmp_path, capsys, monkeypatch):
    shutil.copytree(SAMPLE, tmp_path / "-site")
    monkeypatch.chdir(tmp_path)
    status, out, _ = commands_for("-site", capsys)
    assert status == 0
    assert all(line.startswith("aws s3 sync ./-site ") for line in out)
    assert aws_cli_uploads(out[0]) == DEV_PROTECTED


def test_a_public_symlink_to_a_protected_file_is_refused(tmp_path, capsys):
    # The CLI follows symlinks: the link's key is public, its bytes protected.
    shutil.copytree(SAMPLE, tmp_path / "site")
    (tmp_path / "site" / "public" / "g.png").symlink_to(
        tmp_path / "site" / "ex-img" / "gradient.png"
    )
    status, out, err = commands_for(str(tmp_path / "site"), capsys)
    assert status == 2 and out == [] and "public/g.png" in err and err.count("\n") == 1


def dev_site():
    return stack_site_model("dev", STACK_CASES_DIR)
