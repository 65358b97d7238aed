"""Upload a content folder into the stack's two buckets with boto3, key by key.

Each file goes where the site model puts its key (``tools/upload/content.py``): a key that a
protected pattern covers into the protected bucket (output ``bucketName``), every other key
into the public one (``publicBucketName``). Nothing under ``_errors/`` is uploaded.

Bucket names: ``--protected-bucket`` and ``--public-bucket``, else the stack's outputs from
``pulumi stack output --stack <stack> --json``. boto3 reads credentials, region and endpoint
as the AWS CLI does (``AWS_PROFILE``, ``AWS_ENDPOINT_URL``, ...).

    python -m tools.upload.upload --stack dev --content ./site [--dry-run]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

from components import (
    ORIGIN_IDS,
    PROTECTED_ORIGIN_ID,
    PUBLIC_ORIGIN_ID,
    OriginId,
    SettingsError,
    SiteModel,
    build_site_model,
    clip,
    parse_settings,
)
from tools import STACK_VARIABLES, make_argv, stack_tool_parser
from tools.local_edge import one_line, printable
from tools.stack_files import (
    ROOT,
    StackFileError,
    StackOutputError,
    read_stack_file,
    stack_file_name,
    stack_output,
)
from tools.upload.content import (
    ContentError,
    ContentPlan,
    content_folder,
    not_uploaded_note,
    plan_content,
)

# S3's rule for bucket names (general purpose buckets): 3-63 of a-z 0-9 . -, ends alphanumeric.
BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
# How make names the flags (Makefile variables), and the stack outputs that name the buckets.
BUCKET_VARIABLES = {PROTECTED_ORIGIN_ID: "PROTECTED_BUCKET", PUBLIC_ORIGIN_ID: "PUBLIC_BUCKET"}
OUTPUTS = {PROTECTED_ORIGIN_ID: "bucketName", PUBLIC_ORIGIN_ID: "publicBucketName"}
# Settings need a token to validate; the upload never uses it.
_UNUSED_TOKEN = "upload-needs-no-token-0123456789abcdef"


class UploadError(Exception):
    """One line for the user: what is wrong and how to fix it."""


def stack_site_model(stack: str, stack_dir: Path) -> SiteModel:
    """The site model of ``stack``'s settings file (raises StackFileError, SettingsError)."""
    values = read_stack_file(stack, stack_dir).project_values()
    values["authToken"] = _UNUSED_TOKEN
    values.pop("previousAuthTokens", None)
    settings = parse_settings(values, stack)
    return build_site_model(settings.protected_paths, settings.error_caching_min_ttl)


def bucket_names(stack: str, given: Mapping[OriginId, str | None]) -> dict[OriginId, str]:
    """Both bucket names: as given, else the stack's outputs; checked, and never the same."""
    if not all(given.values()):
        outputs = _stack_outputs(stack)
        given = {o: given[o] or outputs.get(OUTPUTS[o]) for o in ORIGIN_IDS}
    names: dict[OriginId, str] = {}
    for origin_id in ORIGIN_IDS:
        name = given[origin_id]
        if not isinstance(name, str) or not BUCKET_NAME.fullmatch(name):
            raise UploadError(
                f"{BUCKET_VARIABLES[origin_id]} '{clip(str(name))}' is not an S3 bucket name; "
                f"set it to the stack's {OUTPUTS[origin_id]} output"
            )
        names[origin_id] = name
    if names[PROTECTED_ORIGIN_ID] == names[PUBLIC_ORIGIN_ID]:
        # The public behaviors read the public bucket: protected files there would be served.
        raise UploadError(
            "PROTECTED_BUCKET and PUBLIC_BUCKET are the same bucket; set them to the stack's "
            "bucketName and publicBucketName outputs"
        )
    return names


def _stack_outputs(stack: str) -> dict:
    try:
        text = stack_output(stack, None, ROOT)
    except StackOutputError as error:
        raise UploadError(
            f"{error}; set PROTECTED_BUCKET and PUBLIC_BUCKET (the stack's bucketName and "
            "publicBucketName outputs)"
        ) from None
    try:
        outputs = json.loads(text)
    except ValueError:
        outputs = None
    if not isinstance(outputs, dict):
        raise UploadError(f"pulumi stack output --stack {stack} --json gave no JSON object")
    return outputs


