"""`make revoke`: the emergency revoke on the store, against botocore's own model of the
CloudFront KeyValueStore API (Stubber checks every request's parameters against it)."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.stub import Stubber

from edge_handler.client_store import entry_key, entry_value
from tests.process_support import run
from tests.support.locations import STACK_CASES_DIR
from tools.clients import revoke
from tools.stack_files.reader import ROOT

CREATED = datetime(2026, 11, 1, tzinfo=UTC)
ARN = "arn:aws:cloudfront::123456789012:key-value-store/0a1b2c3d-4e5f-6789-abcd-ef0123456789"
TOKENS = {
    "partner-a": ("a" * 64, "b" * 64),  # current and previous token
    "mirror": ("c" * 64,),
}
VALUES = {
    "partner-a": entry_value("partner-a", 1806451200, ["ex-img/partner-a/*"]),
    "mirror": entry_value("mirror", None, None),
}


@pytest.fixture(autouse=True)
def stack_dir(tmp_path, monkeypatch):
    """Function-engine stacks prod and dev with the client partner-a (never the user's own
    stack files): the tool reads the stack's file before anything else, as the other tools do."""
    text = (STACK_CASES_DIR / "Pulumi.fn.yaml").read_text()
    text += "  protected-cdn:clients:\n    partner-a:\n      token:\n        secure: v1:AAAA:BBBB\n"
    for stack in ("prod", "dev"):
        (tmp_path / f"Pulumi.{stack}.yaml").write_text(text)
    monkeypatch.setattr(revoke, "ROOT", tmp_path)
    return tmp_path


def error_line(err: str) -> str:
    """The one line of a refusal, besides the note naming the stack file read."""
    (line,) = [line for line in err.splitlines() if not line.startswith(NOTE)]
    return line


NOTE = "make revoke: stack file "


def item(name: str, index: int = 0) -> dict[str, str]:
    return {"Key": entry_key(TOKENS[name][index]), "Value": VALUES[name]}


def every_secret() -> list[str]:
    """What no output may hold: tokens, their digests (keys) and the values' other fields."""
    found = [token for tokens in TOKENS.values() for token in tokens]
    found += [entry_key(token) for token in found]
    return [*found, "1806451200", "ex-img/partner-a/*"]


