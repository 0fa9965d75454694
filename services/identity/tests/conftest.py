"""Fixtures shared by identity's unit and integration tests."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from identity.domain.account import Account, AccountKind, AccountStatus

NewAccount = Callable[..., Account]


@pytest.fixture
def new_account() -> NewAccount:
    """An active titulaire (password ``Abcde123`` for the fake hasher), with ``changes``."""

    def make(kind: AccountKind = AccountKind.TITULAIRE, **changes: Any) -> Account:
        base = Account(
            id=uuid.uuid4(),
            kind=kind,
            login="255081416802538",
            email="jean.dupont@example.org",
            title="M",
            first_name="Jean",
            last_name="Dupont",
            password_hash="hash:Abcde123",  # noqa: S106  (the fake hasher's format)
            status=AccountStatus.ACTIVE,
            created_at=datetime(2025, 1, 1, tzinfo=UTC),
        )
        return dataclasses.replace(base, **changes)

    return make
