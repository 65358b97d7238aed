"""`make local`: the site served through the edge check on 127.0.0.1."""

from tools import lazy_exports

__all__, __getattr__ = lazy_exports(
    __name__, {"one_line": "request_log", "printable": "request_log"}
)
