"""The account's own profile on the fake unit of work: password, phone, e-mail, history."""

import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from cpf_contracts.events.identity import (
    EmailChanged,
    EmailChangeRequested,
    OldAddressWarned,
    PasswordChanged,
    PhoneChanged,
    SessionsRevoked,
)
from identity.api.errors import problem_of
from identity.app.profile import (
    change_password,
    change_phone,
    confirm_email_change,
    own_history,
    request_email_change,
    undo_email_change,
)
from identity.domain.account import Account, AccountKind
from identity.domain.errors import (
    AccountGone,
    EmailLinkInvalid,
    EmailLinkUnknown,
    EmailTaken,
    InvalidInput,
)
from identity.domain.tokens import RefreshToken

PUBLIC_URL = "https://identite.example"


def portail(new_account, email: str = "claire.martin@example.fr") -> Account:
    return new_account(
        AccountKind.PORTAIL,
        login=email,
        email=email,
        title="MME",
        first_name="Claire",
        last_name="Martin",
        password_hash="hash:Ancien2026-ok",
    )


@pytest.fixture
def owner(accounts, new_account) -> Account:
    account = portail(new_account)
    accounts.accounts[account.id] = account
    return account


def rules_of(error: InvalidInput) -> set[tuple[str, str]]:
    return {(e.field, e.rule) for e in error.errors}


async def test_a_password_change_checks_the_old_one_and_the_policy(
    run, owner, accounts, uow, hasher, clock
) -> None:
    me = str(owner.id)
    with pytest.raises(InvalidInput) as refused:
        await run(change_password, me, "Faux", "court", "autre", None, hasher=hasher, clock=clock)
    assert {
        ("ancien", "password_incorrect"),
        ("nouveau", "password_min_length"),
        ("confirmation", "passwords_match"),
    } <= rules_of(refused.value)
    with pytest.raises(InvalidInput) as same:
        old = "Ancien2026-ok"
        await run(change_password, me, old, old, old, None, hasher=hasher, clock=clock)
    assert rules_of(same.value) == {("nouveau", "password_unchanged")}
    assert uow.events_of(PasswordChanged) == []

    new = "Nouveau2026-ok"
    await run(
        change_password, me, "Ancien2026-ok", new, new, "10.0.0.3", hasher=hasher, clock=clock
    )
    assert accounts.accounts[owner.id].password_hash == f"hash:{new}"
    [changed] = uow.events_of(PasswordChanged)
    assert changed.reason == "profile"
    [entry] = await run(own_history, me)
    assert (entry.what, entry.client_address) == ("changement_mot_de_passe", "10.0.0.3")


async def test_a_gone_account_is_refused(run, hasher, clock) -> None:
    for who in (str(uuid.uuid4()), "pas-un-uuid"):
        with pytest.raises(AccountGone) as gone:
            await run(own_history, who)
        assert problem_of(gone.value).status == 401
    with pytest.raises(AccountGone):
        await run(change_phone, str(uuid.uuid4()), None, "0612345678", clock=clock)


async def test_phones_are_digits_only_and_empty_removes(run, owner, accounts, uow, clock) -> None:
    me = str(owner.id)
    with pytest.raises(InvalidInput) as refused:
        await run(change_phone, me, "01 23 45 67 89", "06.12", clock=clock)
    assert rules_of(refused.value) == {
        ("telephone_fixe", "phone_digits"),
        ("telephone_mobile", "phone_digits"),
    }
    await run(change_phone, me, "0123456789", " ", clock=clock)
    saved = accounts.accounts[owner.id]
    assert (saved.landline, saved.mobile) == ("0123456789", None)
    [changed] = uow.events_of(PhoneChanged)
    assert (changed.telephone_fixe, changed.telephone_mobile) == ("0123456789", None)


@pytest.fixture
def ask_change(run, sealer, clock, hasher):
    async def in_a_unit_of_work(
        account_id: str,
        email: str,
        confirmation: str,
        password: str = "Ancien2026-ok",  # noqa: S107
    ) -> None:
        await run(
            request_email_change,
            account_id,
            email,
            confirmation,
            password,
            hasher=hasher,
            sealer=sealer,
            clock=clock,
            public_url=PUBLIC_URL,
        )

    return in_a_unit_of_work


