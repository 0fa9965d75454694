from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def state_dir() -> Iterator[Path]:
    # Not pytest's tmp_path: /tmp/pytest-of-root is mode 0700, out of reach of the postgres
    # user that runs PostgreSQL when the tests run as root.
    folder = Path(tempfile.mkdtemp(prefix="cpf-local-test-", dir="/tmp"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)
