"""Print the `aws s3 sync` commands that upload a content folder into the stack's two buckets.

Files that a protected pattern covers go to the protected bucket (output ``bucketName``), the
rest to the public one (``publicBucketName``), by the same site model the program deploys.

Each command names the stack (``pulumi stack output --stack <stack>``): with another stack
selected, a plain ``pulumi stack output`` would put this stack's files into that stack's buckets.

The CLI matches each filter as ``os.path.join(os.path.abspath(<source>), <filter>)`` with
fnmatch (awscli/customizations/s3/filters.py), so the folder's absolute path is part of every
pattern. A ``[`` there opens a character class and the filters match nothing (every protected
file would go to the public bucket); a ``*`` can span the folder and part of a key. Such a
folder is refused with a pointer to ``make upload``, which keys files itself. A ``?`` matches
itself, one character for one, so it changes nothing.

    python -m tools.upload.upload_commands --stack dev [--content ./files]
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from components import (
    PROTECTED_ORIGIN_ID,
    PUBLIC_ORIGIN_ID,
    SettingsError,
    SiteModel,
    build_site_model,
    clip,
    parse_settings,
)
from tools import STACK_VARIABLES, make_argv, stack_tool_parser
from tools.local_edge import one_line
from tools.stack_files import StackFileError, read_stack_file, stack_file_name
from tools.upload.content import ContentError, not_uploaded_note, plan_content

# Settings need a token to validate; these commands never use it.
_UNUSED_TOKEN = "upload-commands-need-no-token-0123456789abcdef"
OUTPUTS = {PROTECTED_ORIGIN_ID: "bucketName", PUBLIC_ORIGIN_ID: "publicBucketName"}
# What makes a folder's path inexact as a pattern prefix (see above; ``]`` and ``!`` only mean
# something after a ``[``).
GLOB_CHARACTERS = frozenset("*[")


def stack_site_model(stack: str, stack_dir: Path) -> SiteModel:
    """The site model of ``stack``'s settings file (raises StackFileError, SettingsError)."""
    values = read_stack_file(stack, stack_dir).project_values()
    values["authToken"] = _UNUSED_TOKEN
    values.pop("previousAuthTokens", None)
    settings = parse_settings(values, stack)
    return build_site_model(settings.protected_paths, settings.error_caching_min_ttl)


def sync_source(content: str) -> str:
    """``content`` as the source argument of ``aws s3 sync``, if its filters stay exact there.

    Raises ContentError for a folder whose absolute path holds glob characters.
    """
    if not content:
        raise ContentError("CONTENT is empty; give the folder to upload: CONTENT=./site")
    if GLOB_CHARACTERS & set(os.path.abspath(content)):
        raise ContentError(
            f"content folder '{clip(content)}': aws s3 sync reads the * or [ in its path as "
            "patterns, so its filters would send files to the wrong bucket; "
            f"upload with make upload CONTENT={shlex.quote(clip(content))} instead"
        )
    # A leading "-" would read as an option of the CLI.
    return content if not content.startswith("-") else "./" + content


def upload_commands(site: SiteModel, content: str, stack: str) -> list[str]:
    """One command per bucket; each names ``stack`` so the selected stack never matters."""
    lines = []
    for origin_id, filters in site.sync_filters().items():
        if filters is None:
            continue
        output = f"pulumi stack output --stack {shlex.quote(stack)} {OUTPUTS[origin_id]}"
        bucket = f'"s3://$({output})/"'
        args = " ".join(shlex.quote(arg) for arg in filters)
        lines.append(f"aws s3 sync {shlex.quote(sync_source(content))} {bucket} {args}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = stack_tool_parser("upload_commands", __doc__)
    parser.add_argument("--content", default="./files", help="local folder to upload")
    args = parser.parse_args(argv)
    try:
        stack = stack_file_name(args.stack)  # org/project/dev -> dev; the commands keep it whole
        site = stack_site_model(stack, args.stack_dir)
        commands = upload_commands(site, args.content, args.stack)
        # A folder that is here is read as make upload reads it: what it cannot upload
        # faithfully (a symlink out of the folder, ...) the CLI would not either.
        content = Path(args.content)
        plan = plan_content(content, site) if content.is_dir() else None
    except (StackFileError, SettingsError, ContentError) as error:
        print(f"upload_commands: {one_line(error)}", file=sys.stderr)
        return 2
    if note := not_uploaded_note(plan):
        print(f"note: {note}", file=sys.stderr)
    print("\n".join(commands))
    return 0


if __name__ == "__main__":
    sys.exit(main(make_argv({**STACK_VARIABLES, "--content": "CONTENT"})))
