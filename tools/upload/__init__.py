"""`make upload-commands`: the commands that put the content into a stack's buckets.
A command only; it offers no names to other code."""

__all__: list[str] = []
