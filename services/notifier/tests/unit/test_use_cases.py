"""The use cases on the fake unit of work: queueing, contacts, delivery, the ops reads."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from cpf_contracts.events.identity import (
    AccountDeleted,
    AccountLocked,
    AccountRegistered,
    EmailChanged,
)
from cpf_contracts.events.notifier import MessageFailed, MessageSent
from cpf_runtime.clock import FakeClock
from cpf_runtime.sealing import Sealer, Unsealer, generate_keypair
from notifier.app import emails, messages
from notifier.app.delivery import Attempt, DeliveryConfig, deliver_next
from notifier.app.messages import MessageSearch
from notifier.domain.messages import (
    DeliveryFailure,
    MessageNotFound,
    MessageStatus,
    RetryPolicy,
)
from notifier.domain.templates import Sites
from notifier.store.fake import FakeNotifierUnitOfWork

PRIVATE, PUBLIC = generate_keypair()
LINK = "https://mcf.test/activation?c=secret-token"
START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
CONFIG = DeliveryConfig(
    sites=Sites(),
    mail_from="no-reply@moncompteformation.example",
    mail_from_name=None,
    message_id_domain="notifier.cpf",
    policy=RetryPolicy(initial_seconds=1, max_seconds=30, max_rejections=3),
)


class FakeMailer:
    """Records what it is given; refuses with ``failure`` while it is set."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []
        self.failure: DeliveryFailure | None = None

    async def send(self, message: EmailMessage) -> None:
        if self.failure is not None:
            raise self.failure
        self.sent.append(message)

    async def close(self) -> None:
        pass


@pytest.fixture
def uow() -> FakeNotifierUnitOfWork:
    return FakeNotifierUnitOfWork()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


def registered(email: str = "marie@example.test") -> AccountRegistered:
    return AccountRegistered(
        account_id=uuid.uuid4(),
        kind="titulaire",
        login="1850799123456 42",
        email=email,
        civilite="MME",
        prenom="Marie",
        nom="Curie",
        activation_link_sealed=Sealer(PUBLIC).seal(LINK),
        activation_expires_at=START + timedelta(days=15),
    )


def locked(account_id: uuid.UUID) -> AccountLocked:
    return AccountLocked(
        account_id=account_id,
        kind="titulaire",
        failed_attempts=5,
        locked_at=START,
        locked_until=START + timedelta(minutes=30),
    )


async def consume(uow: FakeNotifierUnitOfWork, handler: object, event: object) -> uuid.UUID:
    cause = uuid.uuid4()
    async with uow:
        await handler(event, uow, cause_event_id=cause, clock=FakeClock(START))  # type: ignore[operator]
    return cause


async def deliver(
    uow: FakeNotifierUnitOfWork, mailer: FakeMailer, clock: FakeClock
) -> Attempt | None:
    async with uow:
        return await deliver_next(
            uow, mailer, unseal=Unsealer(PRIVATE).unseal, config=CONFIG, clock=clock
        )


async def all_messages(uow: FakeNotifierUnitOfWork) -> list[messages.Message]:
    rows, _ = await messages.list_messages(uow, MessageSearch(limit=200))
    return rows


async def test_one_event_queues_one_message_even_when_replayed(
    uow: FakeNotifierUnitOfWork, clock: FakeClock
) -> None:
    event = registered()
    cause = uuid.uuid4()
    for _ in range(2):
        async with uow:
            await emails.account_registered(event, uow, cause_event_id=cause, clock=clock)
    [message] = await all_messages(uow)
    assert (message.cause_event_id, message.template) == (cause, "titulaire_activation")
    assert message.status is MessageStatus.QUEUED and message.next_attempt_at == START
    assert LINK not in str(message.context)  # still sealed
    assert uow.published == []  # queueing announces nothing


async def test_a_lock_goes_to_the_last_confirmed_address(uow: FakeNotifierUnitOfWork) -> None:
    event = registered()
    await consume(uow, emails.account_registered, event)
    changed = EmailChanged(account_id=event.account_id, email="marie@new.test", changed_at=START)
    await consume(uow, emails.email_changed, changed)
    cause = await consume(uow, emails.account_locked, locked(event.account_id))
    lock = (await all_messages(uow))[0]
    assert (lock.cause_event_id, lock.template) == (cause, "compte_verrouille")
    assert lock.recipient == "marie@new.test"


