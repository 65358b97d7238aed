"""Scopes and URIs that make a scope matcher work hardest: the differential tests and
`make bench` use the same ones, so the worst case the bench prints is the one the tests prove."""

from __future__ import annotations

from components.cloudfront_facts import MAX_URL_LENGTH

# Patterns that make a backtracking matcher slow (many *, a long literal run, ? runs, the
# 255-character limit).
ADVERSARIAL_SCOPES = (
    "ex-img/*/*.png",
    "ex-img/*/*/*.png",
    "ex-img/" + "*/" * 121 + "*.png",
    "ex-img/" + "?*" * 124,
    "ex-img/*" + "/" * 240 + "y*",
)
# The longest URIs CloudFront accepts: slashes, a matching tail, escapes (the decoded key is
# shorter), astral characters.
LONGEST_URIS = (
    "/ex-img/" + "/" * (MAX_URL_LENGTH - 9) + "x",
    "/ex-img/" + "/" * (MAX_URL_LENGTH - 13) + "x.png",
    "/ex-img/" + "a/" * ((MAX_URL_LENGTH - 13) // 2) + "y.png",
    "/ex-img/" + "%2F" * ((MAX_URL_LENGTH - 8) // 3),
    "/ex-img/" + "😀/" * ((MAX_URL_LENGTH - 8) // 5),
)
