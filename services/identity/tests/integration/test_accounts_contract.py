"""The ``Accounts`` port's contract: what the use cases rely on, held by the in-memory and
the SQL repositories alike (the ``store`` fixture runs each test on both)."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from cpf_runtime.errors import DomainError
from identity.domain.account import Account, AccountKind, AccountStatus, CguAcceptance
from identity.domain.tokens import ActionToken, OneTimeToken, RefreshToken

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def account(new_account):
    """Accounts of ``kind`` whose login and e-mail are their own."""

    def make(kind: AccountKind = AccountKind.TITULAIRE, **changes: object) -> Account:
        unique = uuid.uuid4().hex[:8]
        own = {"login": f"login-{unique}", "email": f"{unique}@example.org", "created_at": NOW}
        return new_account(kind, **own | changes)

    return make


async def added(store, *accounts: Account) -> None:
    async with store() as uow:
        for a in accounts:
            assert await uow.accounts.add(a)


async def test_an_added_account_reads_back_as_it_was(store, account) -> None:
    saved = account(mobile="0612345678", delete_if_unused_by=NOW + timedelta(days=15))
    await added(store, saved)
    async with store() as uow:
        assert await uow.accounts.get(saved.id) == saved
        assert await uow.accounts.by_login(saved.kind, saved.login) == saved
        assert await uow.accounts.by_login(AccountKind.PORTAIL, saved.login) is None
        assert await uow.accounts.get(uuid.uuid4()) is None


async def test_a_taken_id_login_or_titulaire_e_mail_is_refused(store, account) -> None:
    first = account()
    await added(store, first)
    async with store() as uow:
        assert not await uow.accounts.add(account(id=first.id))
        assert not await uow.accounts.add(account(login=first.login))
        assert not await uow.accounts.add(account(email=first.email.upper()))
        # Another kind may share the login and the e-mail.
        assert await uow.accounts.add(
            account(AccountKind.GESTIONNAIRE, login=first.login, email=first.email)
        )
    async with store() as uow:
        found = await uow.accounts.matching(AccountKind.TITULAIRE, first.login, "x@example.org")
        assert [e.account.id for e in found] == [first.id]


async def test_a_change_counts_only_once_saved(store, account) -> None:
    saved = account()
    await added(store, saved)
    async with store() as uow:
        unsaved = await uow.accounts.get(saved.id)
        assert unsaved is not None
        unsaved.first_name = "Oubliée"
        changed = await uow.accounts.get(saved.id)
        assert changed is not None
        changed.email, changed.locked_until = "nouvelle@example.org", NOW
        await uow.accounts.save(changed)
    async with store() as uow:
        assert await uow.accounts.get(saved.id) == dataclasses.replace(
            saved, email="nouvelle@example.org", locked_until=NOW
        )


async def test_matching_finds_by_login_or_e_mail_with_the_activation_deadline(
    store, account
) -> None:
    pending = account(status=AccountStatus.PENDING, email="Jeanne@Example.org")
    await added(store, pending)
    async with store() as uow:
        for days in (15, 3):
            _, token = OneTimeToken.issue(pending.id, NOW, timedelta(days=days))
            await uow.accounts.add_activation_token(token)
    async with store() as uow:
        [by_email] = await uow.accounts.matching(pending.kind, "autre", "jeanne@EXAMPLE.org")
        [by_login] = await uow.accounts.matching(pending.kind, pending.login, "x@example.org")
        assert by_email.account == by_login.account == pending
        assert by_email.activation_expires_at == NOW + timedelta(days=15)
        assert await uow.accounts.matching(AccountKind.PORTAIL, pending.login, "x@y.org") == []


async def test_single_use_tokens_keep_their_use(store, account) -> None:
    owner = account()
    await added(store, owner)
    _, activation = OneTimeToken.issue(owner.id, NOW, timedelta(days=15))
    _, action = ActionToken.issue(owner.id, "accepter_cgu", NOW, timedelta(minutes=10), "d")
    async with store() as uow:
        await uow.accounts.add_activation_token(activation)
        await uow.accounts.add_action_token(action)
    async with store() as uow:
        found = await uow.accounts.activation_token(activation.token_hash)
        assert found == activation
        found.redeem(NOW)
        await uow.accounts.save_activation_token(found)
        spent = await uow.accounts.action_token(action.token_hash)
        assert spent == action
        spent.redeem(NOW)
        await uow.accounts.save_action_token(spent)
    async with store() as uow:
        assert (await uow.accounts.activation_token(activation.token_hash)).used_at == NOW
        assert (await uow.accounts.action_token(action.token_hash)).used_at == NOW
        assert await uow.accounts.activation_token("inconnu") is None
        assert await uow.accounts.action_token("inconnu") is None


async def test_spending_an_action_spends_its_unused_tokens_only(store, account) -> None:
    owner = account()
    await added(store, owner)
    _, reset = ActionToken.issue(owner.id, "reinitialiser", NOW, timedelta(hours=1))
    _, other = ActionToken.issue(owner.id, "changer_adresse", NOW, timedelta(hours=1))
    async with store() as uow:
        await uow.accounts.add_action_token(reset)
        await uow.accounts.add_action_token(other)
        await uow.accounts.spend_action_tokens(owner.id, "reinitialiser", NOW)
    async with store() as uow:
        assert (await uow.accounts.action_token(reset.token_hash)).used_at == NOW
        assert (await uow.accounts.action_token(other.token_hash)).used_at is None


async def test_failures_count_up_to_the_lock_and_not_while_locked(store, account) -> None:
    owner = account()
    await added(store, owner)
    until = NOW + timedelta(minutes=15)

    async def count(at: datetime) -> bool | None:
        return await uow.accounts.count_failure(
            owner.id,
            "operateur:x",
            max_failures=3,
            now=at,
            lock_until=until,
            client_address="192.0.2.1",
        )

    async with store() as uow:
        assert [await count(NOW) for _ in range(4)] == [False, False, True, None]
        assert (
            await uow.accounts.count_failure(
                uuid.uuid4(),
                "operateur:y",
                max_failures=3,
                now=NOW,
                lock_until=until,
                client_address=None,
            )
            is None
        )
    async with store() as uow:
        locked = await uow.accounts.get(owner.id)
        assert (locked.failed_logins, locked.locked_until) == (0, until)
        # One history entry per counted failure, none for the one the lock refused.
        entries = await uow.history.of(owner.id, 10)
        assert [e.what for e in entries] == ["echec_connexion"] * 3
        assert await count(until) is False  # the lock has run out: counting starts again
        await uow.accounts.reset_failures(owner.id)
    async with store() as uow:
        assert (await uow.accounts.get(owner.id)).failed_logins == 0
        assert await uow.accounts.lock_ended(until - timedelta(seconds=1), 10) == []
        [ended] = await uow.accounts.lock_ended(until, 10)
        assert ended.id == owner.id


async def test_unused_since_finds_the_never_logged_in_past_their_deadline(store, account) -> None:
    late = account(AccountKind.GESTIONNAIRE, delete_if_unused_by=NOW - timedelta(days=1))
    later = account(AccountKind.GESTIONNAIRE, delete_if_unused_by=NOW - timedelta(hours=1))
    on_time = account(AccountKind.GESTIONNAIRE, delete_if_unused_by=NOW + timedelta(hours=1))
    used = account(
        AccountKind.GESTIONNAIRE, delete_if_unused_by=NOW - timedelta(days=2), last_login_at=NOW
    )
    other_kind = account(AccountKind.OPERATEUR, delete_if_unused_by=NOW - timedelta(days=3))
    await added(store, later, on_time, used, other_kind, late)
    async with store() as uow:
        found = await uow.accounts.unused_since(AccountKind.GESTIONNAIRE, NOW, 10)
        assert [a.id for a in found] == [late.id, later.id]
        assert [a.id for a in await uow.accounts.unused_since(late.kind, NOW, 1)] == [late.id]


async def test_a_removed_account_takes_its_tokens_and_history_along(store, account) -> None:
    owner, other = account(), account()
    await added(store, owner, other)
    _, activation = OneTimeToken.issue(owner.id, NOW, timedelta(days=1))
    _, action = ActionToken.issue(owner.id, "accepter_cgu", NOW, timedelta(minutes=10))
    _, session = RefreshToken.issue(owner.id, uuid.uuid4(), NOW, timedelta(hours=8))
    async with store() as uow:
        await uow.accounts.add_activation_token(activation)
        await uow.accounts.add_action_token(action)
        await uow.accounts.add_cgu_acceptance(CguAcceptance(owner.id, "2025-01", NOW))
        await uow.accounts.add_cgu_acceptance(CguAcceptance(owner.id, "2025-01", NOW))  # twice
        await uow.refresh_tokens.add(session)
        await uow.history.record(owner.id, "connexion", NOW, None)
        await uow.history.record(other.id, "connexion", NOW, None)
    async with store() as uow:
        await uow.accounts.remove(owner.id)
    async with store() as uow:
        assert await uow.accounts.get(owner.id) is None
        assert await uow.accounts.activation_token(activation.token_hash) is None
        assert await uow.accounts.action_token(action.token_hash) is None
        assert await uow.refresh_tokens.get(session.token_hash) is None
        assert await uow.history.of(owner.id, 10) == []
        assert len(await uow.history.of(other.id, 10)) == 1


class Refused(DomainError):
    pass


class RefusedButKept(DomainError):
    keeps_changes = True


async def test_a_refusal_rolls_back_unless_it_keeps_its_changes(store, account) -> None:
    dropped, kept = account(), account()
    with pytest.raises(Refused):
        async with store() as uow:
            await uow.accounts.add(dropped)
            raise Refused()
    with pytest.raises(RefusedButKept):
        async with store() as uow:
            await uow.accounts.add(kept)
            raise RefusedButKept()
    async with store() as uow:
        assert await uow.accounts.get(dropped.id) is None
        assert await uow.accounts.get(kept.id) == kept
