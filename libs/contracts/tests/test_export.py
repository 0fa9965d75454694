"""The schema files: what ``export`` writes, what ``check`` reports, and the command line, run
in this process (``test_schemas.py`` also runs it as a subprocess)."""

from __future__ import annotations

import json
import locale
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cpf_contracts import schemas
from cpf_contracts.base import registry
from cpf_contracts.events.habilitation import OrganisationCreated
from cpf_contracts.schemas import (
    DEFAULT_DIR,
    JSON_SCHEMA_DIALECT,
    breaking_problems,
    check,
    committed_files,
    expected_schemas,
    export,
    main,
    render,
    schema_of,
    stale_problems,
)

ORGANISATION = "fr.cpf.habilitation.organisation.created.v1"
RETIRED = "fr.cpf.habilitation.organisation.created.v0"
BREAKING_HINT = (
    "a breaking change needs a new event class with version = N + 1, published beside the old "
    "one; see libs/contracts/README.md\n"
)


# Three types stand for all: each export or check computes every declared schema, slow
# enough that the mutation run (each test again for each mutant) would take minutes.
ISSUED = "fr.cpf.demarche.activation_code.issued.v1"  # its schema is not all ASCII
FEW = (ORGANISATION, "fr.cpf.identity.account.deleted.v1", ISSUED)