def dry_run_lines(plan: ContentPlan) -> list[str]:
    return [f"{f.origin_id:<9} {printable(f.key)}  ({f.content_type})" for f in plan.files]


def upload(s3, buckets: Mapping[OriginId, str], plan: ContentPlan, out=print) -> Counter:
    """Check both buckets answer, then put every file into its origin's bucket."""
    from boto3.s3.transfer import S3UploadFailedError
    from botocore.exceptions import BotoCoreError, ClientError

    uploaded: Counter = Counter()
    try:
        for origin_id in ORIGIN_IDS:
            s3.head_bucket(Bucket=buckets[origin_id])
    except (BotoCoreError, ClientError) as error:
        raise UploadError(
            f"bucket {buckets[origin_id]} ({BUCKET_VARIABLES[origin_id]}): {one_line(error)}"
        ) from None
    for file in plan.files:
        bucket = buckets[file.origin_id]
        try:
            s3.upload_file(
                str(file.source), bucket, file.key, ExtraArgs={"ContentType": file.content_type}
            )
        except (BotoCoreError, ClientError, S3UploadFailedError, OSError) as error:
            raise UploadError(
                f"{printable(file.key)} -> s3://{bucket}: {one_line(error)} "
                f"({sum(uploaded.values())} file(s) uploaded before it)"
            ) from None
        uploaded[file.origin_id] += 1
        out(f"{file.origin_id:<9} s3://{bucket}/{printable(file.key)}")
    return uploaded


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = stack_tool_parser("make upload", __doc__)
    parser.add_argument("--content", default="sample_content", help="local folder to upload")
    parser.add_argument("--protected-bucket", help="bucket name (default: output bucketName)")
    parser.add_argument("--public-bucket", help="bucket name (default: output publicBucketName)")
    parser.add_argument(
        "--dry-run",
        nargs="?",
        const="1",
        help="list each key and its bucket; upload nothing (make: DRY_RUN=1)",
    )
    args = parser.parse_args(argv)
    args.dry_run = (args.dry_run or "0").strip().lower() not in ("0", "no", "false")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        stack = stack_file_name(args.stack)
        site = stack_site_model(stack, args.stack_dir)
        plan = plan_content(content_folder(args.content), site)
        if args.dry_run:
            buckets = None
        else:
            given = {
                PROTECTED_ORIGIN_ID: args.protected_bucket,
                PUBLIC_ORIGIN_ID: args.public_bucket,
            }
            buckets = bucket_names(args.stack, given)
    except (StackFileError, SettingsError, ContentError, UploadError) as error:
        print(f"upload: {one_line(error)}", file=sys.stderr)
        return 2
    if note := not_uploaded_note(plan):
        print(f"note: {note}", file=sys.stderr)
    if buckets is None:
        print("\n".join(dry_run_lines(plan)))
        counts = Counter(f.origin_id for f in plan.files)
        print(f"dry run: {_summary(counts)}; nothing uploaded", file=sys.stderr)
        return 0
    import boto3
    from botocore.exceptions import BotoCoreError

    try:
        try:
            s3 = boto3.client("s3")
        except (BotoCoreError, ValueError) as error:  # e.g. a malformed AWS_ENDPOINT_URL
            raise UploadError(f"S3 client: {one_line(error)}") from None
        uploaded = upload(s3, buckets, plan)
    except UploadError as error:
        print(f"upload: {error}", file=sys.stderr)
        return 1
    print(f"uploaded {_summary(uploaded)}", file=sys.stderr)
    return 0


def _summary(counts: Counter) -> str:
    return ", ".join(f"{counts[o]} file(s) to the {o} bucket" for o in ORIGIN_IDS)


if __name__ == "__main__":
    buckets = {"--protected-bucket": "PROTECTED_BUCKET", "--public-bucket": "PUBLIC_BUCKET"}
    sys.exit(
        main(
            make_argv(
                {**STACK_VARIABLES, "--content": "CONTENT", **buckets, "--dry-run": "DRY_RUN"}
            )
        )
    )
