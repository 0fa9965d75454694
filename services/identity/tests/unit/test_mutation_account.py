"""The stand-in account a refused request rehearses its writes for (V8, docs/mutation.md):
every field pinned, since each one reaches an INSERT of the rehearsal and must stay clear of
every real account's unique keys."""

from __future__ import annotations

from datetime import UTC, datetime

from identity.domain.account import AccountKind, AccountStatus, stand_in

NOW = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)


def test_a_stand_in_is_a_pending_account_of_its_kind_with_nothing_of_a_person() -> None:
    account = stand_in(AccountKind.PORTAIL, NOW)
    assert account.kind is AccountKind.PORTAIL
    assert account.status is AccountStatus.PENDING
    assert account.created_at == NOW
    assert (account.title, account.first_name, account.last_name) == ("M", "", "")
    assert account.password_hash == "!"  # noqa: S105  (no argon2 hash is "!": no password)


def test_a_stand_in_s_login_and_e_mail_come_from_its_own_id() -> None:
    account = stand_in(AccountKind.TITULAIRE, NOW)
    assert account.login == f"rehearsal-{account.id.hex}"
    assert account.email == f"rehearsal-{account.id.hex}@invalid"


def test_two_stand_ins_share_no_key() -> None:
    first, second = stand_in(AccountKind.TITULAIRE, NOW), stand_in(AccountKind.TITULAIRE, NOW)
    assert first.id != second.id
    assert first.login != second.login and first.email != second.email
