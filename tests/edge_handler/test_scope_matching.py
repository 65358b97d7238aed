"""The scope matcher of both engines: CloudFront's path-pattern rules (``*`` any characters,
``/`` included; ``?`` one code point; case-sensitive), in time linear in the path.

Python's ``fnmatchcase`` is the reference for the rules (settings never admit ``[``, its only
other syntax). Linear time is shown by counting, never timing: each engine's matcher reads
the path through an object that counts the reads, and the count stays within a fixed multiple
of the path's length for adversarial patterns at every length up to the longest URL
CloudFront accepts. ``make bench`` prints what that costs in time.
"""

from __future__ import annotations

import json
from fnmatch import fnmatchcase

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from components.cloudfront_facts import MAX_PATH_PATTERN_LENGTH, MAX_URL_LENGTH
from edge_handler.client_store import store_entries
from edge_handler.cloudfront_function import render_function_code
from tests.edge_support import CURRENT_TOKEN, load_built
from tests.support.adversarial import ADVERSARIAL_SCOPES
from tools.edge_runtime.cloudfront_runtime import CloudFrontRuntime

# Patterns that make a backtracking matcher do work exponential (or quadratic) in the path:
# many stars, a long literal run between stars, ? runs, and every one at the 255-character
# limit of a CloudFront path pattern.
ADVERSARIAL_PATTERNS = [
    *ADVERSARIAL_SCOPES,
    "ex-img/" + "*a" * 124,
    "ex-img/*" + "a?" * 120 + "b*",
    "*" + "?" * 254,
    "?" * 254 + "*",
]
# Paths (without the leading /) as long as a URL can be: what those patterns chew on.
LONGEST = MAX_URL_LENGTH - 1
ADVERSARIAL_PATHS = [
    "ex-img/" + "/" * (LONGEST - 8) + "x",
    "ex-img/" + "/" * (LONGEST - 12) + "x.png",
    "ex-img/" + "a" * (LONGEST - 7),
    "ex-img/" + "a" * (LONGEST - 8) + "b",
    "ex-img/" + "/a" * ((LONGEST - 7) // 2),
    "ex-img/" + "😀" * ((LONGEST - 7) // 2),
]


def test_the_adversarial_cases_are_at_the_limits():
    assert all(len(p) <= MAX_PATH_PATTERN_LENGTH for p in ADVERSARIAL_PATTERNS)
    assert max(len(p) for p in ADVERSARIAL_PATTERNS) == MAX_PATH_PATTERN_LENGTH
    # UTF-16 units, as the function and a URL (percent-encoded UTF-8 is longer still) count.
    assert max(len(p.encode("utf-16-le")) // 2 for p in ADVERSARIAL_PATHS) <= LONGEST


@pytest.fixture(scope="module")
def handler(tmp_path_factory):
    return load_built(tmp_path_factory.mktemp("zip"), [CURRENT_TOKEN])


@pytest.fixture(scope="module")
def runtime():
    code = render_function_code("authorization")
    with CloudFrontRuntime(code, store=store_entries([CURRENT_TOKEN])) as rt:
        rt.eval(COUNTING_JS)
        yield rt


# --- the rules ------------------------------------------------------------------------------

PATTERN_ALPHABET = st.sampled_from(["*", "?", "/", "a", "b", ".", "é", "😀", "-", "$"])
TEXT_ALPHABET = st.sampled_from(["/", "a", "b", ".", "é", "😀", "*", "?", " ", "+"])


def js_matches(runtime, pairs: list[tuple[str, str]]) -> list[bool]:
    source = f"{json.dumps(pairs)}.map(function (c) {{ return matches(glob(c[0]), c[1]); }})"
    return json.loads(runtime.eval(f"JSON.stringify({source})"))


# Many pairs per example: one V8 call checks them all, and Python's matcher meets the same.
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pairs=st.lists(
        st.tuples(
            st.lists(PATTERN_ALPHABET, max_size=10).map("".join),
            st.lists(TEXT_ALPHABET, max_size=14).map("".join),
        ),
        min_size=1,
        max_size=20,
    )
)
@example(pairs=[("a*b*a", "abba"), ("**", ""), ("*?", "😀")])
def test_both_matchers_follow_fnmatchcase(handler, runtime, pairs):
    expected = [fnmatchcase(t, p) for p, t in pairs]
    assert [handler.path_matches(t, p) for p, t in pairs] == expected
    assert js_matches(runtime, pairs) == expected


def test_lone_surrogates_are_one_code_point_each_in_the_function(runtime):
    # A path decoded from bad UTF-8 never holds one, but the matcher must not split pairs
    # differently from Python on any input.
    cases = [("?", "\ud83d"), ("??", "\ud83d\ude00"), ("?", "\ud83d\ude00"), ("a?b", "a\ude00b")]
    assert js_matches(runtime, cases) == [True, False, True, True]


@pytest.mark.parametrize("pattern", ADVERSARIAL_PATTERNS)
def test_both_matchers_agree_on_adversarial_paths(handler, runtime, pattern):
    expected = [fnmatchcase(text, pattern) for text in ADVERSARIAL_PATHS]
    assert [handler.path_matches(text, pattern) for text in ADVERSARIAL_PATHS] == expected
    assert js_matches(runtime, [(pattern, text) for text in ADVERSARIAL_PATHS]) == expected


# --- linear time, counted ------------------------------------------------------------------


class CountingText(str):
    """A path that counts how many characters the matcher reads from it."""

    reads = 0

    def __iter__(self):
        for char in str.__iter__(self):
            self.reads += 1
            yield char

    def __getitem__(self, index):
        self.reads += 1 if isinstance(index, int) else len(range(*index.indices(len(self))))
        return str.__getitem__(self, index)


# A string stand-in whose every read is counted (charCodeAt, charAt, slice: the units read).
COUNTING_JS = """
function __counting(s) {
  var o = {length: s.length, reads: 0};
  o.charCodeAt = function (i) { o.reads++; return s.charCodeAt(i); };
  o.charAt = function (i) { o.reads++; return s.charAt(i); };
  o.slice = function (a, b) { var r = s.slice(a, b); o.reads += r.length; return r; };
  return o;
}
function __reads(p, s) { var o = __counting(s); matches(glob(p), o); return o.reads; }
"""


@pytest.mark.parametrize("text", ADVERSARIAL_PATHS, ids=lambda t: f"{t[7:9]!r}x{len(t)}")
@pytest.mark.parametrize("pattern", ADVERSARIAL_PATTERNS, ids=lambda p: p[:16])
def test_the_python_matcher_reads_each_character_at_most_once(handler, pattern, text):
    counted = CountingText(text)
    handler.path_matches(counted, pattern)
    assert counted.reads <= len(text)


@pytest.mark.parametrize("pattern", ADVERSARIAL_PATTERNS, ids=lambda p: p[:16])
def test_the_function_matcher_reads_each_unit_a_bounded_number_of_times(runtime, pattern):
    for text in ADVERSARIAL_PATHS:
        units = len(text.encode("utf-16-le")) // 2
        reads = runtime.eval(f"__reads({json.dumps(pattern)}, {json.dumps(text)})")
        # point() reads two units and slices one code point: at most 4 reads per unit.
        assert reads <= 4 * units + 2, (pattern[:20], text[:20], reads)


def test_the_automaton_has_one_bit_per_pattern_character(handler, runtime):
    # What each read costs: one step of a state of at most 256 bits (8 words of 32 in the
    # function), whatever the path.
    longest = max(ADVERSARIAL_PATTERNS, key=len)
    prefix, *_, accept, _done = handler.compile_pattern(longest)
    assert accept.bit_length() <= MAX_PATH_PATTERN_LENGTH + 1 - len(prefix)
    words = runtime.eval(f"glob({json.dumps(longest)}).w")
    assert words <= (MAX_PATH_PATTERN_LENGTH >> 5) + 1


# --- a + in the path --------------------------------------------------------------------------

PATTERN_WITHOUT_PLUS = st.lists(st.sampled_from(["*", "?", "/", "c", "a", "."]), max_size=10).map(
    "".join
)
TEXT_WITH_PLUS = st.lists(st.sampled_from(["+", " ", "/", "c", "a", "."]), max_size=12).map("".join)


# Many pairs per example, checked in one V8 call.
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pairs=st.lists(st.tuples(PATTERN_WITHOUT_PLUS, TEXT_WITH_PLUS), min_size=1, max_size=20))
@example(pairs=[("c*/*", "c++/x"), ("c??/*", "c++/x")])
def test_a_scope_without_plus_admits_a_path_with_plus_also_read_as_spaces(handler, runtime, pairs):
    """S3 may read a + of the URL path as a space. Settings refuse + in a client's scope, so a
    + of the path only ever meets a wildcard, which a space meets alike: the key is inside the
    scope whichever way S3 reads it."""
    cases = [(pattern, form) for pattern, text in pairs for form in (text, text.replace("+", " "))]
    python = [handler.path_matches(text, pattern) for pattern, text in cases]
    assert js_matches(runtime, cases) == python
    for as_plus, as_spaces in zip(python[::2], python[1::2], strict=True):
        assert as_spaces or not as_plus
