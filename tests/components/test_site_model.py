"""The site model: CloudFront's behavior choice and the error pages, as plain data."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.cloudfront_facts import CUSTOM_ERROR_CODES
from components.site_model import (
    ERROR_PAGES_DIR,
    build_site_model,
    error_page_body,
    normalize_full_decoding,
)
from components.stack_config import parse_settings
from tests.edge_support import CURRENT_TOKEN


def site(*patterns):
    return build_site_model(
        parse_settings(
            {"authToken": CURRENT_TOKEN, "protectedPaths": list(patterns)}, "dev"
        ).protected_paths,
        10,
    )


@pytest.mark.parametrize(
    ("path", "chosen"),
    [
        ("/ex-img/a.jpg", "ex-img/*"),
        ("/ex-img/deep/er/a.jpg", "ex-img/*"),  # * crosses /
        ("/ex-img/", "ex-img/*"),  # * matches nothing too
        ("/EX-IMG/a.jpg", None),  # case-sensitive
        ("/ex-img", None),
        ("/docs/a.pdf", "docs/*.pdf"),
        ("/docs/sub/a.pdf", "docs/*.pdf"),
        ("/docs/a.pdfx", None),
        ("/v1/x", "v?/x"),
        ("/v10/x", None),
        ("/_errors/404.json", "_errors/*"),
        ("/ex-img/a.jpg?size=big", "ex-img/*"),  # query string ignored
        ("/", None),
    ],
)
def test_behavior_choice_follows_cloudfront_path_pattern_rules(path, chosen):
    behavior = site("ex-img/*", "/docs/*.pdf", "v?/x").behavior_for(path)
    assert behavior.path_pattern == chosen
    assert behavior.protected == (chosen not in (None, "_errors/*"))


def test_first_matching_behavior_wins_in_listed_order():
    model = site("a/*", "a/b/*")
    assert model.behavior_for("/a/b/c").path_pattern == "a/*"


def test_star_protects_the_default_but_never_the_error_pages():
    model = site("*")
    assert model.behavior_for("/anything").protected
    assert not model.behavior_for("/_errors/404.json").protected


segment = st.text(
    st.characters(blacklist_characters="%/?", blacklist_categories=("Cs",)), min_size=1, max_size=10
).filter(lambda part: part not in (".", ".."))


@given(prefix=st.from_regex(r"[a-z0-9-]{1,12}", fullmatch=True), rest=st.lists(segment, max_size=4))
def test_a_prefix_pattern_covers_every_path_under_the_prefix(prefix, rest):
    model = site(f"{prefix}/*")
    assert model.behavior_for(f"/{prefix}/" + "/".join(rest)).protected


def test_error_page_files_hold_the_json_body_for_each_custom_error_code():
    files = sorted(p.name for p in ERROR_PAGES_DIR.glob("*.json"))
    assert files == [f"{code}.json" for code in CUSTOM_ERROR_CODES]
    for code in CUSTOM_ERROR_CODES:
        text = (ERROR_PAGES_DIR / f"{code}.json").read_text()
        assert text == error_page_body(code)
        assert json.loads(text)["meta"]["code"] == code


def test_full_decoding_reading_decodes_every_escape():
    assert normalize_full_decoding("/ex-img%2Fa.jpg") == "/ex-img/a.jpg"
    assert normalize_full_decoding("/public/%2e%2e%2Fex-img/a") == "/ex-img/a"


@pytest.mark.parametrize(
    ("path", "strict", "full"),
    [
        ("/ex%2Dimg/a.jpg", True, True),
        ("/%65x-img/a.jpg", True, True),
        ("/public/../ex-img/a.jpg", True, True),
        ("/./ex-img/a.jpg", True, True),
        ("/public/%2e%2e/ex-img/a.jpg", True, True),
        # %2F is not a "/" to RFC 3986: the default behavior. Its origin is the public bucket.
        ("/ex-img%2Fa.jpg", False, True),
        ("//ex-img/a.jpg", False, False),
    ],
)
def test_which_spellings_select_the_protected_behavior_under_each_reading(path, strict, full):
    model = site("ex-img/*")
    assert model.behavior_for(path).protected is strict
    assert model.behavior_for(path, normalize_full_decoding).protected is full


def test_protected_behaviors_read_the_protected_origin_and_the_others_the_public_one():
    for model in (site("ex-img/*", "docs/*.pdf"), site("*")):
        for behavior in model.behaviors:
            assert behavior.origin_id == ("protected" if behavior.protected else "public")
    assert site("*").default_behavior.origin_id == "protected"
    assert site("ex-img/*").default_behavior.origin_id == "public"


@pytest.mark.parametrize(
    ("patterns", "key", "origin"),
    [
        (("ex-img/*",), "ex-img/a.png", "protected"),
        (("ex-img/*",), "ex-img/deep/a%2Fb.png", "protected"),
        (("ex-img/*",), "index.html", "public"),
        (("ex-img/*",), "public/hello.txt", "public"),
        (("ex-img/*",), "_errors/404.json", "public"),
        (("docs/*.pdf",), "docs/a.pdf", "protected"),
        (("docs/*.pdf",), "docs/a.txt", "public"),
        (("*",), "index.html", "protected"),
        (("*",), "_errors/404.json", "public"),
    ],
)
def test_each_content_file_belongs_in_the_bucket_its_behavior_reads(patterns, key, origin):
    assert site(*patterns).origin_for_key(key) == origin


@given(
    # "." and ".." are dot segments: "/ex-img/.." is the root, not a file under ex-img/.
    name=st.from_regex(r"[a-z0-9._-]{1,20}", fullmatch=True).filter(lambda n: n not in (".", "..")),
    encode=st.lists(st.booleans(), min_size=30, max_size=30),
)
def test_any_percent_encoding_of_a_protected_path_is_protected(name, encode):
    path = f"/ex-img/{name}"
    spelled = "".join(
        f"%{ord(c):02X}" if encode[i % len(encode)] and c != "/" else c for i, c in enumerate(path)
    )
    assert site("ex-img/*").behavior_for(spelled).protected
