"""make upload: every key lands in the bucket the site model gives it, over HTTP to a local S3."""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
from pathlib import Path

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moto import mock_aws

from components.site_model import PROTECTED_ORIGIN_ID, PUBLIC_ORIGIN_ID, build_site_model
from tests.support.locations import STACK_CASES_DIR
from tests.tools.upload.loopback_s3 import CREDENTIALS, bucket_keys, loopback_s3
from tools.stack_files.reader import ROOT
from tools.upload.content import plan_content
from tools.upload.upload import main as upload_main
from tools.upload.upload import upload

PROTECTED, PUBLIC = "site-protected", "site-public"
BUCKETS = ["--protected-bucket", PROTECTED, "--public-bucket", PUBLIC]
SAMPLE = ROOT / "sample_content"
# The dev stack case protects ex-img/* (tests/stacks/Pulumi.dev.yaml).
DEV_PROTECTED = {
    "ex-img/gradient.png",
    "ex-img/logo.svg",
    "ex-img/partner-a/logo.svg",
    "ex-img/partner-a/readme.txt",
}
DEV_PUBLIC = {"index.html", "public/hello.txt"}


def main(argv: list[str]) -> int:
    return upload_main([*argv, "--stack-dir", str(STACK_CASES_DIR)])


@pytest.fixture
def s3(monkeypatch):
    """The tool reaches S3 only through AWS_ENDPOINT_URL: moto's S3 on 127.0.0.1."""
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with loopback_s3() as (endpoint, client):
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
        client.create_bucket(Bucket=PROTECTED)
        client.create_bucket(Bucket=PUBLIC)
        yield client


def copy_sample(parent: Path, name: str) -> Path:
    folder = parent / name
    shutil.copytree(SAMPLE, folder)
    return folder


def test_sample_content_is_split_by_the_stacks_patterns_with_content_types(s3, capsys):
    assert main(["--content", str(SAMPLE), *BUCKETS]) == 0
    assert bucket_keys(s3, PROTECTED) == DEV_PROTECTED
    assert bucket_keys(s3, PUBLIC) == DEV_PUBLIC
    png = s3.get_object(Bucket=PROTECTED, Key="ex-img/gradient.png")
    assert png["ContentType"] == "image/png"
    assert png["Body"].read() == (SAMPLE / "ex-img/gradient.png").read_bytes()
    assert s3.head_object(Bucket=PUBLIC, Key="index.html")["ContentType"] == "text/html"
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 6
    assert (
        captured.err
        == "uploaded 4 file(s) to the protected bucket, 2 file(s) to the public bucket\n"
    )


# Folder names a glob would read as patterns, and other hostile ones.
HOSTILE_FOLDERS = [
    "site[1]",
    "site[ab]",
    "build[!x]",
    "a*b",
    "what?",
    "my site",
    "it's",
    'say "hi"',
    "$HOME `id`",
    "ünï-cødé",
    "-starts-with-dash",
]


@pytest.mark.parametrize("name", HOSTILE_FOLDERS)
def test_no_folder_name_sends_a_protected_file_to_the_public_bucket(s3, tmp_path, name):
    folder = copy_sample(tmp_path, name)
    assert main(["--content", str(folder), *BUCKETS]) == 0
    assert bucket_keys(s3, PROTECTED) == DEV_PROTECTED
    assert bucket_keys(s3, PUBLIC) == DEV_PUBLIC


def test_a_glob_character_in_a_parent_folder_changes_nothing(s3, tmp_path, monkeypatch):
    folder = copy_sample(tmp_path / "work[1]", "site")
    monkeypatch.chdir(folder.parent)
    assert main(["--content", "site", *BUCKETS]) == 0
    assert bucket_keys(s3, PROTECTED) == DEV_PROTECTED