async def test_a_lock_without_a_known_address_queues_nothing(uow: FakeNotifierUnitOfWork) -> None:
    event = registered()
    await consume(uow, emails.account_registered, event)
    deleted = AccountDeleted(
        account_id=event.account_id, kind="titulaire", reason="user_request", deleted_at=START
    )
    await consume(uow, emails.account_deleted, deleted)
    await consume(uow, emails.account_locked, locked(event.account_id))
    await consume(uow, emails.account_locked, locked(uuid.uuid4()))
    assert [m.template for m in await all_messages(uow)] == ["titulaire_activation"]
    assert await uow.contacts.find(event.account_id) is None


async def test_delivery_sends_once_settles_and_announces(
    uow: FakeNotifierUnitOfWork, clock: FakeClock
) -> None:
    await consume(uow, emails.account_registered, registered())
    mailer = FakeMailer()
    attempt = await deliver(uow, mailer, clock)
    assert attempt is not None and attempt.outcome == "sent"
    assert await deliver(uow, mailer, clock) is None  # never a second e-mail
    [mail] = mailer.sent
    assert LINK in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    [message] = await all_messages(uow)
    assert message.status is MessageStatus.SENT and message.sent_at == START
    assert message.attempts == 1 and "activation_link_sealed" not in message.context
    [sent] = uow.events_of(MessageSent)
    assert (sent.message_id, sent.attempts) == (message.id, 1)


async def test_a_server_down_is_retried_with_backoff_never_dead(
    uow: FakeNotifierUnitOfWork, clock: FakeClock
) -> None:
    await consume(uow, emails.account_registered, registered())
    mailer = FakeMailer()
    mailer.failure = DeliveryFailure("injoignable", permanent=False, server_down=True)
    waits = []
    for _ in range(7):
        attempt = await deliver(uow, mailer, clock)
        assert attempt is not None and attempt.outcome == "retry" and attempt.server_down
        assert await deliver(uow, mailer, clock) is None  # not due before its backoff
        [message] = await all_messages(uow)
        waits.append((message.next_attempt_at - clock.now).total_seconds())
        clock.advance(timedelta(seconds=waits[-1]))
    assert waits == [1, 2, 4, 8, 16, 30, 30]
    mailer.failure = None
    assert (await deliver(uow, mailer, clock)) is not None
    assert len(mailer.sent) == 1 and len(uow.events_of(MessageSent)) == 1


async def test_permanent_refusals_make_it_dead_and_failed(
    uow: FakeNotifierUnitOfWork, clock: FakeClock
) -> None:
    await consume(uow, emails.account_registered, registered())
    mailer = FakeMailer()
    mailer.failure = DeliveryFailure("550 5.1.1 Utilisateur inconnu", permanent=True)
    outcomes = []
    for _ in range(3):
        attempt = await deliver(uow, mailer, clock)
        assert attempt is not None
        outcomes.append(attempt.outcome)
        clock.advance(timedelta(minutes=1))
    assert outcomes == ["retry", "retry", "dead"]
    [message] = await all_messages(uow)
    assert message.status is MessageStatus.DEAD and message.rejections == 3
    assert "activation_link_sealed" not in message.context
    [failed] = uow.events_of(MessageFailed)
    assert failed.error == "550 5.1.1 Utilisateur inconnu"


async def test_an_unrenderable_message_is_kept_queued(
    uow: FakeNotifierUnitOfWork, clock: FakeClock
) -> None:
    _, other_public = generate_keypair()
    event = registered().model_copy(
        update={"activation_link_sealed": Sealer(other_public).seal(LINK)}
    )
    await consume(uow, emails.account_registered, event)
    attempt = await deliver(uow, FakeMailer(), clock)
    assert attempt is not None and attempt.outcome == "retry"
    [message] = await all_messages(uow)
    assert message.status is MessageStatus.QUEUED
    assert message.last_error == "rendu impossible : CryptoError"


async def test_ops_reads_filter_page_and_refuse_an_unknown_id(
    uow: FakeNotifierUnitOfWork,
) -> None:
    for i in range(3):
        await consume(uow, emails.account_registered, registered(f"t{i}@example.test"))
    page, total = await messages.list_messages(uow, MessageSearch(limit=2))
    assert total == 3 and [m.recipient for m in page] == ["t2@example.test", "t1@example.test"]
    found, _ = await messages.list_messages(uow, MessageSearch(recipient=" T1@Example.test"))
    assert [m.recipient for m in found] == ["t1@example.test"]
    assert (await messages.get_message(uow, page[0].id)).recipient == "t2@example.test"
    with pytest.raises(MessageNotFound):
        await messages.get_message(uow, uuid.uuid4())
