"""The AsyncAPI documents describe the wire, and the official parser accepts them.

``@asyncapi/parser`` (npm) runs from tools/asyncapi/ (package.json and package-lock.json
committed, node_modules git-ignored and installed here with ``npm ci`` when missing). A
document it refuses, and a record whose envelope its message schema refuses, fail the suite.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from cpf_contracts.envelope import CONTENT_TYPE
from cpf_contracts.events.identity import AccountRegistered

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "asyncapi"
DOCUMENTS = sorted((ROOT / "docs" / "asyncapi").glob("*.json"))


@pytest.fixture(scope="module")
def node() -> str:
    node = shutil.which("node")
    npm = shutil.which("npm")
    assert node and npm, "node and npm are needed to run the AsyncAPI parser"
    if not (TOOL / "node_modules" / "@asyncapi" / "parser").is_dir():
        subprocess.run(  # noqa: S603 - fixed command, the committed lock file
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
            cwd=TOOL,
            check=True,
            capture_output=True,
            timeout=600,
        )
    return node


def parse(node: str, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [node, "validate.mjs", *map(str, files)],
        cwd=TOOL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_official_parser_accepts_every_document(node: str) -> None:
    assert len(DOCUMENTS) == 5
    result = parse(node, *DOCUMENTS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(": valid") == len(DOCUMENTS)


def test_the_parser_refuses_a_broken_document(node: str, tmp_path: Path) -> None:
    document = json.loads(DOCUMENTS[0].read_text())
    channel = next(iter(document["channels"].values()))
    channel["servers"] = [{"$ref": "#/servers/nowhere"}]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(document))
    result = parse(node, broken)
    assert result.returncode == 1, result.stdout


def messages() -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    found = []
    for path in DOCUMENTS:
        document = json.loads(path.read_text())
        for topic, channel in document["channels"].items():
            for message in channel["messages"].values():
                found.append((path.stem, topic, channel, message))
    return found


def test_each_message_is_the_record_on_the_wire() -> None:
    assert messages()
    for service, topic, channel, message in messages():
        assert channel["address"] == topic
        assert channel["bindings"]["kafka"]["topic"] == topic, service
        assert channel["servers"] == [{"$ref": "#/servers/kafka"}]
        assert message["bindings"]["kafka"]["key"]["type"] == "string"
        header = message["headers"]["properties"]["content-type"]
        assert header["const"] == CONTENT_TYPE
        payload = message["payload"]
        assert payload["properties"]["type"]["const"] == message["name"]
        assert {"specversion", "id", "source", "subject", "data"} <= set(payload["required"])
        data = payload["properties"]["data"]
        assert data["type"] == "object" and data["properties"], message["name"]
    for path in DOCUMENTS:
        document = json.loads(path.read_text())
        assert document["servers"]["kafka"]["protocol"] == "kafka"


def payload_validator(event_type: str) -> jsonschema.protocols.Validator:
    [payload] = [m["payload"] for _, _, _, m in messages() if m["name"] == event_type][:1]
    cls = jsonschema.Draft202012Validator
    cls.check_schema(payload)
    return cls(payload, format_checker=cls.FORMAT_CHECKER)


def test_an_envelope_as_the_relay_writes_it_matches_its_message_schema() -> None:
    event = AccountRegistered(
        account_id=uuid.uuid4(),
        kind="portail",
        login="claire@example.fr",
        email="claire@example.fr",
        civilite="MME",
        prenom="Claire",
        nom="Martin",
        activation_link_sealed="sealed",
        activation_expires_at=datetime(2026, 12, 1, 13, 5, tzinfo=UTC),
    )
    envelope = json.loads(
        event.to_cloudevent(traceparent="00-" + "1" * 32 + "-" + "2" * 16 + "-01").to_bytes()
    )
    validator = payload_validator(AccountRegistered.event_type())
    assert list(validator.iter_errors(envelope)) == []
    for wrong in (
        envelope | {"type": "fr.cpf.identity.account.other.v1"},
        envelope | {"data": envelope["data"] | {"kind": "inconnu"}},
        {k: v for k, v in envelope.items() if k != "data"},
        envelope | {"data": {k: v for k, v in envelope["data"].items() if k != "login"}},
    ):
        assert list(validator.iter_errors(wrong)), wrong
