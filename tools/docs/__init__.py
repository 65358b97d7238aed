"""`make docs`: what the input spec renders (Pulumi.yaml config, docs tables, args types).
A command only (python -m tools.docs.generate); it offers no names to other code."""

__all__: list[str] = []
