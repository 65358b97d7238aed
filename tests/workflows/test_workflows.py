"""The GitHub Actions workflows, checked offline: GitHub's schema, and everything they call exists.

No deploy can run here, so the workflows are held to what can be known without GitHub: the
workflow JSON schema that check-jsonschema vendors (no network), the make targets, scripts,
paths and reusable workflows they name, and the safety rules of docs/ci-cd.md
(OIDC, no long-lived keys, one deploy per stack at a time, prod behind an approval).
"""

from __future__ import annotations

import itertools
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from components.stack_config import CONFIG_KEYS
from tools.stack_files.reader import STACK_NAME

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
MAKE_TARGET = re.compile(r"^([A-Za-z0-9_.-]+):", re.MULTILINE)
# A path-like word in a run line: ./x, .ci/run, tests/integration, bash scripts/x.sh.
PATH_WORD = re.compile(r"^\.?\.?/?[\w.-]+(/[\w.*-]+)+/?$|^\./[\w.-]+$")
OIDC_ACTION = "aws-actions/configure-aws-credentials"
PULUMI_ACTION = "pulumi/actions"
DEPLOY_STACK = "./.github/workflows/deploy-stack.yml"


def workflow_files() -> list[Path]:
    return sorted(WORKFLOWS.glob("*.yml"))


def load(path: Path) -> dict:
    document = yaml.safe_load(path.read_text())
    # YAML 1.1 reads the key `on` as True.
    if True in document:
        document["on"] = document.pop(True)
    return document


def make_targets(makefile: Path = ROOT / "Makefile") -> set[str]:
    return set(MAKE_TARGET.findall(makefile.read_text()))


def steps(document: dict):
    for job_name, job in (document.get("jobs") or {}).items():
        for step in job.get("steps") or []:
            yield job_name, job, step


def missing_references(document: dict, root: Path = ROOT) -> list[str]:
    """Every make target, script, path and local workflow a workflow calls that does not exist."""
    targets = make_targets(root / "Makefile")
    missing = []
    for job_name, job in (document.get("jobs") or {}).items():
        uses = job.get("uses", "")
        if uses.startswith("./") and not (root / uses).is_file():
            missing.append(f"{job_name}: reusable workflow {uses}")
    for job_name, _job, step in steps(document):
        uses = step.get("uses", "")
        if uses.startswith("./") and not (root / uses).exists():
            missing.append(f"{job_name}: local action {uses}")
        inputs = step.get("with") or {}
        for key in ("work-dir", "policyPacks"):
            if key in inputs and not (root / inputs[key]).is_dir():
                missing.append(f"{job_name}: {key} {inputs[key]}")
        for line in str(step.get("run", "")).splitlines():
            words = shlex.split(line, comments=True)
            for index, word in enumerate(words):
                if word == "make":
                    for target in words[index + 1 :]:
                        if target.startswith("-") or "=" in target:
                            continue
                        if target not in targets:
                            missing.append(f"{job_name}: make {target}")
                elif "$" not in word and PATH_WORD.match(word) and not (root / word).exists():
                    missing.append(f"{job_name}: {word}")
    return missing


