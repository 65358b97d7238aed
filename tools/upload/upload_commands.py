"""Print the `aws s3 sync` commands that upload a content folder into the stack's two buckets.

Files that a protected pattern covers go to the protected bucket (output ``bucketName``), the
rest to the public one (``publicBucketName``), by the same site model the program deploys.

Each command names the stack (``pulumi stack output --stack <stack>``): with another stack
selected, a plain ``pulumi stack output`` would put this stack's files into that stack's buckets.

    python -m tools.upload.upload_commands --stack dev [--content ./files]
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from components.checks import SettingsError
from components.site_model import (
    PROTECTED_ORIGIN_ID,
    PUBLIC_ORIGIN_ID,
    SiteModel,
    build_site_model,
    under_error_pages,
)
from components.stack_config import parse_settings
from tools.local_edge.request_log import printable
from tools.make_args import STACK_VARIABLES, make_argv
from tools.stack_files.reader import ROOT, StackFileError, read_stack_file
from tools.stack_files.stack_arg import stack_file_name

# Settings need a token to validate; these commands never use it.
_UNUSED_TOKEN = "upload-commands-need-no-token-0123456789abcdef"
OUTPUTS = {PROTECTED_ORIGIN_ID: "bucketName", PUBLIC_ORIGIN_ID: "publicBucketName"}


def upload_commands(site: SiteModel, content: str, stack: str) -> list[str]:
    """One command per bucket; each names ``stack`` so the selected stack never matters."""
    lines = []
    for origin_id, filters in site.sync_filters().items():
        if filters is None:
            continue
        output = f"pulumi stack output --stack {shlex.quote(stack)} {OUTPUTS[origin_id]}"
        bucket = f'"s3://$({output})/"'
        args = " ".join(shlex.quote(arg) for arg in filters)
        lines.append(f"aws s3 sync {shlex.quote(content)} {bucket} {args}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="upload_commands", description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", default="dev", help="stack settings file Pulumi.<stack>.yaml")
    parser.add_argument(
        "--stack-dir", type=Path, default=ROOT, help="folder of the stack files (default: here)"
    )
    parser.add_argument("--content", default="./files", help="local folder to upload")
    args = parser.parse_args(argv)
    try:
        stack = stack_file_name(args.stack)  # org/project/dev -> dev; the commands keep it whole
        values = read_stack_file(stack, args.stack_dir).project_values()
        values["authToken"] = _UNUSED_TOKEN
        values.pop("previousAuthTokens", None)
        settings = parse_settings(values, stack)
        site = build_site_model(settings.protected_paths, settings.error_caching_min_ttl)
    except (StackFileError, SettingsError) as error:
        print(f"upload_commands: {error}", file=sys.stderr)
        return 2
    for note in not_uploaded_notes(Path(args.content)):
        print(f"note: {note}", file=sys.stderr)
    print("\n".join(upload_commands(site, args.content, args.stack)))
    return 0


def not_uploaded_notes(content: Path, limit: int = 3) -> list[str]:
    """What the filters leave out of the content folder (files under _errors/, where the
    program keeps the error pages): said on stderr, as `make local` says it does not serve
    them. Nothing when the folder is not here (it may be on another machine)."""
    if not content.is_dir():
        return []
    keys = sorted(
        key
        for key in (p.relative_to(content).as_posix() for p in content.rglob("*") if p.is_file())
        if under_error_pages(key)
    )
    if not keys:
        return []
    shown = ", ".join(printable(key) for key in keys[:limit])
    more = f" and {len(keys) - limit} more" if len(keys) > limit else ""
    return [
        f"{len(keys)} file(s) under _errors/ in {printable(str(content))} are not uploaded "
        f"({shown}{more}): _errors/ holds only the error pages the program deploys"
    ]


if __name__ == "__main__":
    sys.exit(main(make_argv({**STACK_VARIABLES, "--content": "CONTENT"})))
