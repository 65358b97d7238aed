"""The component provider (provider/) started as the Pulumi CLI starts it, queried over gRPC."""

import inspect
import json
import os
import subprocess
import sys
import typing
from pathlib import Path

import grpc
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from components import EdgeCheck, EdgeCheckArgs, ProtectedContent, ProtectedContentArgs
from components.content_origin import state_path
from components.inputs import BY_NAME, CLIENT_FIELDS, EDGE_CHECK, PROTECTED_CONTENT, inputs_of
from components.site_model import error_page_files
from edge_handler.build import HANDLER_SOURCE
from tests.process_support import started

ROOT = Path(__file__).resolve().parents[2]
PROVIDER_DIR = ROOT / "provider"
TOKEN = "protected-cdn:index:ProtectedContent"
EDGE_TOKEN = "protected-cdn:index:EdgeCheck"
# Any address: GetSchema never dials the engine (only Construct does).
ENGINE_ADDRESS = "127.0.0.1:1"


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    """`python provider <engine>` from another project's directory, as pulumi-language-python
    runs a plugin; the provider prints the port it listens on as its first stdout line."""
    # started(): the provider is killed and reaped when the module's tests end.
    with started(
        [sys.executable, str(PROVIDER_DIR), ENGINE_ADDRESS],
        cwd=tmp_path_factory.mktemp("consumer"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        line = process.stdout.readline()  # EOF (empty) if the provider failed to start
        assert line.strip().isdigit(), f"no port from the provider: {process.stderr.read()}"
        with grpc.insecure_channel(f"127.0.0.1:{int(line)}") as channel:
            yield provider_pb2_grpc.ResourceProviderStub(channel)


@pytest.fixture(scope="module")
def schema(provider) -> dict:
    response = provider.GetSchema(provider_pb2.GetSchemaRequest(version=0), timeout=30)
    return json.loads(response.schema)


def test_the_provider_reports_its_package_version(provider):
    assert provider.GetPluginInfo(empty_pb2.Empty(), timeout=30).version == "0.1.0"


def test_the_schema_names_the_package_and_the_component(schema):
    assert schema["name"] == "protected-cdn"
    resource = schema["resources"][TOKEN]
    assert resource["isComponent"] is True
    assert resource["description"]


@pytest.mark.parametrize(
    ("token", "component"), [(TOKEN, PROTECTED_CONTENT), (EDGE_TOKEN, EDGE_CHECK)]
)
def test_every_input_of_the_spec_is_in_the_schema_as_declared(schema, token, component):
    """The schema the host infers from the args types says what each spec entry says."""
    entries = inputs_of(component)
    resource = schema["resources"][token]
    inputs = resource["inputProperties"]
    assert set(inputs) == {entry.key for entry in entries}
    args_type = ProtectedContentArgs if component == PROTECTED_CONTENT else EdgeCheckArgs
    assert set(inputs) == {camel(name) for name in args_type.__annotations__}
    assert resource["requiredInputs"] == [entry.key for entry in entries if entry.required]
    for entry in entries:
        spec = inputs[entry.key]
        assert spec["type"] == entry.type and spec["description"], entry.key
        # Tokens may come from other resources (Inputs); structure-deciding settings are plain.
        assert spec.get("plain", False) == entry.shapes_resources, entry.key
        if entry.items is not None:
            assert spec["items"]["type"] == entry.items, entry.key


def test_clients_is_a_map_of_client_objects_with_a_required_token(schema):
    clients = schema["resources"][TOKEN]["inputProperties"]["clients"]
    assert clients["type"] == "object" and "plain" not in clients
    ref = clients["additionalProperties"]["$ref"]
    assert ref == "#/types/protected-cdn:index:ClientArgs"
    client = schema["types"]["protected-cdn:index:ClientArgs"]
    assert set(client["properties"]) == {"token", "previousToken", "expires", "paths"}
    assert client["required"] == ["token"]
    for name, spec in client["properties"].items():
        assert spec.get("description"), name


def test_every_output_is_in_the_schema_with_a_type_and_a_description(schema):
    resource = schema["resources"][TOKEN]
    annotated = inspect.get_annotations(ProtectedContent)
    expected = {camel(n) for n, t in annotated.items() if typing.get_origin(t) is not None}
    assert set(resource["properties"]) == expected == set(resource["required"])
    assert {
        "url",
        "distributionId",
        "distributionDomain",
        "bucketName",
        "publicBucketName",
        "edgeFunctionVersionArn",
        "edgeFunctionName",
        "edgeFunctionLogGroups",
        "clientStoreArn",
        "protectedPaths",
    } == expected
    for name, spec in resource["properties"].items():
        assert spec.get("type") and spec.get("description"), name


def test_package_files_resolve_from_the_package_not_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert HANDLER_SOURCE.is_absolute() and HANDLER_SOURCE.is_relative_to(ROOT)
    for path in error_page_files().values():
        assert path.is_absolute() and path.is_relative_to(ROOT)
        # From another project's directory the asset path is absolute, so it still resolves.
        assert Path(state_path(path)) == path
    monkeypatch.chdir(ROOT)
    path = next(iter(error_page_files().values()))
    assert state_path(path) == "error_pages/" + path.name  # the stack's state keeps its path


def test_edge_check_is_in_the_schema_beside_protected_content(schema):
    resource = schema["resources"][EDGE_TOKEN]
    assert resource["isComponent"] is True and resource["description"]
    annotated = inspect.get_annotations(EdgeCheck)
    outputs = {camel(n) for n, t in annotated.items() if typing.get_origin(t) is not None}
    assert set(resource["properties"]) == outputs
    assert {"lambdaFunctionAssociations", "functionAssociations"} <= outputs
    for name in ("lambdaFunctionAssociations", "functionAssociations"):
        assert resource["properties"][name]["type"] == "array", name


@pytest.mark.parametrize("token", [TOKEN, EDGE_TOKEN])
def test_input_descriptions_are_the_input_specs_docs(schema, token):
    """The schema's text comes from components/inputs.py, through the generated args types."""
    for key, spec in schema["resources"][token]["inputProperties"].items():
        name = next(n for n in BY_NAME if camel(n) == key)
        assert spec["description"] == BY_NAME[name].doc, key
    client = schema["types"]["protected-cdn:index:ClientArgs"]["properties"]
    assert {key: spec["description"] for key, spec in client.items()} == {
        camel(field.name): field.doc for field in CLIENT_FIELDS
    }


def test_the_provider_serves_both_components_from_a_project_with_its_own_components(tmp_path):
    """The provider route from a team's project whose own `components` package is on the
    path: the provider loads this repository's, never the team's."""
    team = tmp_path / "team-project"
    (team / "components").mkdir(parents=True)
    (team / "components" / "__init__.py").write_text(
        "raise ImportError('the team project components package was imported')\n"
    )
    with started(
        [sys.executable, str(PROVIDER_DIR), ENGINE_ADDRESS],
        cwd=team,
        env={**os.environ, "PYTHONPATH": str(team)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        line = process.stdout.readline()
        assert line.strip().isdigit(), f"no port from the provider: {process.stderr.read()}"
        with grpc.insecure_channel(f"127.0.0.1:{int(line)}") as channel:
            stub = provider_pb2_grpc.ResourceProviderStub(channel)
            request = provider_pb2.GetSchemaRequest(version=0)
            schema = json.loads(stub.GetSchema(request, timeout=30).schema)
    assert {TOKEN, EDGE_TOKEN} <= set(schema["resources"])
