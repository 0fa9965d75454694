"""The five services keep one shape (ARCHITECTURE.md, "Layout of a service"; issue 9).

A newcomer finds the same folders and files in each service; the layers keep their rules:
no SQL and no HTTP in ``app/`` and ``domain/``, no repository built by a route, no function
longer than a screen, and a README that opens with the same sections.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = {
    "identity": "identity",
    "habilitation": "habilitation",
    "demarche": "demarche",
    "account-cpf": "account_cpf",
    "notifier": "notifier",
}
REQUIRED = [
    "domain/__init__.py",
    "app/__init__.py",
    "store/__init__.py",
    "store/tables.py",
    "store/uow.py",
    "store/fake.py",
    "adapters/__init__.py",
    "api/__init__.py",
    "api/deps.py",
    "api/schemas.py",
    "api/errors.py",
    "consumers.py",
    "jobs.py",
    "commands.py",
    "settings.py",
    "main.py",
]
README_SECTIONS = [
    "## What it owns",
    "## API",
    "## Events",
    "## Settings",
    "## Commands",
    "## Layout",
    "## Decisions",
]
MAX_FUNCTION_LINES = 60
HTTP_MODULES = ("fastapi", "starlette", "cpf_runtime.problems")


def package(service: str) -> Path:
    return ROOT / "services" / service / "src" / SERVICES[service]


def sources(service: str, *layers: str) -> list[Path]:
    root = package(service)
    folders = [root / layer for layer in layers] if layers else [root]
    return sorted(
        path
        for folder in folders
        for path in folder.rglob("*.py")
        if "migrations" not in path.relative_to(root).parts
    )


def imported_modules(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_service_has_the_same_folders_and_files(service: str) -> None:
    missing = [name for name in REQUIRED if not (package(service) / name).is_file()]
    assert not missing, f"{service} lacks {missing}"


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_use_cases_and_domain_speak_neither_sql_nor_http(service: str) -> None:
    offences = []
    for path in sources(service, "app", "domain"):
        tree = ast.parse(path.read_text())
        for module in imported_modules(tree):
            if module.split(".")[0] == "sqlalchemy" or module.startswith(HTTP_MODULES):
                offences.append(f"{path.relative_to(ROOT)} imports {module}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id in {"Problem", "HTTPException"}:
                offences.append(f"{path.relative_to(ROOT)}:{node.lineno} names {node.id}")
            if isinstance(node, ast.keyword | ast.Attribute) and "status_code" in (
                getattr(node, "arg", None) or getattr(node, "attr", "")
            ):
                offences.append(f"{path.relative_to(ROOT)}:{node.lineno} sets a status code")
    assert not offences, "\n".join(offences)


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_no_route_builds_a_repository(service: str) -> None:
    offences = []
    for path in sources(service, "api"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", "")
                if re.match(r"^(Sql|InMemory|Fake)[A-Z]", name):
                    offences.append(f"{path.relative_to(ROOT)}:{node.lineno} builds {name}")
    assert not offences, "\n".join(offences)


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_no_function_is_longer_than_a_screen(service: str) -> None:
    offences = []
    for path in sources(service):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    offences.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {length}")
    assert not offences, "functions over 60 lines:\n" + "\n".join(offences)


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_every_readme_opens_with_the_same_sections(service: str) -> None:
    readme = ROOT / "services" / service / "README.md"
    headings = [line.strip() for line in readme.read_text().splitlines() if line.startswith("## ")]
    assert headings[: len(README_SECTIONS)] == README_SECTIONS, headings
    assert readme.read_text().startswith(f"# {service}")
