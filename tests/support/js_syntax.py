"""The syntax and APIs mini-racer's V8 accepts and CloudFront's ``cloudfront-js-2.0`` runtime
does not: the tests run the generated function in V8, so they check its code against this too."""

from __future__ import annotations

import re

from tools.edge_runtime.cloudfront_runtime import CLOUDFRONT_IMPORT

# Syntax mini-racer's V8 accepts and cloudfront-js-2.0 does not list (AWS's runtime 2.0
# feature page), and APIs it does not offer. Checked on the code with string literals removed.
FORBIDDEN_SYNTAX = {
    "optional chaining": re.compile(r"\?\.(?!\d)"),
    "nullish coalescing": re.compile(r"\?\?"),
    "spread or rest": re.compile(r"\.\.\."),
    "class": re.compile(r"\bclass\b"),
    "for-of": re.compile(r"\bfor\s*\([^;)]*\bof\b"),
    "destructuring": re.compile(r"\b(?:var|let|const)\s*[\[{]"),
    # AWS advises sequential await: combinators and chains cost memory (2 MB per function).
    "promise combinator or chain": re.compile(
        r"\bPromise\.(?:all|allSettled|any|race)\b|\.(?:then|catch|finally)\s*\("
    ),
    "generator": re.compile(r"\bfunction\s*\*|\byield\b"),
    # Besides the cloudfront module's documented import line (removed before the check).
    "module syntax": re.compile(r"^\s*(?:import|export)\b", re.M),
    "unlisted API": re.compile(
        r"\b(?:Array\.from|Map|Set|WeakMap|Symbol|Proxy|Reflect|fromCodePoint|structuredClone"
        r"|setTimeout|setInterval|eval|Function|fetch|process|BigInt)\b|\.at\(|Object\.hasOwn\b"
        r"|Object\.(?:entries|values|fromEntries)\b"
    ),
}
_STRING = re.compile(r"'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"")
_COMMENT = re.compile(r"^\s*//.*$", re.M)


def forbidden_syntax(code: str) -> list[str]:
    """Names of the constructs in ``code`` that cloudfront-js-2.0 does not offer."""
    bare = _STRING.sub("''", _COMMENT.sub("", CLOUDFRONT_IMPORT.sub("", code)))
    return [name for name, pattern in FORBIDDEN_SYNTAX.items() if pattern.search(bare)]
