"""The store's contract: one suite, run on the in-memory fake and on the SQL repositories.

What the use cases rely on (one message per cause, the oldest due claimed first, what
``save`` keeps, the ops search, the latest contact wins) holds for both, so a unit test
on the fake says something about production.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeAlias

from cpf_runtime.contract_testing import fake_and_sql
from notifier.domain.messages import Contact, DeliveryFailure, Email, MessageStatus, RetryPolicy
from notifier.store.fake import FakeNotifierUnitOfWork
from notifier.store.uow import NotifierUnitOfWork

NOW = datetime.now(UTC).replace(microsecond=0)
UowFactory: TypeAlias = Callable[[], FakeNotifierUnitOfWork | NotifierUnitOfWork]


uows = fake_and_sql(FakeNotifierUnitOfWork)


def email(recipient: str = "marie@example.test") -> Email:
    return Email("titulaire_activation", recipient, {"prenom": "Marie", "link_sealed": "S"})


async def queue(uows: UowFactory, *recipients: str, now: datetime = NOW) -> list[uuid.UUID]:
    causes = []
    for recipient in recipients:
        cause = uuid.uuid4()
        async with uows() as uow:
            assert await uow.messages.queue(cause_event_id=cause, email=email(recipient), now=now)
        causes.append(cause)
    return causes


async def test_one_message_per_cause(uows: UowFactory) -> None:
    [cause] = await queue(uows, "marie@example.test")
    async with uows() as uow:
        assert not await uow.messages.queue(cause_event_id=cause, email=email(), now=NOW)
        [message], total = await uow.messages.list_latest(
            status=None, recipient=None, limit=10, offset=0
        )
    assert total == 1
    assert (message.cause_event_id, message.recipient) == (cause, "marie@example.test")
    assert message.status is MessageStatus.QUEUED
    assert (message.attempts, message.rejections, message.next_attempt_at) == (0, 0, NOW)
    assert message.context == {"prenom": "Marie", "link_sealed": "S"}


async def test_one_message_per_cause_and_key(uows: UowFactory) -> None:
    # An access request reaches each gestionnaire: one message per recipient's key, once.
    cause = uuid.uuid4()
    keyed = [Email("demande_acces", r, {}, key=r) for r in ("a@example.test", "b@example.test")]
    async with uows() as uow:
        queued = [await uow.messages.queue(cause_event_id=cause, email=e, now=NOW) for e in keyed]
        assert queued == [True, True]
        assert not await uow.messages.queue(cause_event_id=cause, email=keyed[1], now=NOW)
    async with uows() as uow:
        assert not await uow.messages.queue(cause_event_id=cause, email=keyed[0], now=NOW)
        messages, total = await uow.messages.list_latest(
            status=None, recipient=None, limit=10, offset=0
        )
    assert total == 2
    assert sorted(m.recipient for m in messages) == ["a@example.test", "b@example.test"]
    assert {m.cause_event_id for m in messages} == {cause}


async def test_the_oldest_due_message_is_claimed_and_a_later_one_waits(uows: UowFactory) -> None:
    first, _ = await queue(uows, "a@example.test", "b@example.test")
    await queue(uows, "later@example.test", now=NOW + timedelta(hours=1))
    async with uows() as uow:
        claimed = await uow.messages.claim_due(now=NOW)
    assert claimed is not None and claimed.cause_event_id == first
    async with uows() as uow:
        assert await uow.messages.claim_due(now=NOW - timedelta(seconds=1)) is None


async def test_save_keeps_what_delivery_changed(uows: UowFactory) -> None:
    await queue(uows, "a@example.test")
    policy = RetryPolicy(initial_seconds=1, max_seconds=30, max_rejections=1)
    async with uows() as uow:
        message = await uow.messages.claim_due(now=NOW)
        assert message is not None
        message.start_attempt(NOW)
        assert message.failed(DeliveryFailure("550 non", permanent=True), now=NOW, policy=policy)
        await uow.messages.save(message)
    async with uows() as uow:
        assert await uow.messages.claim_due(now=NOW + timedelta(days=1)) is None  # dead
        stored = await uow.messages.get(message.id)
    assert stored == message
    assert stored.status is MessageStatus.DEAD and stored.context == {"prenom": "Marie"}
    assert (stored.attempts, stored.rejections, stored.last_error) == (1, 1, "550 non")


async def test_a_change_not_saved_is_not_kept(uows: UowFactory) -> None:
    await queue(uows, "a@example.test")
    async with uows() as uow:
        message = await uow.messages.claim_due(now=NOW)
        assert message is not None
        message.sent(NOW)
    async with uows() as uow:
        stored = await uow.messages.get(message.id)
    assert stored is not None and stored.status is MessageStatus.QUEUED


async def test_search_latest_first_by_status_and_recipient_whatever_its_case(
    uows: UowFactory,
) -> None:
    await queue(uows, "t0@example.test", "t1@example.test", "t2@example.test")
    async with uows() as uow:
        page, total = await uow.messages.list_latest(status=None, recipient=None, limit=2, offset=0)
        rest, _ = await uow.messages.list_latest(status=None, recipient=None, limit=2, offset=2)
        one, found = await uow.messages.list_latest(
            status=MessageStatus.QUEUED, recipient=" T1@Example.test ", limit=10, offset=0
        )
        _, sent = await uow.messages.list_latest(
            status=MessageStatus.SENT, recipient=None, limit=10, offset=0
        )
        assert await uow.messages.get(uuid.uuid4()) is None
    assert total == 3 and [m.recipient for m in page] == ["t2@example.test", "t1@example.test"]
    assert [m.recipient for m in rest] == ["t0@example.test"]
    assert found == 1 and [m.recipient for m in one] == ["t1@example.test"]
    assert sent == 0


async def test_contacts_latest_wins_follow_a_change_and_are_forgotten(uows: UowFactory) -> None:
    account, other = uuid.uuid4(), uuid.uuid4()
    async with uows() as uow:
        await uow.contacts.remember(
            account_id=account, kind="titulaire", contact=Contact("a@x.test", "A", "B"), now=NOW
        )
        await uow.contacts.remember(
            account_id=account, kind="titulaire", contact=Contact("b@x.test", "C", "D"), now=NOW
        )
        await uow.contacts.change_email(account_id=other, email="nobody@x.test", now=NOW)
    async with uows() as uow:
        assert await uow.contacts.find(account) == Contact("b@x.test", "C", "D")
        assert await uow.contacts.find(other) is None  # a change never creates a contact
        await uow.contacts.change_email(account_id=account, email="new@x.test", now=NOW)
    async with uows() as uow:
        assert await uow.contacts.find(account) == Contact("new@x.test", "C", "D")
        await uow.contacts.forget(account)
    async with uows() as uow:
        assert await uow.contacts.find(account) is None
