"""The committed JSON Schemas: export, staleness, and the breaking-change rule."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import uuid
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import pytest
from cpf_contracts.base import registry
from cpf_contracts.schemas import (
    DEFAULT_DIR,
    check,
    compatibility_problems,
    expected_schemas,
    export,
    render,
)
from pydantic import BaseModel, ConfigDict


class _Contract(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def schema(model: type[BaseModel], **coordinates: Any) -> dict[str, Any]:
    # As export writes it, through JSON, so that the comparison sees what a file holds.
    full = {"x-topic": "svc.agg", "x-key": "id", **model.model_json_schema(), **coordinates}
    return json.loads(render(full))


# --- compatibility_problems ------------------------------------------------------------------


class Base(_Contract):
    id: uuid.UUID
    login: str
    attempts: int
    kind: Literal["a", "b", "c"]
    nickname: str | None = None


def test_an_identical_schema_is_compatible() -> None:
    assert compatibility_problems(schema(Base), schema(Base)) == []


def test_every_declared_schema_is_compatible_with_itself() -> None:
    for new in expected_schemas().values():
        assert compatibility_problems(json.loads(render(new)), new) == []


def test_a_removed_field_is_breaking() -> None:
    class New(_Contract):
        id: uuid.UUID
        attempts: int
        kind: Literal["a", "b", "c"]
        nickname: str | None = None

    assert compatibility_problems(schema(Base), schema(New)) == ["field 'login' was removed"]


def test_a_retyped_field_is_breaking() -> None:
    class New(_Contract):
        id: uuid.UUID
        login: str
        attempts: str
        kind: Literal["a", "b", "c"]
        nickname: str | None = None

    assert compatibility_problems(schema(Base), schema(New)) == [
        "field 'attempts' changed type from integer to string"
    ]


def test_a_changed_format_is_breaking() -> None:
    class New(_Contract):
        id: datetime
        login: str
        attempts: int
        kind: Literal["a", "b", "c"]
        nickname: str | None = None

    assert compatibility_problems(schema(Base), schema(New)) == [
        "field 'id' changed format from uuid to date-time"
    ]


def test_a_new_required_field_is_breaking() -> None:
    class New(Base):
        tenant: str

    assert compatibility_problems(schema(Base), schema(New)) == ["new required field 'tenant'"]


def test_a_field_that_became_required_is_breaking() -> None:
    class New(_Contract):
        id: uuid.UUID
        login: str
        attempts: int
        kind: Literal["a", "b", "c"]
        nickname: str | None

    assert compatibility_problems(schema(Base), schema(New)) == ["field 'nickname' became required"]


def test_a_field_that_no_longer_accepts_null_is_breaking() -> None:
    class New(_Contract):
        id: uuid.UUID
        login: str
        attempts: int
        kind: Literal["a", "b", "c"]
        nickname: str = ""

    assert compatibility_problems(schema(Base), schema(New)) == [
        "field 'nickname' no longer accepts null (now string)"
    ]


def test_an_added_optional_field_is_compatible() -> None:
    class New(Base):
        comment: str | None = None

    assert compatibility_problems(schema(Base), schema(New)) == []


def test_a_narrowed_literal_is_breaking() -> None:
    class New(_Contract):
        id: uuid.UUID
        login: str
        attempts: int
        kind: Literal["a", "c"]
        nickname: str | None = None

    assert compatibility_problems(schema(Base), schema(New)) == [
        "field 'kind' no longer accepts \"b\""
    ]


def test_a_narrowed_enum_is_breaking_and_a_widened_one_is_not() -> None:
    class Small(StrEnum):
        A = "a"

    class Large(StrEnum):
        A = "a"
        B = "b"

    class Old(_Contract):
        level: Large

    class New(_Contract):
        level: Small

    assert compatibility_problems(schema(Old), schema(New)) == [
        "field 'level' no longer accepts \"b\""
    ]
    assert compatibility_problems(schema(New), schema(Old)) == []


def test_widening_is_compatible() -> None:
    class New(_Contract):
        id: str  # the uuid format dropped
        login: str
        attempts: float  # every integer is a number
        kind: str  # the Literal dropped
        nickname: str | int | None = None

    assert compatibility_problems(schema(Base), schema(New)) == []


def test_narrowing_a_string_to_a_literal_is_breaking() -> None:
    class New(_Contract):
        id: uuid.UUID
        login: Literal["x"]
        attempts: int
        kind: Literal["a", "b", "c"]
        nickname: str | None = None

    assert compatibility_problems(schema(Base), schema(New)) == [
        "field 'login' now only accepts \"x\" (it accepted any string)"
    ]


def test_a_nested_model_is_compared_field_by_field() -> None:
    class OldAddress(_Contract):
        street: str
        city: str

    class NewAddress(_Contract):
        street: str

    class Old(_Contract):
        address: OldAddress
        history: list[OldAddress] = []

    class New(_Contract):
        address: NewAddress
        history: list[NewAddress] = []

    assert compatibility_problems(schema(Old), schema(New)) == [
        "field 'address.city' was removed",
        "field 'history[].city' was removed",
    ]


def test_a_recursive_model_is_compared_without_looping() -> None:
    class Node(_Contract):
        name: str
        children: list[Node] = []
        parent: Node | None = None

    assert compatibility_problems(schema(Node), schema(Node)) == []


def test_a_changed_topic_or_key_is_breaking() -> None:
    problems = compatibility_problems(
        schema(Base), schema(Base, **{"x-topic": "svc.other", "x-key": "login"})
    )
    assert problems == [
        "topic changed from 'svc.agg' to 'svc.other'",
        "key field changed from 'id' to 'login'",
    ]


def test_a_keyword_the_check_does_not_know_fails_loudly() -> None:
    old = schema(Base)
    new = json.loads(json.dumps(old))
    new["properties"]["login"]["contentEncoding"] = "base64"
    assert compatibility_problems(old, new) == [
        "field 'login': keyword 'contentEncoding' changed, which this check cannot judge"
    ]


# --- the committed folder --------------------------------------------------------------------


def test_the_committed_schemas_are_current_and_compatible() -> None:
    assert check(DEFAULT_DIR) == []


def test_every_declared_event_has_a_committed_schema_naming_it() -> None:
    for event_type, model in registry().items():
        committed = json.loads((DEFAULT_DIR / f"{event_type}.json").read_text(encoding="utf-8"))
        assert committed["$id"] == model.schema_url()
        assert committed["x-topic"] == model.topic()
        assert committed["x-key"] == model.key_field
        assert committed["x-version"] == model.version


def test_export_writes_stable_files_and_removes_stale_ones(tmp_path: Path) -> None:
    stale = tmp_path / "fr.cpf.gone.thing.happened.v1.json"
    stale.write_text("{}\n", encoding="utf-8")
    unrelated = tmp_path / "README.txt"
    unrelated.write_text("not a schema\n", encoding="utf-8")

    first = export(tmp_path)

    assert f"removed {stale}" in first
    assert not stale.exists()
    assert unrelated.exists()
    for path in tmp_path.glob("fr.cpf.*.json"):
        text = path.read_text(encoding="utf-8")
        assert text.endswith("}\n")
        assert text == render(json.loads(text))
    assert export(tmp_path) == []  # idempotent: nothing to rewrite
    assert check(tmp_path) == []


# --- the command line ------------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  (our own interpreter and module)
        [sys.executable, "-m", "cpf_contracts.schemas", *args],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def committed_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "schemas"
    shutil.copytree(DEFAULT_DIR, copy)
    return copy


ORGANISATION = "fr.cpf.habilitation.organisation.created.v1"


def edit(folder: Path, event_type: str, change: Any) -> None:
    path = folder / f"{event_type}.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(render(document), encoding="utf-8")


def test_check_passes_on_an_untouched_copy(committed_copy: Path) -> None:
    result = run_cli("check", "--dir", str(committed_copy))
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_flags_a_field_the_code_removed(committed_copy: Path) -> None:
    # The committed schema still declares a field that the code no longer has.
    def add_field(document: dict[str, Any]) -> None:
        document["properties"]["code_naf"] = {"title": "Code Naf", "type": "string"}
        document["required"].append("code_naf")

    edit(committed_copy, ORGANISATION, add_field)

    result = run_cli("check", "--dir", str(committed_copy))

    assert result.returncode != 0
    lines = result.stdout.splitlines()
    assert f"stale: {ORGANISATION}: committed schema differs from the code; run export" in lines
    assert f"breaking: {ORGANISATION}: field 'code_naf' was removed" in lines
    assert "version = N + 1" in result.stderr


def test_check_flags_a_required_field_the_code_added(committed_copy: Path) -> None:
    # The committed schema lacks a field that the code now requires.
    def remove_field(document: dict[str, Any]) -> None:
        del document["properties"]["siret"]
        document["required"].remove("siret")

    edit(committed_copy, ORGANISATION, remove_field)

    result = run_cli("check", "--dir", str(committed_copy))

    assert result.returncode != 0
    assert f"breaking: {ORGANISATION}: new required field 'siret'" in result.stdout.splitlines()


def test_check_flags_an_event_type_the_code_removed(committed_copy: Path) -> None:
    retired = "fr.cpf.habilitation.organisation.created.v0"
    shutil.copy(committed_copy / f"{ORGANISATION}.json", committed_copy / f"{retired}.json")

    result = run_cli("check", "--dir", str(committed_copy))

    assert result.returncode != 0
    lines = result.stdout.splitlines()
    assert f"stale: {retired}: schema of a type no longer declared; run export" in lines
    assert any(line.startswith(f"breaking: {retired}: event type removed") for line in lines)


def test_check_against_a_baseline_sees_through_a_fresh_export(
    committed_copy: Path, tmp_path: Path
) -> None:
    # CI compares with the target branch: re-exporting must not hide a breaking change.
    baseline = tmp_path / "baseline"
    shutil.copytree(committed_copy, baseline)
    edit(baseline, ORGANISATION, lambda document: document["properties"].update(old={}))

    result = run_cli("check", "--dir", str(committed_copy), "--against", str(baseline))

    assert result.returncode != 0
    assert result.stdout.splitlines() == [f"breaking: {ORGANISATION}: field 'old' was removed"]


def test_export_then_check_from_the_command_line(tmp_path: Path) -> None:
    exported = run_cli("export", "--dir", str(tmp_path))
    assert exported.returncode == 0, exported.stderr
    assert sorted(path.stem for path in tmp_path.glob("*.json")) == sorted(registry())
    assert run_cli("check", "--dir", str(tmp_path)).returncode == 0
