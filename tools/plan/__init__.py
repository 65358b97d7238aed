"""`make plan`: the program run under Pulumi mocks, what it would create, the policy results.
A command only (python -m tools.plan.plan); it offers no names to other code."""

__all__: list[str] = []