def link_secret(event: EmailChangeRequested, unsealer) -> str:
    link = unsealer.unseal(event.confirmation_link_sealed)
    assert link.startswith(f"{PUBLIC_URL}/adresse/confirmation?token=")
    return parse_qs(urlsplit(link).query)["token"][0]


async def test_an_e_mail_changes_when_its_link_is_followed(
    run, owner, accounts, uow, clock, unsealer, ask_change
) -> None:
    me = str(owner.id)
    with pytest.raises(InvalidInput) as bad:
        await ask_change(me, "pas-une-adresse", "pas-une-adresse")
    assert rules_of(bad.value) == {("email", "email_format")}
    with pytest.raises(InvalidInput) as mismatch:
        await ask_change(me, "claire@nouveau.fr", "autre@nouveau.fr")
    assert rules_of(mismatch.value) == {("email_confirmation", "emails_match")}

    await ask_change(me, "Claire@Nouveau.FR", "claire@nouveau.fr")
    [asked] = uow.events_of(EmailChangeRequested)
    assert asked.new_email == "Claire@nouveau.fr"
    assert accounts.accounts[owner.id].email == owner.email  # not before the link
    secret = link_secret(asked, unsealer)

    await run(confirm_email_change, secret, "10.0.0.4", clock=clock)
    saved = accounts.accounts[owner.id]
    assert (saved.email, saved.login) == ("Claire@nouveau.fr", "claire@nouveau.fr")
    [changed] = uow.events_of(EmailChanged)
    assert changed.email == "Claire@nouveau.fr"
    with pytest.raises(EmailLinkInvalid) as used:
        await run(confirm_email_change, secret, None, clock=clock)
    assert problem_of(used.value).status == 410


async def test_v4_an_e_mail_change_needs_the_current_password(
    owner, accounts, uow, ask_change
) -> None:
    me = str(owner.id)
    with pytest.raises(InvalidInput) as wrong:
        await ask_change(me, "voleur@example.net", "voleur@example.net", "Devine2026")
    assert rules_of(wrong.value) == {("mot_de_passe_actuel", "password_incorrect")}
    assert problem_of(wrong.value).status == 422
    with pytest.raises(InvalidInput) as both:  # every rule at once, the hash checked anyway
        await ask_change(me, "pas-une-adresse", "autre", "")
    assert rules_of(both.value) == {
        ("email", "email_format"),
        ("email_confirmation", "emails_match"),
        ("mot_de_passe_actuel", "password_incorrect"),
    }
    assert uow.published == [] and accounts.action_tokens == {}
    await ask_change(me, "claire@nouveau.fr", "claire@nouveau.fr")
    assert len(uow.events_of(EmailChangeRequested)) == 1


async def test_a_link_is_refused_when_unknown_expired_or_the_address_was_taken(
    new_account, run, owner, accounts, uow, clock, unsealer, ask_change
) -> None:
    with pytest.raises(EmailLinkUnknown) as unknown:
        await run(confirm_email_change, "inconnu", None, clock=clock)
    assert problem_of(unknown.value).status == 404

    await ask_change(str(owner.id), "prise@example.fr", "prise@example.fr")
    await ask_change(str(owner.id), "tard@example.fr", "tard@example.fr")
    taken_link, late_link = (link_secret(e, unsealer) for e in uow.events_of(EmailChangeRequested))
    other = portail(new_account, "prise@example.fr")
    accounts.accounts[other.id] = other
    with pytest.raises(EmailTaken) as taken:
        await run(confirm_email_change, taken_link, None, clock=clock)
    assert problem_of(taken.value).status == 409
    clock.advance(timedelta(hours=24))
    with pytest.raises(EmailLinkInvalid):
        await run(confirm_email_change, late_link, None, clock=clock)
    assert accounts.accounts[owner.id].email == owner.email
    assert uow.events_of(EmailChanged) == []


