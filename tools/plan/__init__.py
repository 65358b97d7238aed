"""`make plan`: the program run under Pulumi mocks, what it would create, the policy results."""

from tools import lazy_exports

__all__, __getattr__ = lazy_exports(
    __name__,
    {
        "ProgramRun": "program_run",
        "Registration": "program_run",
        "run_program": "program_run",
        "run_under_mocks": "program_run",
        "plan_document": "plan",
        "plan_run": "plan",
        "run_policies": "policy_run",
    },
)
