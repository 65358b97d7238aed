"""The content folder as the two buckets will hold it: every file's key and bucket.

The bucket of a key is the site model's (``SiteModel.origin_for_key``), the rule the deployed
distribution serves by, so a key that a protected pattern covers can only land in the protected
bucket. What cannot be uploaded faithfully stops the whole upload with one line
(``ContentError``) before anything is sent: a name that is not UTF-8 (S3 keys are UTF-8) or
holds a control character (AWS's object key guidelines: characters to avoid), a symlink that
leaves the folder or that would publish a protected file under a public key, a
symlinked folder, anything that is not a regular file.
"""

from __future__ import annotations

import mimetypes
import os
from dataclasses import dataclass
from pathlib import Path

from components import (
    PROTECTED_ORIGIN_ID,
    PUBLIC_ORIGIN_ID,
    OriginId,
    SiteModel,
    clip,
    under_error_pages,
)

DEFAULT_CONTENT_TYPE = "application/octet-stream"


class ContentError(Exception):
    """The content folder cannot be uploaded as it is; the message says what to change."""


@dataclass(frozen=True)
class ContentFile:
    key: str
    # The bytes uploaded under ``key``: the file itself, or a symlink's target in the folder.
    source: Path
    origin_id: OriginId
    content_type: str


@dataclass(frozen=True)
class ContentPlan:
    files: tuple[ContentFile, ...]
    # Keys under _errors/: that prefix holds only the error pages the program deploys.
    not_uploaded: tuple[str, ...]


def content_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or DEFAULT_CONTENT_TYPE


def content_folder(text: str) -> Path:
    """The ``--content`` argument; an empty one would be the working folder (the checkout)."""
    if not text:
        raise ContentError("CONTENT is empty; give the folder to upload: CONTENT=./site")
    folder = Path(text)
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise ContentError(f"content folder '{clip(text)}' {what}; set CONTENT to the folder")
    return folder


def plan_content(content: Path, site: SiteModel) -> ContentPlan:
    """Every file under ``content`` with its key and bucket, in key order."""
    root = content.resolve()
    files: list[ContentFile] = []
    not_uploaded: list[str] = []

    def walk_error(error: OSError) -> None:
        raise ContentError(f"cannot read {clip(str(error.filename))}: {error.strerror}")

    for folder, dirnames, filenames in os.walk(root, onerror=walk_error):
        for name in dirnames:
            if (Path(folder) / name).is_symlink():
                key = _key(root, Path(folder) / name)
                raise ContentError(
                    f"content folder '{clip(key)}' is a symlink; copy the files in instead "
                    "(a linked folder can hold anything, protected files included)"
                )
        for name in filenames:
            path = Path(folder) / name
            key = _key(root, path)
            if under_error_pages(key):
                not_uploaded.append(key)
                continue
            origin_id = site.origin_for_key(key)
            source = _source(root, path, key, origin_id, site) if path.is_symlink() else path
            if not source.is_file():
                raise ContentError(f"content '{clip(key)}' is not a regular file; remove it")
            files.append(ContentFile(key, source, origin_id, content_type(name)))
    files.sort(key=lambda f: f.key)
    return ContentPlan(tuple(files), tuple(sorted(not_uploaded)))


def _key(root: Path, path: Path) -> str:
    key = path.relative_to(root).as_posix()
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        # The name's bytes as the file system holds them: caf\xe9.txt
        shown = repr(os.fsencode(key))[2:-1]
        raise ContentError(
            f"content file '{shown}' has a name that is not UTF-8; S3 keys are UTF-8, "
            "so rename it (e.g. convmv -f latin1 -t utf8)"
        ) from None
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in key):
        raise ContentError(
            f"content file {key!r} has a control character in its name (S3 and URLs cannot "
            "carry it safely); rename it"
        )
    return key


def _source(root: Path, link: Path, key: str, origin_id: OriginId, site: SiteModel) -> Path:
    """The file a symlink stands for, if uploading its bytes under ``key`` gives nothing away."""
    target = link.resolve()
    if not target.is_relative_to(root) or not target.exists():
        where = "outside the content folder" if target.exists() else "to nothing"
        raise ContentError(
            f"content file '{clip(key)}' is a symlink {where}; copy the file in instead"
        )
    target_key = target.relative_to(root).as_posix()
    if origin_id == PUBLIC_ORIGIN_ID and site.origin_for_key(target_key) == PROTECTED_ORIGIN_ID:
        raise ContentError(
            f"content file '{clip(key)}' (public) is a symlink to the protected file "
            f"'{clip(target_key)}'; remove the link or move it under a protected path"
        )
    return target


def not_uploaded_note(plan: ContentPlan | None, limit: int = 3) -> str | None:
    """The files under ``_errors/`` no deploy uploads, named in one line (None: there are none).
    That prefix holds only the error pages the program deploys."""
    keys = plan.not_uploaded if plan else ()
    if not keys:
        return None
    from tools.local_edge import printable  # the terminal shows a name's escapes, not them

    more = f" and {len(keys) - limit} more" if len(keys) > limit else ""
    shown = ", ".join(printable(key) for key in keys[:limit]) + more
    return (
        f"{len(keys)} file(s) under _errors/ ({shown}) are not uploaded: _errors/ holds only "
        "the error pages the program deploys"
    )
