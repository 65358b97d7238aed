"""Grants in a real browser: headless Chromium loads a page from the local edge (the CloudFront
Function engine, grants on) and renders only the images a valid grant opens.

The page holds an image on a signed link, one that only the ``/_grant`` session cookie opens
(the browser first opens ``/_grant?grant=…&to=/page.html``), and images of a removed client,
an expired client, a tampered grant and no grant at all. A script on the page writes each
image's natural size into the DOM, which ``--dump-dom`` prints; a second run saves a screenshot
to .build/browser/grants.png (git ignores .build/). Chromium also proves that it keeps a
``Secure`` ``__Host-`` cookie over http://127.0.0.1: loopback is a secure context to it.

Without Chromium the test skips, except in CI (``CI`` set, as .ci/run and GitHub do), where
it fails: .ci/run installs Debian's ``chromium`` package.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import time
import zlib
from pathlib import Path

import pytest
import yaml

from clients import mint_grant, session_link, signed_link
from tests.client_support import EXPIRED_TOKEN, OPEN_TOKEN, SCOPED_TOKEN
from tests.edge_support import CURRENT_TOKEN, serve_in_background
from tests.process_support import HANG_SECONDS, run
from tools.local_edge.local_edge import LocalEdge, LocalEdgeOptions
from tools.stack_files.reader import ROOT

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
ARTIFACT = ROOT / ".build" / "browser" / "grants.png"
# A token the removed client held: it signs a good grant, but the stack no longer has it.
REMOVED_TOKEN = "7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a09f8e"
# Image id -> (path, width, height); each has its own size, so a rendered one is known by it.
IMAGES = {
    "signed": ("/ex-img/a/signed.png", 120, 40),
    "session": ("/ex-img/b/session.png", 90, 60),
    "no-grant": ("/ex-img/a/no-grant.png", 70, 30),
    "removed": ("/ex-img/c/removed.png", 50, 50),
    "expired": ("/ex-img/d/expired.png", 40, 20),
    "tampered": ("/ex-img/a/tampered.png", 30, 80),
}
RENDERED = {"signed", "session"}
PAGE = "/page.html"


def browser(environ=os.environ, which=shutil.which) -> str:
    """The Chromium to run; without one, a skip, or in CI a failure."""
    found = next((path for path in map(which, BROWSERS) if path), None)
    if found is None and environ.get("CI"):
        pytest.fail("no Chromium in CI: .ci/run installs it (apt-get install chromium)")
    if found is None:
        pytest.skip("needs Chromium (apt-get install chromium); CI installs it and runs this")
    return found


def test_without_chromium_it_skips_except_in_ci():
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        browser({}, lambda name: None)
    with pytest.raises(pytest.fail.Exception, match="no Chromium in CI"):
        browser({"CI": "true"}, lambda name: None)
    assert browser({"CI": "1"}, {"google-chrome": "/opt/chrome"}.get) == "/opt/chrome"


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A PNG of one colour (RFC 2083: signature, IHDR, IDAT, IEND)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))


def stack_folder(folder: Path) -> Path:
    """A stack with grants on: partner-a (ex-img/a/*), partner-b (ex-img/b/*) and partner-d
    (ex-img/d/*, expired); partner-c, whose grant the page also holds, was removed."""
    secure = {"secure": "v1:c2VjcmV0:Y2lwaGVydGV4dA=="}
    clients = {
        "partner-a": {"paths": ["ex-img/a/*"], "token": secure},
        "partner-b": {"paths": ["ex-img/b/*"], "token": secure},
        "partner-d": {"paths": ["ex-img/d/*"], "token": secure, "expires": "2025-01-01T00:00:00Z"},
    }
    config = {
        "aws:region": "eu-west-1",
        "protected-cdn:authToken": secure,
        "protected-cdn:edgeRuntime": "cloudfront-function",
        "protected-cdn:grants": True,
        "protected-cdn:protectedPaths": ["ex-img/*"],
        "protected-cdn:clients": clients,
    }
    folder.mkdir()
    (folder / "Pulumi.browser.yaml").write_text(yaml.safe_dump({"config": config}))
    return folder


def page(grants: dict[str, str]) -> str:
    """The test page: each image by its id; on load, every image's natural size as JSON."""
    images = []
    for name, (path, _, _) in IMAGES.items():
        src = signed_link("http://127.0.0.1", path, grants[name]) if name in grants else path
        src = src.removeprefix("http://127.0.0.1")
        images.append(f'<img id="{name}" alt="{name}" src="{src}">')
    return (
        "<!doctype html><html><head><meta charset=utf-8><title>grants</title>"
        "<style>body{font:14px sans-serif}img{margin:6px;border:2px dashed #999;"
        "min-width:20px;min-height:20px}</style></head><body>"
        "<h1>protected-cdn grants in Chromium</h1>"
        "<p>rendered: signed link, session cookie. Not: no grant, removed client, "
        "expired client, tampered grant.</p>" + "".join(images) + '<pre id="sizes"></pre>'
        "<script>addEventListener('load', () => {"
        "const sizes = {};"
        "for (const img of document.images) sizes[img.id] = [img.naturalWidth, img.naturalHeight];"
        "document.getElementById('sizes').textContent = JSON.stringify(sizes);});</script>"
        "</body></html>"
    )


def chromium(command: str, profile: Path, *args: str) -> str:
    flags = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--virtual-time-budget=10000",
    ]  # fmt: skip
    done = run([command, *flags, *args], capture_output=True, text=True, timeout=HANG_SECONDS)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_chromium_renders_only_what_a_valid_grant_opens(tmp_path, capsys):
    command = browser()
    now = int(time.time())
    grants = {
        "signed": mint_grant(SCOPED_TOKEN, "partner-a", IMAGES["signed"][0], 600, now=now),
        "removed": mint_grant(REMOVED_TOKEN, "partner-c", "/ex-img/c/*", 600, now=now),
        "expired": mint_grant(EXPIRED_TOKEN, "partner-d", "/ex-img/d/*", 600, now=now),
    }
    good = mint_grant(SCOPED_TOKEN, "partner-a", IMAGES["tampered"][0], 600, now=now)
    header, _, signature = good.split(".")
    # The claims of a wider grant under the first one's signature.
    wider = mint_grant(SCOPED_TOKEN, "partner-a", "/ex-img/a/*", 600, now=now).split(".")[1]
    grants["tampered"] = f"{header}.{wider}.{signature}"
    session_grant = mint_grant(OPEN_TOKEN, "partner-b", "/ex-img/b/*", 600, now=now)

    content = tmp_path / "content"
    for index, (path, width, height) in enumerate(IMAGES.values()):
        target = content / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(png(width, height, (40 * index, 120, 200 - 30 * index)))
    (content / PAGE.lstrip("/")).write_text(page(grants), encoding="utf-8")

    log: list[str] = []
    options = LocalEdgeOptions(
        stack="browser",
        stack_dir=stack_folder(tmp_path / "stacks"),
        content=content,
        port=0,
        token=CURRENT_TOKEN,
        client_env={
            "CLIENT_TOKEN_PARTNER_A": SCOPED_TOKEN,
            "CLIENT_TOKEN_PARTNER_B": OPEN_TOKEN,
            "CLIENT_TOKEN_PARTNER_D": EXPIRED_TOKEN,
        },
    )
    with LocalEdge(options, log=log.append) as edge:
        assert edge.engine_name == "cloudfront-function"
        serve_in_background(edge)
        start = session_link(edge.url, session_grant, to=PAGE)
        dom = chromium(command, tmp_path / "profile", "--dump-dom", start)
        ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
        ARTIFACT.unlink(missing_ok=True)
        chromium(
            command,
            tmp_path / "profile-shot",
            f"--screenshot={ARTIFACT}",
            "--window-size=900,400",
            start,
        )
    # The function's log lines (stdout) and the request log.
    lines = capsys.readouterr().out.splitlines() + log
    print(f"screenshot: {ARTIFACT}")

    found = re.search(r'<pre id="sizes">(.*?)</pre>', dom)
    assert found and found[1], f"the page's script did not run: {dom[-1500:]}"
    sizes = {name: tuple(size) for name, size in json.loads(found[1]).items()}
    expected = {
        name: (width, height) if name in RENDERED else (0, 0)
        for name, (_, width, height) in IMAGES.items()
    }
    assert sizes == expected
    assert ARTIFACT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", ARTIFACT.read_bytes()[16:24]) == (900, 400)
    # Neither a grant nor a token in any line the edge wrote.
    secrets = [g.rsplit(".", 1)[1] for g in (*grants.values(), session_grant)]
    secrets += [SCOPED_TOKEN, OPEN_TOKEN, EXPIRED_TOKEN, REMOVED_TOKEN]
    assert any('"reason":"expired"' in line for line in lines), lines
    assert not [line for line in lines if any(s in line for s in secrets)]
