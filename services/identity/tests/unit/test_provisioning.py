"""Gestionnaire and operateur accounts: temporary passwords, first login, deletion when unused."""

import string
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cpf_contracts.events.habilitation import (
    GestionnaireContactChanged,
    GestionnaireCreated,
    GestionnaireToProvision,
)
from cpf_contracts.events.identity import (
    AccountDeleted,
    CguAccepted,
    PasswordChanged,
    TemporaryPasswordIssued,
)
from cpf_runtime.errors import DomainError
from identity.api.errors import problem_of
from identity.app.first_login import accept_cgu, change_temporary_password
from identity.app.login import AccessToken, ActionRequired, log_in
from identity.app.provisioning import (
    ProvisioningRules,
    change_contact,
    create_operateur,
    delete_account,
    provision_gestionnaire,
    purge_unused,
    regenerate_password,
    temporary_password,
)
from identity.domain.account import AccountKind, RequiredAction
from identity.domain.errors import ActionTokenInvalid, InvalidInput, OperateurExists
from identity.domain.password_policy import GESTIONNAIRE

RULES = ProvisioningRules(unused_validity=timedelta(days=15))
NEW_PASSWORD = "Nouveau2026abc"  # noqa: S105


def to_provision(**overrides: object) -> GestionnaireToProvision:
    values: dict[str, object] = {
        "account_id": uuid.uuid4(),
        "identifiant": "dupontj01",
        "organisation_id": uuid.uuid4(),
        "siret": "73282932000074",
        "civilite": "MME",
        "prenom": "Julie",
        "nom": "Dupont",
        "email": "julie.dupont@example.fr",
        "telephone": "0612345678",
        "requested_at": datetime(2025, 3, 1, tzinfo=UTC),
    }
    return GestionnaireToProvision.model_validate(values | overrides)


@pytest.fixture
def ports(hasher, sealer, clock):
    return {"hasher": hasher, "sealer": sealer, "clock": clock}


@pytest.fixture
def provision(run, ports):
    """``provision_gestionnaire`` of an event, in its unit of work: ``True`` when it made one."""

    async def in_a_unit_of_work(event: GestionnaireToProvision | GestionnaireCreated) -> bool:
        return bool(await run(provision_gestionnaire, event, **ports, rules=RULES))

    return in_a_unit_of_work


@pytest.fixture
def new_password(run, hasher, clock, token_rules):
    """The first login's password step, in its unit of work (confirmed unless told)."""

    async def in_a_unit_of_work(
        action_token: str, ancien: str, nouveau: str = NEW_PASSWORD, confirmation: str | None = None
    ):
        return await run(
            change_temporary_password,
            action_token,
            ancien,
            nouveau,
            nouveau if confirmation is None else confirmation,
            hasher=hasher,
            clock=clock,
            rules=token_rules,
        )

    return in_a_unit_of_work


@pytest.fixture
def cgu(run, clock, token_rules):
    """The first login's CGU step (version 2025-01), in its unit of work."""

    async def in_a_unit_of_work(action_token: str, accepted: bool = True):
        return await run(
            accept_cgu, action_token, accepted, "2025-01", clock=clock, rules=token_rules
        )

    return in_a_unit_of_work


def test_a_temporary_password_is_16_letters_and_digits_and_meets_the_policy() -> None:
    seen = set()
    for _ in range(200):
        password = temporary_password()
        assert len(password) == 16
        assert set(password) <= set(string.ascii_letters + string.digits)
        assert GESTIONNAIRE.violations(password) == []
        seen.add(password)
    assert len(seen) == 200


async def test_provisioning_creates_the_login_and_seals_the_password(
    provision, accounts, uow, unsealer, clock
) -> None:
    event = to_provision()
    assert await provision(event)

    account = accounts.accounts[event.account_id]
    assert account.kind is AccountKind.GESTIONNAIRE
    assert account.login == "DUPONTJ01"
    assert account.required_action is RequiredAction.CHANGE_PASSWORD
    assert account.cgu_required
    assert account.delete_if_unused_by == clock.now + timedelta(days=15)
    (issued,) = uow.events_of(TemporaryPasswordIssued)
    assert isinstance(issued, TemporaryPasswordIssued)
    assert issued.reason == "creation"
    assert issued.identifiant == "dupontj01"
    assert issued.delete_if_unused_by == clock.now + timedelta(days=15)
    password = unsealer.unseal(issued.temporary_password_sealed)
    assert account.password_hash == f"hash:{password}"
    assert password not in issued.model_dump_json()


async def test_provisioning_twice_creates_one_login_and_one_e_mail(provision, uow) -> None:
    event = to_provision()
    assert await provision(event)
    assert not await provision(event)
    # Another account id with a taken identifiant: refused, nothing sent.
    assert not await provision(to_provision(identifiant="DUPONTJ01"))
    assert len(uow.events_of(TemporaryPasswordIssued)) == 1