# File names S3 keys hold as they are; each is routed by its key alone.
HOSTILE_FILES = {
    "ex-img/a[1].png": PROTECTED,
    "ex-img/*.png": PROTECTED,
    "ex-img/?": PROTECTED,
    "ex-img/sp ace #frag %41+plus.png": PROTECTED,
    "ex-img/ünï.png": PROTECTED,
    "EX-IMG/upper.png": PUBLIC,  # patterns are case-sensitive, as CloudFront's
    "ex-img.png": PUBLIC,  # starts like the folder, but is not under ex-img/
    "ex-imgx/y.png": PUBLIC,
    "[ex-img]/z.png": PUBLIC,
}


def test_hostile_file_names_land_by_their_key(s3, tmp_path):
    for key in HOSTILE_FILES:
        path = tmp_path / "site" / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(key)
    assert main(["--content", str(tmp_path / "site"), *BUCKETS]) == 0
    for bucket in (PROTECTED, PUBLIC):
        expected = {key for key, where in HOSTILE_FILES.items() if where == bucket}
        assert bucket_keys(s3, bucket) == expected
    body = s3.get_object(Bucket=PROTECTED, Key="ex-img/sp ace #frag %41+plus.png")["Body"]
    assert body.read() == b"ex-img/sp ace #frag %41+plus.png"


@pytest.mark.parametrize(
    "name", ["line\nbreak.png", "tab\there.png", "bell\x07.png", "del\x7f.png"]
)
def test_a_control_character_in_a_file_name_stops_the_upload_before_anything_is_sent(
    s3, tmp_path, capsys, name
):
    folder = copy_sample(tmp_path, "site")
    (folder / "ex-img" / name).write_text("x")
    assert main(["--content", str(folder), *BUCKETS]) == 2
    err = capsys.readouterr().err
    assert "control character" in err and len(err.strip().splitlines()) == 1
    assert bucket_keys(s3, PROTECTED) == bucket_keys(s3, PUBLIC) == set()


def test_files_under_errors_are_not_uploaded_and_a_note_says_so(s3, tmp_path, capsys):
    folder = copy_sample(tmp_path, "site")
    (folder / "_errors").mkdir()
    (folder / "_errors" / "404.json").write_text("{}")
    assert main(["--content", str(folder), *BUCKETS]) == 0
    assert bucket_keys(s3, PUBLIC) == DEV_PUBLIC
    assert "1 file(s) under _errors/ (_errors/404.json) are not uploaded" in capsys.readouterr().err