@pytest.fixture(autouse=True)
def few(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Only three declared types, as the schemas module sees the registry."""
    every = registry()
    monkeypatch.setattr(schemas, "registry", lambda: {t: every[t] for t in reversed(FEW)})
    return sorted(FEW)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the three types' committed schemas, to edit."""
    copy = tmp_path / "schemas"
    copy.mkdir()
    for event_type in FEW:
        shutil.copy(DEFAULT_DIR / f"{event_type}.json", copy)
    return copy


def edit(folder: Path, event_type: str, change: Any) -> None:
    path = folder / f"{event_type}.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(render(document), encoding="utf-8")


def add_old_field(document: dict[str, Any]) -> None:
    document["properties"]["old"] = {"type": "string"}


# --- schema_of, render, expected_schemas -----------------------------------------------------


def test_the_schema_of_an_event_carries_its_bus_coordinates() -> None:
    schema = schema_of(OrganisationCreated)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert JSON_SCHEMA_DIALECT == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == (
        "https://schemas.cpf.example/events/fr.cpf.habilitation.organisation.created.v1.json"
    )
    assert schema["x-topic"] == "habilitation.organisation"
    assert schema["x-key"] == "organisation_id"
    assert schema["x-version"] == 1
    payload = {k: v for k, v in schema.items() if k not in ("$schema", "$id") and k[:2] != "x-"}
    assert payload == OrganisationCreated.model_json_schema()


def test_a_schema_is_rendered_with_sorted_keys_two_spaces_and_a_final_newline() -> None:
    assert render({"b": 1, "a": {"é": [1, None]}}) == (
        '{\n  "a": {\n    "é": [\n      1,\n      null\n    ]\n  },\n  "b": 1\n}\n'
    )


def test_the_expected_schemas_are_every_declared_type_in_order() -> None:
    expected = expected_schemas()
    assert list(expected) == sorted(FEW)
    assert expected[ORGANISATION] == schema_of(OrganisationCreated)


def test_the_committed_files_are_the_schemas_rendered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(schemas, "registry", registry)  # all of them, this once
    assert len(expected_schemas()) == len(registry())
    for event_type, schema in expected_schemas().items():
        path = DEFAULT_DIR / f"{event_type}.json"
        assert path.read_bytes() == render(schema).encode("utf-8")


# --- committed_files -------------------------------------------------------------------------


def test_the_committed_files_are_found_by_event_type(tmp_path: Path) -> None:
    for name in (f"{ORGANISATION}.json", "fr.cpf.a.b.c.v1.json", "other.json", "fr.cpf.x.txt"):
        (tmp_path / name).write_text("{}\n", encoding="utf-8")
    (tmp_path / "fr.json").write_text("{}\n", encoding="utf-8")
    assert committed_files(tmp_path) == {
        "fr.cpf.a.b.c.v1": tmp_path / "fr.cpf.a.b.c.v1.json",
        ORGANISATION: tmp_path / f"{ORGANISATION}.json",
    }
    assert list(committed_files(tmp_path)) == ["fr.cpf.a.b.c.v1", ORGANISATION]


def test_a_missing_folder_has_no_committed_files(tmp_path: Path) -> None:
    assert committed_files(tmp_path / "absent") == {}
    # A file named like the folder is no folder.
    (tmp_path / "file").write_text("", encoding="utf-8")
    assert committed_files(tmp_path / "file") == {}


# --- export ----------------------------------------------------------------------------------


def test_export_creates_the_folder_and_says_what_it_wrote(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b"
    changes = export(target)
    assert changes == [f"wrote {target / event_type}.json" for event_type in sorted(FEW)]
    for event_type, schema in expected_schemas().items():
        assert (target / f"{event_type}.json").read_bytes() == render(schema).encode("utf-8")
    assert export(target) == []


def test_export_rewrites_only_a_file_that_differs(folder: Path) -> None:
    edit(folder, ORGANISATION, add_old_field)
    path = folder / f"{ORGANISATION}.json"
    assert export(folder) == [f"wrote {path}"]
    assert path.read_text(encoding="utf-8") == render(schema_of(OrganisationCreated))


def test_export_keeps_a_file_that_only_has_crlf_line_ends(folder: Path) -> None:
    path = folder / f"{ORGANISATION}.json"
    crlf = path.read_bytes().replace(b"\n", b"\r\n")
    path.write_bytes(crlf)
    assert export(folder) == []
    assert path.read_bytes() == crlf
    assert stale_problems(folder) == []


def test_export_removes_the_files_of_types_no_longer_declared(folder: Path) -> None:
    retired = folder / f"{RETIRED}.json"
    shutil.copy(folder / f"{ORGANISATION}.json", retired)
    assert export(folder) == [f"removed {retired}"]
    assert not retired.exists()


def test_export_writes_utf8_with_lf(tmp_path: Path) -> None:
    export(tmp_path)
    raw = (tmp_path / f"{ISSUED}.json").read_bytes()
    assert b"\r\n" not in raw
    assert "é".encode() in raw
    assert raw.decode("utf-8") == render(expected_schemas()[ISSUED])


@pytest.fixture
def ascii_locale() -> Iterator[None]:
    """A machine whose locale is plain C (ASCII), as some CI runners are."""
    previous = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")
    try:
        yield
    finally:
        locale.setlocale(locale.LC_CTYPE, previous)


@pytest.mark.usefixtures("ascii_locale")
def test_the_files_are_utf8_whatever_the_locale(folder: Path, tmp_path: Path) -> None:
    assert locale.getencoding() != "UTF-8"  # open() without an encoding would be ASCII
    assert stale_problems(folder) == []
    assert breaking_problems(folder) == []
    target = tmp_path / "exported"
    assert len(export(target)) == len(FEW)
    raw = (target / f"{ISSUED}.json").read_bytes()
    assert raw.decode("utf-8") == render(expected_schemas()[ISSUED])


# --- stale_problems, breaking_problems, check ------------------------------------------------


def test_a_missing_folder_is_stale(tmp_path: Path) -> None:
    absent = tmp_path / "absent"
    assert stale_problems(absent) == [f"schema folder {absent} does not exist; run export"]
    assert check(absent) == [f"stale: schema folder {absent} does not exist; run export"]


def test_each_kind_of_staleness_is_named(folder: Path) -> None:
    (folder / f"{ORGANISATION}.json").unlink()
    edit(folder, ISSUED, add_old_field)
    shutil.copy(folder / "fr.cpf.identity.account.deleted.v1.json", folder / f"{RETIRED}.json")
    assert stale_problems(folder) == [
        f"{ISSUED}: committed schema differs from the code; run export",
        f"{ORGANISATION}: no committed schema; run export",
        f"{RETIRED}: schema of a type no longer declared; run export",
    ]


def test_the_breaking_problems_are_prefixed_by_their_type(folder: Path) -> None:
    edit(folder, ORGANISATION, add_old_field)
    assert breaking_problems(folder) == [f"{ORGANISATION}: field 'old' was removed"]
    assert breaking_problems(folder / "absent") == []


def test_a_removed_event_type_is_breaking(folder: Path) -> None:
    shutil.copy(folder / f"{ORGANISATION}.json", folder / f"{RETIRED}.json")
    assert breaking_problems(folder) == [
        f"{RETIRED}: event type removed, its consumers would break (keep declaring it while "
        "its successor is published beside it)"
    ]


def test_every_committed_type_is_checked_after_a_removed_one(folder: Path) -> None:
    retired = "fr.cpf.a.b.c.v1"  # sorts before the others
    shutil.copy(folder / f"{ORGANISATION}.json", folder / f"{retired}.json")
    edit(folder, ORGANISATION, add_old_field)
    assert [problem.split(":")[:2] for problem in breaking_problems(folder)] == [
        [
            retired,
            " event type removed, its consumers would break (keep declaring it while its "
            "successor is published beside it)",
        ],
        [ORGANISATION, " field 'old' was removed"],
    ]


def test_an_unreadable_schema_is_reported_and_the_others_still_checked(folder: Path) -> None:
    bad = folder / "fr.cpf.a.b.c.v1.json"
    bad.write_text("{not json", encoding="utf-8")
    edit(folder, ORGANISATION, add_old_field)
    assert breaking_problems(folder) == [
        f"fr.cpf.a.b.c.v1: cannot read {bad}: Expecting property name enclosed in double "
        "quotes: line 1 column 2 (char 1)",
        f"{ORGANISATION}: field 'old' was removed",
    ]
    bad.write_bytes(b'{"a": "\xff"}')
    assert breaking_problems(folder)[0].startswith(f"fr.cpf.a.b.c.v1: cannot read {bad}: ")


def test_a_schema_folder_that_is_a_file_cannot_be_read(folder: Path) -> None:
    (folder / "fr.cpf.a.b.c.v1.json").mkdir()
    problems = breaking_problems(folder)
    assert len(problems) == 1
    assert problems[0].startswith(f"fr.cpf.a.b.c.v1: cannot read {folder}/fr.cpf.a.b.c.v1.json: ")


def test_check_prefixes_stale_then_breaking(folder: Path) -> None:
    edit(folder, ORGANISATION, add_old_field)
    assert check(folder) == [
        f"stale: {ORGANISATION}: committed schema differs from the code; run export",
        f"breaking: {ORGANISATION}: field 'old' was removed",
    ]


def test_check_against_a_baseline_judges_breaking_changes_on_the_baseline(
    folder: Path, tmp_path: Path
) -> None:
    baseline = tmp_path / "baseline"
    shutil.copytree(folder, baseline)
    edit(baseline, ORGANISATION, add_old_field)
    assert check(folder, against=baseline) == [f"breaking: {ORGANISATION}: field 'old' was removed"]
    assert check(baseline, against=folder) == [
        f"stale: {ORGANISATION}: committed schema differs from the code; run export"
    ]
    assert check(folder) == []


# --- the command line ------------------------------------------------------------------------


def test_export_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--dir", str(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[-1] == f"3 event schemas up to date in {tmp_path}"
    assert out.splitlines()[:-1] == [f"wrote {tmp_path / t}.json" for t in sorted(FEW)]
    assert err == ""

    assert main(["export", "--dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out == f"3 event schemas up to date in {tmp_path}\n"


def test_export_warns_of_a_breaking_change_and_goes_on(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(folder / f"{ORGANISATION}.json", folder / f"{RETIRED}.json")
    assert main(["export", "--dir", str(folder)]) == 0
    out, err = capsys.readouterr()
    assert err == (
        f"warning, breaking: {RETIRED}: event type removed, its consumers would break (keep "
        "declaring it while its successor is published beside it)\n"
    )
    assert out == (f"removed {folder / RETIRED}.json\n3 event schemas up to date in {folder}\n")


def test_check_from_the_command_line(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--dir", str(folder)]) == 0
    assert capsys.readouterr() == (
        "3 event schemas up to date and compatible\n",
        "",
    )


def test_check_without_dir_reads_the_committed_folder(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(schemas, "registry", registry)  # the committed folder has them all
    assert main(["check"]) == 0
    assert capsys.readouterr().out == f"{len(registry())} event schemas up to date and compatible\n"


def test_check_fails_on_a_breaking_change_and_says_how_to_make_one(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(folder, ORGANISATION, add_old_field)
    assert main(["check", "--dir", str(folder)]) == 1
    out, err = capsys.readouterr()
    assert out == (
        f"stale: {ORGANISATION}: committed schema differs from the code; run export\n"
        f"breaking: {ORGANISATION}: field 'old' was removed\n"
    )
    assert err == BREAKING_HINT


def test_check_fails_on_a_stale_folder_without_the_breaking_hint(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / f"{ORGANISATION}.json").unlink()
    assert main(["check", "--dir", str(folder)]) == 1
    assert capsys.readouterr() == (f"stale: {ORGANISATION}: no committed schema; run export\n", "")


def test_check_against_from_the_command_line(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = tmp_path / "baseline"
    shutil.copytree(folder, baseline)
    edit(baseline, ORGANISATION, add_old_field)
    assert main(["check", "--dir", str(folder), "--against", str(baseline)]) == 1
    out, err = capsys.readouterr()
    assert out == f"breaking: {ORGANISATION}: field 'old' was removed\n"
    assert err == BREAKING_HINT


def test_a_command_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: python -m cpf_contracts.schemas [-h] {export,check} ...")
    assert "the following arguments are required: command" in err


def words(text: str) -> str:
    return " ".join(text.split())


def test_the_help_names_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = words(capsys.readouterr().out)
    assert out.startswith("usage: python -m cpf_contracts.schemas [-h] {export,check} ...")
    assert " Export or check the committed JSON Schemas of the events. " in out
    assert "export write one schema file per event type" in out
    assert "check fail if the schemas are stale or the code breaks a consumer" in out


def test_the_help_of_check_names_its_folders(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # no line broken inside the folder's path
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    out = words(capsys.readouterr().out)
    assert out.startswith("usage: python -m cpf_contracts.schemas check [-h] [--dir DIR]")
    assert "[--against AGAINST]" in out
    assert words(f"--dir DIR schema folder (default: {DEFAULT_DIR})") in out
    assert (
        "--against AGAINST folder of the schemas consumers rely on, e.g. the target branch's "
        "(default: --dir)"
    ) in out


def test_the_help_of_export_names_its_folder(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    out = words(capsys.readouterr().out)
    assert out.startswith("usage: python -m cpf_contracts.schemas export [-h] [--dir DIR]")
    assert words(f"--dir DIR schema folder (default: {DEFAULT_DIR})") in out
    assert "--against" not in out


def test_export_takes_no_against(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["export", "--dir", str(tmp_path), "--against", str(tmp_path)])
    assert exit_.value.code == 2
    assert "unrecognized arguments: --against" in capsys.readouterr().err


def test_outside_the_checkout_the_folder_must_be_given(
    tmp_path: Path,
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(schemas, "_LIBRARY_ROOT", tmp_path)
    with pytest.raises(SystemExit) as exit_:
        main(["check"])
    assert exit_.value.code == (
        "cpf_contracts.schemas: not running from the libs/contracts checkout; pass --dir explicitly"
    )
    # With --dir, no checkout is needed.
    assert main(["check", "--dir", str(folder)]) == 0
    capsys.readouterr()


def test_in_the_checkout_the_default_folder_is_the_library_schemas() -> None:
    assert DEFAULT_DIR == schemas._LIBRARY_ROOT / "schemas"
    assert (schemas._LIBRARY_ROOT / "pyproject.toml").is_file()
    assert schemas._default_dir() == DEFAULT_DIR