async def test_regeneration_issues_a_new_temporary_password(
    provision, run, ports, accounts, uow, unsealer, clock
) -> None:
    event = to_provision()
    await provision(event)
    clock.advance(timedelta(days=3))
    assert await run(regenerate_password, event.account_id, **ports, rules=RULES)
    first, second = uow.events_of(TemporaryPasswordIssued)
    assert isinstance(second, TemporaryPasswordIssued)
    assert second.reason == "regeneration"
    password = unsealer.unseal(second.temporary_password_sealed)
    account = accounts.accounts[event.account_id]
    assert account.password_hash == f"hash:{password}"
    assert account.delete_if_unused_by == clock.now + timedelta(days=15)
    assert not await run(regenerate_password, uuid.uuid4(), **ports, rules=RULES)


async def test_deactivation_deletes_the_login(provision, run, accounts, uow, clock) -> None:
    event = to_provision()
    await provision(event)
    assert await run(delete_account, event.account_id, "deactivated", clock=clock)
    assert event.account_id not in accounts.accounts
    (deleted,) = uow.events_of(AccountDeleted)
    assert isinstance(deleted, AccountDeleted)
    assert deleted.reason == "deactivated"
    assert not await run(delete_account, event.account_id, "deactivated", clock=clock)


async def test_contact_changes_follow_habilitation(provision, run, accounts, clock) -> None:
    event = to_provision()
    await provision(event)
    changed = GestionnaireContactChanged(
        account_id=event.account_id,
        civilite="M",
        prenom="Jules",
        nom="Durand",
        email="jules.durand@example.fr",
        telephone=None,
        changed_at=clock.now,
    )
    assert await run(change_contact, changed)
    account = accounts.accounts[event.account_id]
    assert (account.title, account.first_name, account.last_name, account.email) == (
        "M",
        "Jules",
        "Durand",
        "jules.durand@example.fr",
    )
    assert account.mobile is None


async def test_unused_gestionnaires_are_deleted_after_15_days(provision, run, accounts, uow, clock):
    unused, used = to_provision(), to_provision(identifiant="martinp01")
    await provision(unused)
    await provision(used)
    accounts.accounts[used.account_id].last_login_at = clock.now

    clock.advance(timedelta(days=15) - timedelta(seconds=1))
    assert await run(purge_unused, clock=clock) == 0
    clock.advance(timedelta(seconds=1))
    assert await run(purge_unused, clock=clock) == 1
    assert set(accounts.accounts) == {used.account_id}
    (deleted,) = uow.events_of(AccountDeleted)
    assert isinstance(deleted, AccountDeleted)
    assert (deleted.account_id, deleted.reason) == (unused.account_id, "never_logged_in")


async def test_an_operateur_is_created_with_a_temporary_password(run, ports, uow, unsealer) -> None:
    account = await run(
        create_operateur, "Agent.Back@Example.FR", civilite="M", prenom="Paul", nom="Agent", **ports
    )
    assert account.kind is AccountKind.OPERATEUR
    assert account.login == "agent.back@example.fr"
    assert account.required_action is RequiredAction.CHANGE_PASSWORD
    assert account.delete_if_unused_by is None
    (issued,) = uow.events_of(TemporaryPasswordIssued)
    assert isinstance(issued, TemporaryPasswordIssued)
    assert issued.kind == "operateur"
    assert GESTIONNAIRE.violations(unsealer.unseal(issued.temporary_password_sealed)) == []
    with pytest.raises(OperateurExists):
        await run(
            create_operateur, "agent.back@example.fr", civilite="M", prenom="P", nom="A", **ports
        )
    with pytest.raises(ValueError):
        await run(create_operateur, "pas-une-adresse", civilite="M", prenom="P", nom="A", **ports)


@pytest.fixture
def provisioned(provision, uow, unsealer):
    async def provision_one() -> tuple[uuid.UUID, str]:
        event = to_provision()
        await provision(event)
        issued = uow.events_of(TemporaryPasswordIssued)[-1]
        assert isinstance(issued, TemporaryPasswordIssued)
        return event.account_id, unsealer.unseal(issued.temporary_password_sealed)

    return provision_one


@pytest.fixture
def login(run, hasher, keyring, clock, token_rules):
    async def in_a_unit_of_work(password: str, identifiant: str = "dupontj01"):
        return await run(
            log_in,
            AccountKind.GESTIONNAIRE,
            identifiant,
            password,
            hasher=hasher,
            keys=keyring,
            clock=clock,
            rules=token_rules,
        )

    return in_a_unit_of_work