def test_dry_run_lists_each_key_with_its_bucket_and_uploads_nothing(s3, capsys):
    assert main(["--content", str(SAMPLE), "--dry-run"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "protected ex-img/gradient.png  (image/png)" in lines
    assert "public    index.html  (text/html)" in lines
    assert len(lines) == 6
    assert bucket_keys(s3, PROTECTED) == bucket_keys(s3, PUBLIC) == set()


# --- refusals: one line on stderr, exit status, nothing uploaded ---------------------------


def refused(s3, capsys, argv: list[str], status: int = 2) -> str:
    assert main(argv) == status
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err, captured.err
    assert bucket_keys(s3, PROTECTED) == bucket_keys(s3, PUBLIC) == set()
    return captured.err


def test_a_symlink_out_of_the_folder_is_refused(s3, tmp_path, capsys):
    folder = copy_sample(tmp_path, "site")
    (tmp_path / "secret.txt").write_text("outside")
    (folder / "public" / "leak.txt").symlink_to(tmp_path / "secret.txt")
    err = refused(s3, capsys, ["--content", str(folder), *BUCKETS])
    assert "public/leak.txt" in err and "outside the content folder" in err


def test_a_public_symlink_to_a_protected_file_is_refused(s3, tmp_path, capsys):
    folder = copy_sample(tmp_path, "site")
    (folder / "public" / "g.png").symlink_to(folder / "ex-img" / "gradient.png")
    err = refused(s3, capsys, ["--content", str(folder), *BUCKETS])
    assert "public/g.png" in err and "protected file 'ex-img/gradient.png'" in err


def test_a_symlink_inside_the_folder_to_a_public_file_uploads_its_bytes(s3, tmp_path):
    folder = copy_sample(tmp_path, "site")
    (folder / "ex-img" / "hello.txt").symlink_to(folder / "public" / "hello.txt")
    assert main(["--content", str(folder), *BUCKETS]) == 0
    body = s3.get_object(Bucket=PROTECTED, Key="ex-img/hello.txt")["Body"].read()
    assert body == (folder / "public" / "hello.txt").read_bytes()


def test_a_symlinked_folder_is_refused(s3, tmp_path, capsys):
    folder = copy_sample(tmp_path, "site")
    (folder / "more").symlink_to(folder / "ex-img", target_is_directory=True)
    assert "'more' is a symlink" in refused(s3, capsys, ["--content", str(folder), *BUCKETS])


def test_a_dangling_symlink_is_refused(s3, tmp_path, capsys):
    folder = copy_sample(tmp_path, "site")
    (folder / "gone.txt").symlink_to(folder / "nothing-here")
    assert "symlink" in refused(s3, capsys, ["--content", str(folder), *BUCKETS])


def test_a_name_that_is_not_utf8_is_refused(s3, tmp_path, capsys):
    folder = copy_sample(tmp_path, "site")
    try:
        (folder / os.fsdecode(b"caf\xe9.txt")).write_text("x")
    except (OSError, UnicodeEncodeError):
        pytest.skip("this file system takes only UTF-8 names")
    assert "not UTF-8" in refused(s3, capsys, ["--content", str(folder), *BUCKETS])


def test_a_fifo_is_refused_rather_than_read_forever(s3, tmp_path, capsys):
    folder = copy_sample(tmp_path, "site")
    os.mkfifo(folder / "pipe")
    assert stat.S_ISFIFO((folder / "pipe").stat().st_mode)
    assert "not a regular file" in refused(s3, capsys, ["--content", str(folder), *BUCKETS])


@pytest.mark.parametrize(
    ("content", "says"), [("", "CONTENT is empty"), ("no/such/folder", "does not exist")]
)
def test_a_bad_content_folder_is_one_line(s3, capsys, content, says):
    assert says in refused(s3, capsys, ["--content", content, *BUCKETS])


def test_the_same_bucket_twice_is_refused(s3, capsys):
    argv = ["--content", str(SAMPLE), "--protected-bucket", PUBLIC, "--public-bucket", PUBLIC]
    assert "the same bucket" in refused(s3, capsys, argv)


def test_a_bucket_name_s3_would_not_take_is_refused(s3, capsys):
    argv = ["--content", str(SAMPLE), "--protected-bucket", "Bad_Name", "--public-bucket", PUBLIC]
    assert "PROTECTED_BUCKET 'Bad_Name' is not an S3 bucket name" in refused(s3, capsys, argv)


def test_without_bucket_names_or_pulumi_cli_says_which_variables_to_set(s3, capsys, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    err = refused(s3, capsys, ["--content", str(SAMPLE)])
    assert "no pulumi CLI" in err and "PROTECTED_BUCKET" in err and "PUBLIC_BUCKET" in err


def test_a_missing_bucket_stops_before_any_file_is_sent(s3, capsys):
    argv = [
        "--content",
        str(SAMPLE),
        "--protected-bucket",
        "not-created",
        "--public-bucket",
        PUBLIC,
    ]
    err = refused(s3, capsys, argv, status=1)
    assert err.startswith("upload: bucket not-created (PROTECTED_BUCKET):")


def test_bucket_names_come_from_the_named_stacks_outputs(s3, tmp_path, monkeypatch, capsys):
    # A stand-in for the Pulumi CLI: records its arguments and prints the stack's outputs.
    calls = tmp_path / "calls"
    fake = tmp_path / "bin" / "pulumi"
    fake.parent.mkdir()
    fake.write_text(
        "#!/bin/sh\n"
        f'echo "$@" > "{calls}"\n'
        f'echo \'{{"bucketName": "{PROTECTED}", "publicBucketName": "{PUBLIC}"}}\'\n'
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    assert main(["--stack", "acme/protected-cdn/dev", "--content", str(SAMPLE)]) == 0
    assert calls.read_text().split() == [
        "stack",
        "output",
        "--stack",
        "acme/protected-cdn/dev",
        "--json",
    ]
    assert bucket_keys(s3, PROTECTED) == DEV_PROTECTED
    assert bucket_keys(s3, PUBLIC) == DEV_PUBLIC


# --- property: no key a protected pattern covers ever reaches the public bucket ------------


def cloudfront_matches(pattern: str, key: str) -> bool:
    """CloudFront's path pattern rule written out on its own: ``*`` any run of characters
    (``/`` included), ``?`` exactly one, everything else literal and case-sensitive."""
    regex = "".join(
        ".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern.lstrip("/")
    )
    return re.fullmatch(regex, key, flags=re.DOTALL) is not None


SEGMENT = st.text(alphabet="abAB-_.[]!*? é", min_size=1, max_size=6).filter(
    lambda s: s not in (".", "..")
)
TAIL = st.lists(SEGMENT, min_size=1, max_size=3).map("/".join)
STEM = st.text(alphabet="abAB-_.", min_size=1, max_size=4).filter(lambda s: s not in (".", ".."))
PATTERN = st.builds(
    lambda stem, tail: f"{stem}/{tail}", STEM, st.sampled_from(["*", "*.png", "?", "a*", "*b"])
)


@st.composite
def site_and_keys(draw) -> tuple[list[str], set[str]]:
    """Patterns, and keys of which many start with a pattern's stem (near or inside it)."""
    patterns = draw(st.lists(PATTERN, min_size=1, max_size=3, unique=True))
    stems = st.sampled_from([p.split("/")[0] for p in patterns]) | STEM
    key = st.builds(lambda stem, tail: f"{stem}/{tail}", stems, TAIL) | TAIL
    return patterns, draw(st.sets(key, max_size=8))


def test_no_protected_key_ever_lands_in_the_public_bucket():
    # One moto for every example (starting it is most of an example's time); fresh buckets each.
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        examples = iter(range(1_000_000))

        # Each example creates two buckets and uploads into them: 45 ms.
        @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(site_and_keys())
        def check(drawn: tuple[list[str], set[str]]) -> None:
            patterns, keys = drawn
            n = next(examples)
            buckets = {PROTECTED_ORIGIN_ID: f"protected-{n}", PUBLIC_ORIGIN_ID: f"public-{n}"}
            for bucket in buckets.values():
                s3.create_bucket(Bucket=bucket)
            with tempfile.TemporaryDirectory(prefix="site[1] ") as folder:
                written = write_files(Path(folder), keys)
                plan = plan_content(Path(folder), build_site_model(patterns, 10))
                upload(s3, buckets, plan, out=lambda _line: None)
            public = bucket_keys(s3, buckets[PUBLIC_ORIGIN_ID])
            protected = bucket_keys(s3, buckets[PROTECTED_ORIGIN_ID])
            assert public | protected == {k for k in written if not k.startswith("_errors/")}
            for key in public:
                assert not any(cloudfront_matches(p, key) for p in patterns), (key, patterns)
            for key in protected:
                assert any(cloudfront_matches(p, key) for p in patterns), (key, patterns)

        check()


def write_files(folder: Path, keys: set[str]) -> set[str]:
    """The keys the file system could hold (one key may be another's folder)."""
    for key in keys:
        path = folder / key
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(key)
        except (FileExistsError, IsADirectoryError, NotADirectoryError):
            continue
    return {key for key in keys if (folder / key).is_file()}


def test_a_stack_that_protects_everything_sends_every_file_to_the_protected_bucket(s3, capsys):
    assert main(["--stack", "everything", "--content", str(SAMPLE), *BUCKETS]) == 0
    assert bucket_keys(s3, PROTECTED) == DEV_PROTECTED | DEV_PUBLIC
    assert bucket_keys(s3, PUBLIC) == set()
