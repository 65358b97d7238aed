"""`make constraints`: constraints.txt, the exact versions the suite runs with.
A command only (python -m tools.pins.constraints); it offers no names to other code."""

__all__: list[str] = []