async def test_first_login_change_password_then_cgu_then_token(
    cgu, new_password, provisioned, login, accounts, uow, clock, signing_keys
) -> None:
    account_id, temporary = await provisioned()
    step = await login(temporary)
    assert isinstance(step, ActionRequired)
    assert step.action is RequiredAction.CHANGE_PASSWORD
    assert accounts.accounts[account_id].last_login_at == clock.now
    assert accounts.accounts[account_id].delete_if_unused_by is None

    # The CGU cannot come first: an action token allows its own action only.
    with pytest.raises(DomainError) as refused:
        await cgu(step.action_token)
    assert problem_of(refused.value).status == 401

    nxt = await new_password(step.action_token, temporary)
    assert isinstance(nxt, ActionRequired)
    assert nxt.action is RequiredAction.ACCEPT_CGU
    (changed,) = uow.events_of(PasswordChanged)
    assert isinstance(changed, PasswordChanged)
    assert changed.reason == "first_login"

    # The temporary password is gone; the new one still asks for the CGU, no token.
    assert not isinstance(await login(NEW_PASSWORD), AccessToken)
    with pytest.raises(DomainError):
        await login(temporary)

    assert await cgu(nxt.action_token) is None
    assert len(uow.events_of(CguAccepted)) == 1
    with pytest.raises(DomainError):  # single use
        await cgu(nxt.action_token)

    issued = await login(NEW_PASSWORD)
    assert isinstance(issued, AccessToken)
    claims = jwt.decode(issued.token, options={"verify_signature": False})
    assert claims["sub"] == str(account_id)
    assert claims["kind"] == "gestionnaire"


async def test_the_new_password_is_checked_and_the_token_survives_a_refusal(
    new_password, provisioned, login, uow, clock, token_rules
) -> None:
    _, temporary = await provisioned()
    step = await login(temporary)
    assert isinstance(step, ActionRequired)
    with pytest.raises(DomainError) as refused:
        await new_password(step.action_token, "wrong", "abc", "abd")
    assert problem_of(refused.value).status == 422
    rules = {(e.field, e.rule) for e in refused.value.errors}
    assert ("nouveau", "password_min_length") in rules
    assert ("confirmation", "passwords_match") in rules
    assert ("ancien", "password_incorrect") in rules
    with pytest.raises(DomainError) as same:
        await new_password(step.action_token, temporary, temporary)
    assert ("nouveau", "password_unchanged") in {(e.field, e.rule) for e in same.value.errors}
    assert uow.events_of(PasswordChanged) == []
    # Still usable after refusals, but not after it expires.
    clock.advance(token_rules.action_ttl)
    with pytest.raises(DomainError) as expired:
        await new_password(step.action_token, temporary)
    assert problem_of(expired.value).status == 401


async def test_a_wrong_temporary_password_is_the_generic_401(provisioned, login) -> None:
    await provisioned()
    with pytest.raises(DomainError) as refused:
        await login("iZgrlexi6092gOet")
    assert problem_of(refused.value).status == 401
    assert problem_of(refused.value).code == "invalid-credentials"


async def test_v1_and_v2_of_one_gestionnaire_make_one_login_and_one_e_mail(
    provision, uow, accounts
) -> None:
    v1 = to_provision()
    v2 = GestionnaireCreated.model_validate(
        v1.model_dump(exclude={"requested_at"}) | {"created_at": v1.requested_at}
    )
    assert await provision(v2)
    assert not await provision(v1)  # a no-op
    assert not await provision(v2)

    assert list(accounts.accounts) == [v1.account_id]
    assert accounts.accounts[v1.account_id].login == "DUPONTJ01"
    (issued,) = uow.events_of(TemporaryPasswordIssued)
    assert (issued.account_id, issued.identifiant, issued.reason) == (
        v1.account_id,
        "dupontj01",
        "creation",
    )


async def test_the_cgu_must_be_accepted_and_a_refusal_spends_nothing(
    cgu, new_password, provisioned, login, uow
) -> None:
    _, temporary = await provisioned()
    step = await login(temporary)
    nxt = await new_password(step.action_token, temporary)
    with pytest.raises(InvalidInput) as refused:
        await cgu(nxt.action_token, accepted=False)
    assert [(e.field, e.rule) for e in refused.value.errors] == [("cgu_acceptees", "cgu_required")]
    assert uow.events_of(CguAccepted) == []
    assert await cgu(nxt.action_token) is None
    with pytest.raises(ActionTokenInvalid):
        await cgu("x" * 500)


@pytest.mark.parametrize("days", [15, 7])
async def test_the_e_mail_s_delay_is_the_setting_s(run, ports, uow, days: int) -> None:
    """IDENTITY_GESTIONNAIRE_UNUSED_DAYS is the deadline and the delay the e-mail writes."""
    event = to_provision()
    rules = ProvisioningRules(unused_validity=timedelta(days=days))
    assert await run(provision_gestionnaire, event, **ports, rules=rules)
    [issued] = [e for e in uow.published if isinstance(e, TemporaryPasswordIssued)]
    assert issued.unused_valid_seconds == days * 86400
    assert issued.delete_if_unused_by == ports["clock"]() + timedelta(days=days)


@pytest.mark.parametrize(
    ("role", "deadline"),
    [("administrateur_principal", False), ("administrateur_delegue", True), (None, True)],
)
async def test_only_the_principal_is_spared_the_deletion(
    provision, uow, role: str | None, deadline: bool
) -> None:
    """Guide 001: the principal is the operator's; the 15-day rule is guide 000's, for the
    accounts an administrator creates."""
    assert await provision(to_provision(role=role))
    [issued] = [e for e in uow.published if isinstance(e, TemporaryPasswordIssued)]
    assert (issued.delete_if_unused_by is not None) is deadline
    assert (issued.unused_valid_seconds is not None) is deadline
    assert issued.role == role
