"""docs/grants.md's examples run as printed: the Python, Node, WebCrypto and shell versions each
mint, at a frozen clock, exactly the grant of the helper's known answer, which the helper then
verifies; Node's file path encoding is the helper's."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from clients import verify_grant
from clients.protected_cdn_grant import url_path
from tests.clients.test_protected_cdn_grant import GRANT, HELPER, NOW
from tests.edge_support import CURRENT_TOKEN
from tests.process_support import HANG_SECONDS, run
from tools.stack_files.reader import ROOT

PAGE = ROOT / "docs" / "grants.md"
NODE = shutil.which("node")
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)
LINK = "https://assets.example.com/ex-img/partner-a/logo.svg?grant="
# Paths whose URL form tells encoders apart: escapes, reserved characters, non-ASCII.
TRICKY_PATHS = ["/a b/c d.png", "/é/ü.png", "/a?b#c.png", "/a+b=c;d,e@f:g!$&'()~*.png", '/a"b%c']


def example(language: str, marker: str) -> str:
    """The one ``language`` block of docs/grants.md that holds ``marker``."""
    blocks = [
        code
        for lang, code in BLOCK.findall(PAGE.read_text(encoding="utf-8"))
        if lang == language and marker in code
    ]
    assert len(blocks) == 1, f"{len(blocks)} {language} blocks with {marker!r}"
    return blocks[0]


def check(grant: str) -> None:
    assert grant == GRANT
    assert verify_grant(CURRENT_TOKEN, grant, now=NOW)["path"] == "/ex-img/partner-a/*"


def test_the_python_example_with_the_copied_helper(tmp_path):
    shutil.copy(HELPER, tmp_path)
    script = tmp_path / "example.py"
    script.write_text(
        "import json, time\n"
        f"time.time = lambda: {NOW}\n"
        f"token = {CURRENT_TOKEN!r}\n"
        + example("python", "mint_grant")
        + "print(json.dumps([grant, link, session]))\n"
    )
    done = run(
        [sys.executable, "-E", "-s", "-S", str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=HANG_SECONDS,
    )
    assert done.returncode == 0, done.stderr
    grant, link, session = json.loads(done.stdout)
    check(grant)
    assert link == LINK + grant
    assert session == f"https://assets.example.com/_grant?grant={grant}&to=/gallery.html"


def node(tmp_path: Path, code: str) -> str:
    script = tmp_path / "example.js"
    script.write_text(f"Date.now = () => {NOW * 1000};\n" + code)
    done = run(
        [NODE, str(script)],
        capture_output=True,
        text=True,
        timeout=HANG_SECONDS,
        env={"CLIENT_TOKEN": CURRENT_TOKEN, "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.skipif(NODE is None, reason="node is not on PATH")
def test_the_node_example_mints_the_same_grant_and_encodes_paths_alike(tmp_path):
    out = node(
        tmp_path,
        example("js", 'require("crypto")')
        + f"\nconst paths = {json.dumps(TRICKY_PATHS)};"
        + "\nprocess.stdout.write(JSON.stringify([grant, link, paths.map(filePath)]));",
    )
    grant, link, encoded = json.loads(out)
    check(grant)
    assert link == LINK + grant
    assert encoded == [url_path(path) for path in TRICKY_PATHS]


@pytest.mark.skipif(NODE is None, reason="node is not on PATH")
def test_the_webcrypto_example_mints_the_same_grant(tmp_path):
    code = example("js", "crypto.subtle")
    assert "require(" not in code  # only what a browser or a worker has
    out = node(
        tmp_path,
        code + "\nmintGrant(process.env.CLIENT_TOKEN, 'partner-a', '/ex-img/partner-a/*', 3600)"
        ".then((grant) => process.stdout.write(grant));",
    )
    check(out)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")
def test_the_shell_example_mints_the_same_grant():
    frozen = f"date() {{ echo {NOW}; }}\n"  # the example's `date +%s`, at the frozen clock
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", frozen + example("sh", "openssl dgst")],
        capture_output=True,
        text=True,
        timeout=HANG_SECONDS,
        check=False,
        env={
            "PATH": "/usr/bin:/bin",
            "CLIENT_TOKEN": CURRENT_TOKEN,
            "CLIENT": "partner-a",
            "GRANT_PATH": "/ex-img/partner-a/*",
        },
    )
    assert done.returncode == 0, done.stderr
    check(done.stdout.strip())