def schema_check(path: Path) -> subprocess.CompletedProcess:
    """check-jsonschema with the GitHub workflow schema it ships (vendored: no network)."""
    command = [sys.executable, "-m", "check_jsonschema", "--builtin-schema"]
    return subprocess.run(
        [*command, "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("path", workflow_files(), ids=lambda p: p.name)
def test_workflows_are_valid_against_githubs_schema_offline(path):
    result = schema_check(path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "validation done" in result.stdout


def test_the_schema_check_rejects_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    stepz: []\n")
    result = schema_check(broken)
    assert result.returncode == 1 and "stepz" in result.stdout + result.stderr


def test_the_expected_workflows_exist():
    names = {path.name for path in workflow_files()}
    assert {"pull-request.yml", "deploy.yml", "deploy-stack.yml", "integration.yml"} <= names


@pytest.mark.parametrize("path", workflow_files(), ids=lambda p: p.name)
def test_every_make_target_script_and_path_a_workflow_calls_exists(path):
    assert missing_references(load(path)) == []


def test_the_reference_check_finds_a_missing_target_script_and_workflow():
    document = {
        "jobs": {
            "a": {
                "steps": [
                    {"run": "make venv\nmake no-such-target STACK=dev"},
                    {"run": "bash .ci/no-such-script && ./missing.sh"},
                    {"uses": "pulumi/actions@v6", "with": {"work-dir": "nowhere"}},
                ]
            },
            "b": {"uses": "./.github/workflows/no-such.yml"},
        }
    }
    assert sorted(missing_references(document)) == [
        "a: ./missing.sh",
        "a: .ci/no-such-script",
        "a: make no-such-target",
        "a: work-dir nowhere",
        "b: reusable workflow ./.github/workflows/no-such.yml",
    ]


def test_make_test_runs_first_on_pull_requests_and_pushes():
    for name in ("pull-request.yml", "deploy.yml"):
        document = load(WORKFLOWS / name)
        runs = [step.get("run") for step in document["jobs"]["test"]["steps"]]
        assert "make test" in runs, name


def deploy_jobs(document: dict) -> dict[str, dict]:
    """The jobs that deploy a stack (call deploy-stack.yml), by job name."""
    jobs = document.get("jobs") or {}
    return {name: job for name, job in jobs.items() if job.get("uses") == DEPLOY_STACK}


def upstream(document: dict, name: str) -> set[str]:
    """Every job that must succeed before job ``name`` starts."""
    jobs, found, todo = document["jobs"], set(), [name]
    while todo:
        needs = jobs[todo.pop()].get("needs") or []
        for need in [needs] if isinstance(needs, str) else needs:
            if need not in found:
                found.add(need)
                todo.append(need)
    return found


def deploy_order_problems(document: dict) -> list[str]:
    """Deploys that may start before `make test` passed, beside another deploy, or outside a
    GitHub environment (which holds the approval rule and the stack's role)."""
    deploys = deploy_jobs(document)
    problems = [
        f"{name}: runs without make test"
        for name in deploys
        if "test" not in upstream(document, name)
    ]
    for first, second in itertools.combinations(sorted(deploys), 2):
        if first not in upstream(document, second) and second not in upstream(document, first):
            problems.append(f"{first} and {second} deploy at the same time")
    for name, job in deploys.items():
        inputs = job.get("with") or {}
        if not (inputs.get("stack") and inputs.get("environment")):
            problems.append(f"{name}: names no stack or no environment")
    return problems


def deployed_stacks() -> set[str]:
    return {job["with"]["stack"] for job in deploy_jobs(load(WORKFLOWS / "deploy.yml")).values()}


def test_pull_requests_preview_every_stack_main_deploys_with_the_policy_pack_and_a_comment():
    document = load(WORKFLOWS / "pull-request.yml")
    preview = document["jobs"]["preview"]
    assert preview["needs"] == "test"
    # Whatever the team's stacks are called: what main deploys was previewed on its PR.
    stacks = preview["strategy"]["matrix"]["stack"]
    assert all(STACK_NAME.fullmatch(stack) for stack in stacks)
    assert deployed_stacks() <= set(stacks), deployed_stacks() - set(stacks)
    (pulumi,) = [s for s in preview["steps"] if s.get("uses", "").startswith(PULUMI_ACTION)]
    assert pulumi["with"]["command"] == "preview"
    assert pulumi["with"]["diff"] is True and pulumi["with"]["policyPacks"] == "policy"
    assert pulumi["with"]["comment-on-pr"] is True
    assert preview["permissions"]["pull-requests"] == "write"


def test_main_deploys_after_the_tests_one_stack_after_another_each_in_its_environment():
    deploy = load(WORKFLOWS / "deploy.yml")
    assert deploy["on"]["push"]["branches"] == ["main"]
    assert deploy_jobs(deploy) and deploy_order_problems(deploy) == []
    up = load(WORKFLOWS / "deploy-stack.yml")["jobs"]["up"]
    assert up["environment"] == "${{ inputs.environment }}"
    (pulumi,) = [s for s in up["steps"] if s.get("uses", "").startswith(PULUMI_ACTION)]
    assert pulumi["with"]["command"] == "up" and pulumi["with"]["policyPacks"] == "policy"


def test_the_deploy_order_check_finds_an_untested_a_parallel_and_an_unguarded_deploy():
    def deploy(needs, **inputs):
        return {"uses": DEPLOY_STACK, "needs": needs, "with": inputs}

    document = {
        "jobs": {
            "test": {},
            "a": deploy("test", stack="a", environment="a"),
            "b": deploy(["test"], stack="b", environment="b"),
            "c": deploy([], stack="c"),
        }
    }
    assert deploy_order_problems(document) == [
        "c: runs without make test",
        "a and b deploy at the same time",
        "a and c deploy at the same time",
        "b and c deploy at the same time",
        "c: names no stack or no environment",
    ]
    document["jobs"]["b"]["needs"] = "a"
    document["jobs"]["c"] = deploy("b", stack="c", environment="c")
    assert deploy_order_problems(document) == []


def concurrency_group(job: dict, inputs: dict[str, str]) -> str:
    """The job's concurrency group for a call with ``inputs``; other expressions are left as
    written (the run id or the commit would make each run a group of its own)."""
    template = job["concurrency"]["group"]
    return re.sub(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", lambda m: inputs[m[1]], template)


def test_two_deploys_of_one_stack_never_overlap():
    up = load(WORKFLOWS / "deploy-stack.yml")["jobs"]["up"]
    for job in deploy_jobs(load(WORKFLOWS / "deploy.yml")).values():
        # Two runs deploying the same stack queue in one group ...
        group = concurrency_group(up, job["with"])
        assert "${{" not in group and job["with"]["stack"] in group, group
    # ... and the queued one waits: cancelling a running `pulumi up` leaves a pending operation.
    assert up["concurrency"]["cancel-in-progress"] is False
    live = load(WORKFLOWS / "integration.yml")["jobs"]["live"]
    assert live["concurrency"]["cancel-in-progress"] is False


def test_a_concurrency_group_of_the_run_is_not_one_of_the_stack():
    job = {"concurrency": {"group": "pulumi-${{ inputs.stack }}-${{ github.run_id }}"}}
    assert "${{" in concurrency_group(job, {"stack": "dev"})


@pytest.mark.parametrize("path", workflow_files(), ids=lambda p: p.name)
def test_aws_access_is_oidc_only_and_pulumi_logs_in_with_a_secret(path):
    text = path.read_text()
    assert "aws-access-key-id" not in text and "AWS_SECRET_ACCESS_KEY" not in text
    for job_name, job, step in steps(load(path)):
        if step.get("uses", "").startswith(OIDC_ACTION):
            assert step["with"]["role-to-assume"].startswith("${{ vars."), job_name
            assert job["permissions"]["id-token"] == "write", job_name
        if step.get("uses", "").startswith(PULUMI_ACTION) and step.get("with", {}).get("command"):
            assert step["env"]["PULUMI_ACCESS_TOKEN"] == "${{ secrets.PULUMI_ACCESS_TOKEN }}"


def oidc_jobs_without_regional_sts(document: dict) -> list[str]:
    """Jobs that take AWS credentials through OIDC but may ask the global STS endpoint, whose
    v1 session tokens SigV4A (the CloudFront KeyValueStore API) refuses."""
    missing = []
    for job_name, job, step in steps(document):
        if step.get("uses", "").startswith(OIDC_ACTION):
            regional = (job.get("env") or {}).get("AWS_STS_REGIONAL_ENDPOINTS") == "regional"
            if not regional or not step.get("with", {}).get("aws-region"):
                missing.append(job_name)
    return missing


@pytest.mark.parametrize("path", workflow_files(), ids=lambda p: p.name)
def test_jobs_with_aws_credentials_use_the_regional_sts_endpoint(path):
    assert oidc_jobs_without_regional_sts(load(path)) == []


def test_the_regional_sts_check_finds_a_job_without_it():
    step = {"uses": f"{OIDC_ACTION}@v4", "with": {"aws-region": "us-east-1"}}
    document = {"jobs": {"up": {"steps": [step]}, "ok": {"steps": [step]}}}
    document["jobs"]["ok"]["env"] = {"AWS_STS_REGIONAL_ENDPOINTS": "regional"}
    assert oidc_jobs_without_regional_sts(document) == ["up"]


def test_the_integration_test_runs_on_demand_and_nightly():
    document = load(WORKFLOWS / "integration.yml")
    assert "workflow_dispatch" in document["on"] and document["on"]["schedule"]
    (run,) = [s for _j, _job, s in steps(document) if s.get("run") == "make integration"]
    assert run["env"]["PROTECTED_CDN_INTEGRATION"] == "1"


# --- docs/ci-cd.md ------------------------------------------------------------------------


def cicd_section() -> str:
    return (ROOT / "docs" / "ci-cd.md").read_text()


def yaml_blocks(text: str) -> list[dict]:
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", text, re.S)]


def test_the_cicd_page_names_the_workflows_that_exist_and_the_readme_links_it():
    readme = (ROOT / "README.md").read_text()
    assert "](docs/ci-cd.md)" in readme
    section = cicd_section()
    assert section.startswith("# CI/CD\n")
    for path in workflow_files():
        assert f"`{path.name}`" in section, path.name
    assert "make integration" in section
    assert "\n## Alarms\n" in (ROOT / "docs" / "operations.md").read_text()


def test_the_docs_esc_stack_file_is_read_by_the_offline_tools(tmp_path):
    from tools.stack_files.reader import read_stack_file

    environment, stack_file = yaml_blocks(cicd_section())
    keys = {f"protected-cdn:{key}" for key in CONFIG_KEYS}
    imported = environment["values"]["pulumiConfig"]
    assert set(imported) <= keys and "protected-cdn:authToken" in imported
    (tmp_path / "Pulumi.esc.yaml").write_text(yaml.safe_dump(stack_file))
    parsed = read_stack_file("esc", tmp_path)
    assert parsed.environments == tuple(stack_file["environment"]) == ("protected-cdn/prod",)
    assert "protected-cdn:authToken" not in parsed.config
