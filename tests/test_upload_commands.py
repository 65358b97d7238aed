"""The printed upload commands name both stack outputs with the site model's filters."""

from __future__ import annotations

from offline.upload_commands import main


def test_upload_commands_for_the_dev_stack(capsys):
    assert main(["--stack", "dev", "--content", "./my files"]) == 0
    protected, public = capsys.readouterr().out.splitlines()
    assert protected == (
        "aws s3 sync './my files' \"s3://$(pulumi stack output bucketName)/\" "
        "--exclude '*' --include 'ex-img/*' --exclude '_errors/*'"
    )
    assert public == (
        "aws s3 sync './my files' \"s3://$(pulumi stack output publicBucketName)/\" "
        "--exclude 'ex-img/*' --exclude '_errors/*'"
    )


def test_unknown_stack_is_one_line(capsys):
    assert main(["--stack", "nope"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
