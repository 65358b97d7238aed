"""The docs stay true to the tree: every repository path they name exists, README's Layout names
every top-level folder, and README stays short (the rest lives under docs/). The team's own
stack files and examples/ may be renamed or deleted while the docs still name the shipped ones."""

from __future__ import annotations

import re
import subprocess
from fnmatch import fnmatch
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
README_MAX_LINES = 200
EXTENSIONS = (
    ".py", ".md", ".yaml", ".yml", ".json", ".txt", ".toml", ".js", ".html", ".png", ".svg",
)  # fmt: skip
FENCED = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
BACKTICKED = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"\]\(([^)\s]+)\)")
# Not a path: URLs, placeholders (<stack>), patterns (ex-img/*), commands, ARNs, variables.
# A user's own folder (./site) or an extension alone (.json) is not one either.
NOT_A_PATH = re.compile(r"://|[\s<>*?{}$=:\"',()|]|^[/~@#-]|^\./|^\.\w+$")


def tracked_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return listed.splitlines()


def ignored(path: str) -> bool:
    """Build outputs and venvs (.build/edge/, provider/venv) are named but never committed."""
    found = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT, check=False)
    return found.returncode == 0


def looks_like_a_repo_path(text: str) -> bool:
    return not NOT_A_PATH.search(text) and ("/" in text or text.endswith(EXTENSIONS))


def named_paths(page: Path) -> list[tuple[str, Path]]:
    """(as written, resolved) for each repository path the page names outside code blocks:
    backticked paths from the repository root, relative links from the page's folder."""
    text = FENCED.sub("", page.read_text(encoding="utf-8"))
    found = []
    for written in BACKTICKED.findall(text):
        if looks_like_a_repo_path(written):
            found.append((written, ROOT / written))
    for target in LINK.findall(text):
        written = target.split("#", 1)[0]
        if written and looks_like_a_repo_path(written):
            found.append((written, (page.parent / written).resolve()))
    return found


def users_own(resolved: Path) -> bool:
    """The team's own files, theirs to edit, rename or delete while the docs still name the
    shipped ones: the stack files at the top (Pulumi.<stack>.yaml) and examples/."""
    if not resolved.is_relative_to(ROOT):
        return False
    parts = resolved.relative_to(ROOT).parts
    top_stack_file = len(parts) == 1 and fnmatch(parts[0], "Pulumi.?*.yaml")
    return top_stack_file or parts[:1] == ("examples",)


def exists(written: str, resolved: Path, files: list[str]) -> bool:
    if resolved.exists() or users_own(resolved):
        return True
    if "/" not in written.rstrip("/"):
        # A bare file name (handler.py, PulumiPlugin.yaml) names a tracked file somewhere.
        return any(Path(name).name == written for name in files)
    return ignored(written.rstrip("/") + "/") or ignored(written)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_repository_path_a_page_names_exists(page):
    files = tracked_files()
    named = named_paths(page)
    missing = sorted(
        {written for written, resolved in named if not exists(written, resolved, files)}
    )
    assert not missing, f"{page.relative_to(ROOT)} names paths that do not exist: {missing}"


def test_the_teams_own_files_may_be_gone_but_no_other_path_may():
    files = tracked_files()
    for gone in ("Pulumi.qa.yaml", "examples/", "examples/theirs/__main__.py"):
        assert exists(gone, ROOT / gone, files), gone
    for gone in ("Pulumi.yaml.bak", "tools/gone/", "tests/stacks/Pulumi.gone.yaml"):
        assert not exists(gone, ROOT / gone, files), gone


def test_the_path_finder_sees_backticks_and_links_but_not_urls_or_placeholders(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "`edge_handler/handler.py` [a](ops.md#x) `Pulumi.<stack>.yaml` `ex-img/*`\n"
        "[b](https://example.com/a.md) `s3://bucket/key` `pulumi up` `x.json`\n"
        "```\ncat in/code/block.py\n```\n"
    )
    assert [written for written, _ in named_paths(page)] == [
        "edge_handler/handler.py",
        "x.json",
        "ops.md",
    ]


def layout_section() -> str:
    readme = README.read_text(encoding="utf-8")
    start = readme.index("\n## Layout\n")
    end = readme.find("\n## ", start + 1)
    return readme[start : end if end > 0 else len(readme)]


def layout_paths() -> list[str]:
    """Every path README's Layout names, code block included: an indented entry (``  plan/``)
    sits in the last unindented folder above it; other words are paths from the root."""
    found, parent = [], ""
    for line in layout_section().splitlines():
        entry = re.match(r"^( *)(\S+/)(?:\s|$)", line)
        if entry and looks_like_a_repo_path(entry[2]):
            if entry[1]:
                found.append(parent + entry[2])
            else:
                parent = entry[2]
                found.append(entry[2])
            line = line[entry.end() :]
        for word in line.replace("`", " ").split():
            word = word.lstrip("(").rstrip("),;:.")
            if "/" in word and looks_like_a_repo_path(word):
                found.append(word)
    return found


def test_every_path_the_readme_layout_names_exists():
    files = tracked_files()
    missing = sorted({path for path in layout_paths() if not exists(path, ROOT / path, files)})
    assert not missing, f"README's Layout names paths that do not exist: {missing}"


def test_the_readme_layout_names_every_top_level_folder():
    folders = {name.split("/", 1)[0] for name in tracked_files() if "/" in name}
    folders = {name for name in folders if not name.startswith(".")}
    section = layout_section()
    unnamed = sorted(
        name for name in folders if not re.search(rf"(^|[\s`(]){re.escape(name)}/", section, re.M)
    )
    assert not unnamed, f"README's Layout does not name: {unnamed}"


def test_the_readme_has_at_most_200_lines():
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move detail into docs/"


def test_the_readme_links_every_page_under_docs():
    readme = README.read_text(encoding="utf-8")
    for page in PAGES[1:]:
        assert f"](docs/{page.name})" in readme, page.name


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lowercase, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = FENCED.sub("", page.read_text(encoding="utf-8"))
    return {slug(heading) for heading in re.findall(r"^#+ (.+)$", text, re.MULTILINE)}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_anchor_a_page_links_is_a_heading(page):
    text = FENCED.sub("", page.read_text(encoding="utf-8"))
    broken = []
    for target in LINK.findall(text):
        if "://" in target or "#" not in target:
            continue
        written, anchor = target.split("#", 1)
        linked = (page.parent / written).resolve() if written else page
        if linked.suffix == ".md" and linked.exists() and anchor not in anchors(linked):
            broken.append(target)
    assert not broken, f"{page.relative_to(ROOT)} links anchors with no heading: {broken}"


def test_slugs_follow_githubs_rule():
    assert slug("Pulumi ESC: tokens and AWS credentials in one environment") == (
        "pulumi-esc-tokens-and-aws-credentials-in-one-environment"
    )
    assert slug("Local edge (`make local`)") == "local-edge-make-local"