@pytest.fixture
def kvs():
    """A real boto3 client (offline, dummy credentials) under a Stubber. Unsigned: the store's
    endpoint asks for SigV4A, which needs awscrt, and the Stubber answers before any sending."""
    client = boto3.client(
        "cloudfront-keyvaluestore",
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(signature_version=UNSIGNED),
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def describe(stubber: Stubber, etag: str = "ETAG-1") -> None:
    stubber.add_response(
        "describe_key_value_store",
        {"KvsARN": ARN, "ETag": etag, "ItemCount": 3, "TotalSizeInBytes": 400, "Created": CREATED},
        {"KvsARN": ARN},
    )


def list_page(stubber: Stubber, items, next_token=None, after=None) -> None:
    answer = {"Items": items} | ({"NextToken": next_token} if next_token else {})
    expected = {"KvsARN": ARN} | ({"NextToken": after} if after else {})
    stubber.add_response("list_keys", answer, expected)


def run_revoke(client, capsys, *args: str) -> tuple[int, str, str]:
    def no_arn_lookup(_stack):
        raise AssertionError("STORE_ARN was given: the stack output must not be read")

    status = revoke.main(
        ["--stack", "prod", *args], kvs_factory=lambda: client, arn_reader=no_arn_lookup
    )
    out, err = capsys.readouterr()
    for secret in every_secret():
        assert secret not in out + err
    return status, out, err


def test_a_client_found_is_deleted_in_one_call_with_the_etag(kvs, capsys):
    client, stubber = kvs
    describe(stubber, etag="ETAG-7")
    list_page(
        stubber, [item("mirror"), item("partner-a"), {"Key": "other", "Value": "not json"},
                  item("partner-a", 1)],
    )  # fmt: skip
    stubber.add_response(
        "update_keys",
        {"ETag": "ETAG-8", "ItemCount": 2, "TotalSizeInBytes": 200},
        {
            "KvsARN": ARN,
            "IfMatch": "ETAG-7",
            "Deletes": [{"Key": item("partner-a")["Key"]}, {"Key": item("partner-a", 1)["Key"]}],
        },
    )
    status, out, err = run_revoke(client, capsys, "--client", "partner-a", "--store-arn", ARN)
    assert status == 0, err
    assert f"Revoked client partner-a: deleted its 2 entries from store {ARN}" in out
    assert out.splitlines()[-2:] == [
        "  pulumi config rm --path clients.partner-a --stack prod",
        "  pulumi up --refresh --stack prod",
    ]
    assert "no time and no" in out and "SLA" in out


def test_every_page_of_the_store_is_read(kvs, capsys):
    client, stubber = kvs
    describe(stubber)
    list_page(stubber, [item("partner-a"), item("mirror")], next_token="page-2")
    list_page(stubber, [item("partner-a", 1)], after="page-2")
    stubber.add_response(
        "update_keys",
        {"ETag": "ETAG-2", "ItemCount": 1, "TotalSizeInBytes": 100},
        {
            "KvsARN": ARN,
            "IfMatch": "ETAG-1",
            "Deletes": [{"Key": item("partner-a")["Key"]}, {"Key": item("partner-a", 1)["Key"]}],
        },
    )
    status, out, _ = run_revoke(client, capsys, "--client", "partner-a", "--store-arn", ARN)
    assert status == 0
    assert "deleted its 2 entries" in out and "1 entry remains" in out


def test_a_client_not_in_the_store_is_one_line_and_deletes_nothing(kvs, capsys):
    client, stubber = kvs
    describe(stubber)
    list_page(stubber, [item("mirror")])  # no update_keys stubbed: a call would fail the test
    status, out, err = run_revoke(client, capsys, "--client", "partner-a", "--store-arn", ARN)
    assert status == 1 and out == ""
    line = error_line(err)
    assert "client partner-a has no entry in store" in line and "nothing deleted" in line


@pytest.mark.parametrize("code", ["ConflictException", "PreconditionFailed"])
def test_a_concurrent_change_of_the_store_is_one_line(kvs, capsys, code):
    client, stubber = kvs
    describe(stubber)
    list_page(stubber, [item("partner-a")])
    stubber.add_client_error(
        "update_keys", service_error_code=code, service_message="etag", http_status_code=409
    )
    status, out, err = run_revoke(client, capsys, "--client", "partner-a", "--store-arn", ARN)
    assert status == 1 and out == ""
    line = error_line(err)
    assert "changed while revoking partner-a" in line and "nothing was deleted" in line
    assert "Traceback" not in err


def test_another_aws_error_is_one_line(kvs, capsys):
    client, stubber = kvs
    stubber.add_client_error(
        "describe_key_value_store", service_error_code="AccessDeniedException",
        http_status_code=403,
    )  # fmt: skip
    status, _, err = run_revoke(client, capsys, "--client", "partner-a", "--store-arn", ARN)
    assert status == 1
    line = error_line(err)
    assert "AccessDeniedException" in line


@pytest.mark.parametrize(
    ("name", "words"),
    [("default", "authToken, which is not revoked but rotated"), ("Partner_A", "not a client")],
)
def test_default_and_bad_names_are_refused_before_any_call(capsys, name, words):
    def no_client():
        raise AssertionError("no AWS client may be made")

    status = revoke.main(["--client", name, "--store-arn", ARN], kvs_factory=no_client)
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    line = error_line(err)
    assert words in line


def test_the_arn_comes_from_the_stack_output(monkeypatch):
    calls = []

    def fake_run(command, **kwargs):
        calls.append((command, kwargs["cwd"]))
        return subprocess.CompletedProcess(command, 0, stdout=ARN + "\n", stderr="")

    monkeypatch.setattr(shutil, "which", lambda _name: "/usr/bin/pulumi")
    assert revoke.stack_store_arn("prod", run=fake_run) == ARN
    # In the project folder (here the test's): where pulumi finds Pulumi.yaml and the stack.
    assert calls == [
        (["pulumi", "stack", "output", "clientStoreArn", "--stack", "prod"], revoke.ROOT)
    ]


def test_no_arn_and_no_output_is_one_line_naming_store_arn(monkeypatch, capsys):
    def failing(command, **_kwargs):
        return subprocess.CompletedProcess(command, 255, stdout="", stderr="no output named")

    monkeypatch.setattr(shutil, "which", lambda _name: "/usr/bin/pulumi")
    with pytest.raises(revoke.RevokeError) as refused:
        revoke.stack_store_arn("prod", run=failing)
    assert refused.value.status == 2 and "STORE_ARN=" in str(refused.value)

    monkeypatch.setattr(shutil, "which", lambda _name: None)
    status = revoke.main(["--stack", "prod", "--client", "partner-a"], kvs_factory=lambda: None)
    _, err = capsys.readouterr()
    assert status == 2
    line = error_line(err)
    assert "no pulumi CLI" in line and "STORE_ARN=" in line


def test_the_store_client_is_made_offline_from_botocores_model():
    client = boto3.client(
        "cloudfront-keyvaluestore", region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )  # fmt: skip
    assert {"DescribeKeyValueStore", "ListKeys", "UpdateKeys"} <= set(
        client.meta.service_model.operation_names
    )
    assert client.can_paginate("list_keys")


def test_without_awscrt_the_sigv4a_need_is_one_line(capsys):
    """botocore raises MissingDependencyException while resolving the store's auth when awscrt
    is missing (botocore/regions.py); the tool turns it into one line with the fix."""
    from botocore.exceptions import MissingDependencyException

    class NoCrt:
        def describe_key_value_store(self, **_kwargs):
            raise MissingDependencyException(msg="Use pip install botocore[crt]")

    status = revoke.main(["--client", "partner-a", "--store-arn", ARN], kvs_factory=NoCrt)
    _, err = capsys.readouterr()
    assert status == 1
    line = error_line(err)
    assert "SigV4A" in line and "botocore[crt]" in line


def test_an_unreachable_store_api_is_one_line_naming_its_host(capsys):
    from botocore.exceptions import EndpointConnectionError

    class Offline:
        def describe_key_value_store(self, **_kwargs):
            url = "https://abc.cloudfront-kvs.global.api.aws/key-value-stores/x"
            raise EndpointConnectionError(endpoint_url=url, error="no route")

    status = revoke.main(["--client", "partner-a", "--store-arn", ARN], kvs_factory=Offline)
    _, err = capsys.readouterr()
    assert status == 1
    assert error_line(err).startswith(
        "make revoke: cannot reach abc.cloudfront-kvs.global.api.aws, nothing was deleted. Fix: "
    )


PARTNER_ENTRIES = (("partner-a", 0), ("partner-a", 1))


def test_with_awscrt_a_signed_client_revokes_offline(capsys):
    """The dev requirements bring awscrt: the real, SigV4A-signed client reaches the API."""
    client = boto3.client(
        "cloudfront-keyvaluestore", region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )  # fmt: skip
    with Stubber(client) as stubber:
        describe(stubber)
        list_page(stubber, [item("partner-a"), item("partner-a", 1), item("mirror")])
        stubber.add_response(
            "update_keys",
            {"ETag": "ETAG-2", "ItemCount": 1, "TotalSizeInBytes": 100},
            {
                "KvsARN": ARN,
                "IfMatch": "ETAG-1",
                "Deletes": [
                    {"Key": item("partner-a")["Key"]},
                    {"Key": item("partner-a", 1)["Key"]},
                ],
            },
        )
        status = revoke.main(
            ["--client", "partner-a", "--store-arn", ARN], kvs_factory=lambda: client
        )
    assert status == 0, capsys.readouterr().err


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_revoke_passes_stack_client_and_store_arn():
    result = run(
        ["make", "-o", ".venv/.installed", "revoke", "STACK=prod", "CLIENT=default",
         f"STORE_ARN={ARN}"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
        env={key: value for key, value in os.environ.items() if not key.startswith("MAKE")},
    )  # fmt: skip
    assert result.returncode == 2 and result.stdout == ""
    assert "default is authToken" in result.stderr and "stack prod" in result.stderr


def test_a_store_arn_that_is_not_one_is_refused_in_one_line(capsys):
    def no_client():
        raise AssertionError("no AWS client may be made")

    status = revoke.main(
        ["--client", "partner-a", "--store-arn", "arn:aws:s3:::bucket"], kvs_factory=no_client
    )
    _, err = capsys.readouterr()
    assert status == 2
    line = error_line(err)
    assert "is not a KeyValueStore ARN" in line


def test_the_docs_show_what_the_command_prints(kvs, capsys):
    """docs/clients.md's sample run: every line after the first is the command's own."""
    client, stubber = kvs
    describe(stubber)
    list_page(stubber, [item("partner-a"), item("partner-a", 1)])
    stubber.add_response("update_keys", {"ETag": "E", "ItemCount": 19998, "TotalSizeInBytes": 1})
    status, out, _ = run_revoke(client, capsys, "--client", "partner-a", "--store-arn", ARN)
    assert status == 0
    page = (ROOT / "docs" / "clients.md").read_text()
    for line in out.splitlines()[1:]:
        assert f"\n{line}\n" in page, line


def real_client(**kwargs):
    """The real store client; only asked when it has no credentials, so it never sends."""
    return boto3.session.Session().client("cloudfront-keyvaluestore", region_name="us-east-1")


def test_no_credentials_is_one_line_with_the_fix(monkeypatch, tmp_path, capsys):
    for name in [key for key in os.environ if key.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    status = revoke.main(
        ["--stack", "prod", "--client", "partner-a", "--store-arn", ARN],
        kvs_factory=real_client,
    )
    _, err = capsys.readouterr()
    assert status == 1
    line = error_line(err)
    assert "no AWS credentials found, nothing was deleted" in line and "aws sso login" in line


def test_an_unreachable_endpoint_is_one_line_with_the_fix(capsys):
    from botocore.exceptions import EndpointConnectionError

    url = f"https://123456789012.cloudfront-kvs.global.api.aws/key-value-stores/{ARN}"

    class Unreachable:  # what botocore raises when no connection can be made
        def describe_key_value_store(self, **_kwargs):
            raise EndpointConnectionError(endpoint_url=url)

    status = revoke.main(
        ["--stack", "prod", "--client", "partner-a", "--store-arn", ARN], kvs_factory=Unreachable
    )
    _, err = capsys.readouterr()
    assert status == 1
    line = error_line(err)
    assert line.startswith(
        "make revoke: cannot reach 123456789012.cloudfront-kvs.global.api.aws, nothing was "
        "deleted. Fix: check the network"
    )
    assert "Traceback" not in err


def test_it_says_which_stack_file_it_read_and_whether_it_names_the_client(kvs, capsys, stack_dir):
    client, stubber = kvs
    file = stack_dir / "Pulumi.prod.yaml"
    describe(stubber)
    list_page(stubber, [item("partner-a")])
    status, _, err = run_revoke(client, capsys, "--client", "mirror", "--store-arn", ARN)
    assert status == 1  # mirror has no entry in the store either
    assert err.splitlines()[0] == (
        f"{NOTE}{file}: client mirror is not in it (already removed, or a wrong CLIENT?)"
    )
    describe(stubber)
    list_page(stubber, [item("partner-a")])
    stubber.add_response("update_keys", {"ETag": "E", "ItemCount": 0, "TotalSizeInBytes": 0})
    status, _, err = run_revoke(client, capsys, "--client", "partner-a", "--store-arn", ARN)
    assert status == 0
    assert err.splitlines() == [f"{NOTE}{file}: client partner-a is in it"]


@pytest.mark.parametrize(
    ("stack", "words"),
    [
        ("dev;touch x", "'dev;touch x' is not a stack name"),
        ("\x1b[31mprod", r"'\x1b[31mprod' is not a stack name"),
        ("nosuch", "unknown stack 'nosuch': no Pulumi.nosuch.yaml (stacks here: dev, prod)"),
    ],
)
def test_the_stack_is_checked_as_the_other_tools_check_it(capsys, stack, words):
    def no_client():
        raise AssertionError("no AWS client may be made")

    status = revoke.main(["--stack", stack, "--client", "partner-a"], kvs_factory=no_client)
    out, err = capsys.readouterr()
    assert status == 2 and out == "" and "\x1b" not in err
    (line,) = err.splitlines()
    assert line.startswith("make revoke: ") and words in line


def test_a_lambda_edge_stack_is_refused_with_the_config_route(capsys):
    def no_client():
        raise AssertionError("no AWS client may be made")

    status = revoke.main(
        ["--stack", "dev", "--stack-dir", str(STACK_CASES_DIR), "--client", "partner-a"],
        kvs_factory=no_client,
    )
    _, err = capsys.readouterr()
    assert status == 2
    (line,) = err.splitlines()
    assert "stack dev runs lambda-edge" in line and "there is no store to cut" in line
    assert "pulumi config rm --path clients.partner-a --stack dev, then pulumi up" in line


def test_the_clients_grant_entry_goes_in_the_same_call(kvs, capsys):
    from edge_handler.client_store import grant_entry_key, grant_entry_value

    client, stubber = kvs
    describe(stubber, etag="ETAG-3")
    grants = {
        name: {"Key": grant_entry_key(name), "Value": grant_entry_value(TOKENS[name], None, None)}
        for name in TOKENS
    }
    list_page(stubber, [item("partner-a"), grants["mirror"], grants["partner-a"], item("mirror")])
    stubber.add_response(
        "update_keys",
        {"ETag": "ETAG-4", "ItemCount": 2, "TotalSizeInBytes": 200},
        {
            "KvsARN": ARN,
            "IfMatch": "ETAG-3",
            "Deletes": [{"Key": item("partner-a")["Key"]}, {"Key": "grant:partner-a"}],
        },
    )
    status, out, err = run_revoke(client, capsys, "--client", "partner-a", "--store-arn", ARN)
    assert status == 0, err
    assert "deleted its 2 entries" in out
    assert grants["partner-a"]["Value"] not in out + err


def test_a_missing_client_argument_is_one_line(capsys):
    with pytest.raises(SystemExit) as stopped:
        revoke.main(["--stack", "prod"], kvs_factory=lambda: None)
    assert stopped.value.code == 2
    assert capsys.readouterr().err == (
        "make revoke: the following arguments are required: --client\n"
    )
