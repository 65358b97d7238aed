"""`make local ENGINE=cloudfront-function` with grants: a signed link and the /_grant cookie
session served by the same function code and store as the stack's, over loopback HTTP."""

from __future__ import annotations

import time
from urllib.parse import quote

from tests.client_support import SCOPED_TOKEN
from tests.edge_support import CURRENT_TOKEN, serve_in_background
from tests.support.grants import mint
from tests.tools.local_edge.test_local_edge import request
from tests.tools.local_edge.test_local_edge_store import ENV, LOGO, stack_dir_with
from tools.local_edge.local_edge import LocalEdge, LocalEdgeOptions


def grants_on(config: dict) -> None:
    config["protected-cdn:grants"] = True
    config["protected-cdn:edgeRuntime"] = "cloudfront-function"


def test_a_link_and_the_cookie_session_open_a_file_and_nothing_else(tmp_path):
    options = LocalEdgeOptions(
        stack="partners",
        stack_dir=stack_dir_with(tmp_path, grants_on),
        port=0,
        token=CURRENT_TOKEN,
        client_env=ENV,
    )
    grant = mint(SCOPED_TOKEN, "partner-a", LOGO, int(time.time()) + 600)
    with LocalEdge(options, log=lambda line: None) as edge:
        serve_in_background(edge)
        with_token = request(edge, LOGO, headers={"Authorization": f"Bearer {SCOPED_TOKEN}"})
        assert with_token[0] == 200
        # Use 1: the link.
        status, _, body = request(edge, f"{LOGO}?grant={grant}")
        assert (status, body) == (200, with_token[2])
        # Use 2: the session, then the cookie alone.
        status, headers, _ = request(edge, f"/_grant?grant={grant}&to={quote(LOGO, safe='')}")
        assert status == 302 and headers["Location"] == LOGO
        cookie = headers["Set-Cookie"]
        assert cookie.startswith(f"__Host-grant={grant}; Path=/; Secure; HttpOnly; SameSite=Lax")
        max_age = int(cookie.rsplit("Max-Age=", 1)[1])
        assert 590 <= max_age <= 600
        status, _, body = request(edge, LOGO, headers={"Cookie": f"__Host-grant={grant}"})
        assert (status, body) == (200, with_token[2])
        # Public paths never run the function: a grant there changes nothing.
        assert request(edge, "/index.html?grant=x.y.z")[0] == 200
        assert request(edge, "/index.html", headers={"Cookie": "__Host-grant=x"})[0] == 200
        # The grant opens its path only; a tampered one opens nothing; no open redirect.
        assert request(edge, f"/ex-img/partner-a/other.svg?grant={grant}")[0] == 403
        assert request(edge, f"{LOGO}?grant={grant[:-3]}AAA")[0] == 401
        assert request(edge, f"/_grant?grant={grant}&to=%2F%2Fevil.example")[0] == 401
