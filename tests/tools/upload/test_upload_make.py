"""make upload as a user runs them: CONTENT holds any folder name."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.process_support import run
from tests.tools.upload.loopback_s3 import CREDENTIALS, bucket_keys, loopback_s3
from tests.tools.upload.test_upload import DEV_PROTECTED, DEV_PUBLIC, SAMPLE
from tools.stack_files.reader import ROOT

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
STAMP = ".venv/.installed"
# The dev stack case (tests/stacks/), not the user's own dev stack.
CASE = ("STACK=dev", "STACK_DIR=tests/stacks")
# When the suite itself runs under `make test`, the outer make's flags must not leak in.
OUTER_MAKE = ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES", "MAKEFILES")
# A folder name with what a shell or make would otherwise read: space, quotes, $, backquote.
HOSTILE = "my site 'q' \"dq\" $HOME $(x) `id` ü"


def make(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in OUTER_MAKE} | env
    return run(
        ["make", "-o", STAMP, *args, *CASE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        env=environment,
        check=False,
    )


def test_make_upload_puts_each_key_in_its_bucket_over_http(tmp_path):
    folder = tmp_path / f"site[1] {HOSTILE}"
    shutil.copytree(SAMPLE, folder)
    with loopback_s3() as (endpoint, s3):
        s3.create_bucket(Bucket="site-protected")
        s3.create_bucket(Bucket="site-public")
        result = make(
            "upload",
            f"CONTENT={folder}",
            "PROTECTED_BUCKET=site-protected",
            "PUBLIC_BUCKET=site-public",
            AWS_ENDPOINT_URL=endpoint,
            **CREDENTIALS,
        )
        assert result.returncode == 0, result.stderr
        assert bucket_keys(s3, "site-protected") == DEV_PROTECTED
        assert bucket_keys(s3, "site-public") == DEV_PUBLIC


def test_make_upload_dry_run_with_a_missing_folder_is_one_line(tmp_path):
    result = make("upload", "DRY_RUN=1", f"CONTENT={tmp_path}/it's not here")
    assert result.returncode != 0 and result.stdout == ""
    (line,) = [line for line in result.stderr.splitlines() if not line.startswith("make:")]
    assert line.startswith("upload: content folder") and "does not exist" in line
