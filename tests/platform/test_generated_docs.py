"""The documents generated from code (AsyncAPI, topic definitions) are committed up to date."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_generated_documents_are_up_to_date() -> None:
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "scripts" / "export_docs.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_contract_schemas_are_up_to_date_and_compatible() -> None:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "cpf_contracts.schemas", "check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
