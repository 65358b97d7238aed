"""`make upload` and `make upload-commands`: put the content into a stack's two buckets.
Commands only; they offer no names to other code."""

__all__: list[str] = []