async def test_a_password_change_announces_the_other_sessions_it_ended(
    run, owner, uow, hasher, clock
) -> None:
    mine, other, third = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for family in (mine, other, third):
        _, stored = RefreshToken.issue(owner.id, family, clock.now, timedelta(hours=8))
        await uow.refresh_tokens.add(stored)
    new = "Nouveau2026-ok"
    ended = await run(
        change_password,
        str(owner.id),
        "Ancien2026-ok",
        new,
        new,
        None,
        hasher=hasher,
        clock=clock,
        session_id=str(mine),
    )
    assert ended == 2
    [revoked] = uow.events_of(SessionsRevoked)
    assert revoked.reason == "password_changed"
    assert set(revoked.session_ids) == {other, third}  # the caller's session goes on
    assert revoked.revoked_at == clock.now


def undo_secret(event: OldAddressWarned, unsealer) -> str:
    link = unsealer.unseal(event.undo_link_sealed)
    assert link.startswith(f"{PUBLIC_URL}/adresse/annulation?token=")
    return parse_qs(urlsplit(link).query)["token"][0]


async def test_v4_the_old_address_is_told_and_can_undo_the_change_once(
    run, owner, accounts, uow, clock, sealer, unsealer, ask_change
) -> None:
    old = owner.email
    _, session = RefreshToken.issue(owner.id, uuid.uuid4(), clock.now, timedelta(hours=8))
    await uow.refresh_tokens.add(session)  # the thief's session
    await ask_change(str(owner.id), "voleur@example.net", "voleur@example.net")
    secret = link_secret(uow.events_of(EmailChangeRequested)[0], unsealer)
    await ask_change(str(owner.id), "autre@example.net", "autre@example.net")  # pending
    await run(confirm_email_change, secret, None, clock=clock, sealer=sealer, public_url=PUBLIC_URL)
    [warned] = uow.events_of(OldAddressWarned)
    assert (warned.old_email, warned.new_email) == (old, "voleur@example.net")
    assert warned.undo_expires_at == clock.now + timedelta(days=7)
    undo = undo_secret(warned, unsealer)
    assert undo not in warned.model_dump_json()  # sealed to the notifier
    stored = [
        t for t in accounts.action_tokens.values() if t.action == "annuler_changement_adresse"
    ]
    assert [t.token_hash for t in stored] != [undo]  # stored as its digest only

    clock.advance(timedelta(days=6))
    await run(undo_email_change, undo, "10.0.0.9", clock=clock)
    saved = accounts.accounts[owner.id]
    assert (saved.email, saved.login) == (old, old.lower())
    assert uow.events_of(EmailChanged)[-1].email == old
    [ended] = uow.events_of(SessionsRevoked)
    assert (ended.session_ids, ended.reason) == ([session.family_id], "email_change_undone")
    with pytest.raises(EmailLinkInvalid):  # single use
        await run(undo_email_change, undo, None, clock=clock)
    with pytest.raises(EmailLinkInvalid):  # the other pending change was dropped
        other = link_secret(uow.events_of(EmailChangeRequested)[1], unsealer)
        await run(confirm_email_change, other, None, clock=clock)


async def test_v4_an_undo_link_lives_seven_days(
    run, owner, uow, clock, sealer, unsealer, ask_change
) -> None:
    await ask_change(str(owner.id), "voleur@example.net", "voleur@example.net")
    secret = link_secret(uow.events_of(EmailChangeRequested)[0], unsealer)
    await run(confirm_email_change, secret, None, clock=clock, sealer=sealer, public_url=PUBLIC_URL)
    undo = undo_secret(uow.events_of(OldAddressWarned)[0], unsealer)
    clock.advance(timedelta(days=7, seconds=1))
    with pytest.raises(EmailLinkInvalid) as late:
        await run(undo_email_change, undo, None, clock=clock)
    assert problem_of(late.value).status == 410
    with pytest.raises(EmailLinkUnknown):  # a confirmation link is no undo link
        await run(undo_email_change, secret, None, clock=clock)
