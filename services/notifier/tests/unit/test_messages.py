import uuid
from datetime import UTC, datetime, timedelta

import pytest
from cpf_contracts.events.identity import (
    AccountLocked,
    AccountRegistered,
    EmailChangeRequested,
    OldAddressWarned,
    PasswordResetRequested,
    SignupAttemptedOnExistingAccount,
    TemporaryPasswordIssued,
)
from cpf_runtime.sealing import Sealer, Unsealer, generate_keypair
from notifier.domain.messages import (
    Contact,
    Dead,
    Retry,
    RetryPolicy,
    UnsupportedEvent,
    after_failure,
    email_for_email_change,
    email_for_lock,
    email_for_old_address,
    email_for_password_reset,
    email_for_registration,
    email_for_signup_attempt,
    email_for_temporary_password,
    unseal_context,
    without_secrets,
)
from notifier.domain.templates import TITULAIRE_ACTIVATION, Sites, render

PRIVATE, PUBLIC = generate_keypair()
LINK = "https://mcf.test/activation?c=secret-token"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def registered(kind: str = "titulaire") -> AccountRegistered:
    return AccountRegistered(
        account_id=uuid.uuid4(),
        kind=kind,  # type: ignore[arg-type]
        login="1850799123456 42" if kind == "titulaire" else "jean@of.test",
        email="marie@example.test",
        civilite="MME",
        prenom="Marie",
        nom="Curie",
        activation_link_sealed=Sealer(PUBLIC).seal(LINK),
        activation_expires_at=NOW + timedelta(days=15),
    )


def test_a_titulaire_gets_the_titulaire_activation_with_the_link_still_sealed() -> None:
    event = registered("titulaire")
    email = email_for_registration(event)

    assert email.template == TITULAIRE_ACTIVATION
    assert email.recipient == "marie@example.test"
    assert email.context["activation_link_sealed"] == event.activation_link_sealed
    assert LINK not in str(email.context)
    assert "login" not in email.context  # the NIR is not needed in the e-mail: not kept


def test_a_portal_user_gets_the_portail_activation_with_the_login() -> None:
    email = email_for_registration(registered("portail"))

    assert email.template == "portail_activation"
    assert email.context["login"] == "jean@of.test"


def test_a_gestionnaire_registration_has_no_email_yet() -> None:
    with pytest.raises(UnsupportedEvent):
        email_for_registration(registered("gestionnaire"))


def test_a_signup_on_an_existing_account_warns_its_owner() -> None:
    event = SignupAttemptedOnExistingAccount(
        account_id=uuid.uuid4(), kind="portail", email="o@x.test", prenom="O", nom="X"
    )
    email = email_for_signup_attempt(event)

    assert email.template == "inscription_compte_existant"
    assert email.recipient == "o@x.test"
    assert email.context == {"kind": "portail", "prenom": "O", "nom": "X"}


def test_the_link_is_opened_only_to_render() -> None:
    email = email_for_registration(registered("titulaire"))
    opened = unseal_context(email.context, Unsealer(PRIVATE).unseal)

    assert opened["activation_link"] == LINK
    assert "activation_link_sealed" not in opened
    assert LINK in render(email.template, opened, Sites()).text


def test_backoff_doubles_and_is_capped() -> None:
    policy = RetryPolicy(initial_seconds=1.0, max_seconds=30.0)
    delays = [policy.delay(n).total_seconds() for n in range(1, 8)]
    assert delays == [1, 2, 4, 8, 16, 30, 30]
    # Weeks of outage: the exponent is capped too, no float overflow.
    assert policy.delay(1_000_000).total_seconds() == 30


def test_an_unreachable_server_never_kills_a_message() -> None:
    policy = RetryPolicy(initial_seconds=1.0, max_seconds=30.0, max_rejections=3)
    decision = after_failure(
        attempts=100_000, rejections=0, permanent=False, now=NOW, policy=policy
    )
    assert decision == Retry(NOW + timedelta(seconds=30), 0)


def test_permanent_refusals_kill_a_message_after_max_rejections() -> None:
    policy = RetryPolicy(initial_seconds=1.0, max_seconds=30.0, max_rejections=3)
    first = after_failure(attempts=1, rejections=0, permanent=True, now=NOW, policy=policy)
    assert first == Retry(NOW + timedelta(seconds=1), 1)
    second = after_failure(attempts=2, rejections=1, permanent=True, now=NOW, policy=policy)
    assert second == Retry(NOW + timedelta(seconds=2), 2)
    # Outages in between do not count as refusals.
    third = after_failure(attempts=50, rejections=2, permanent=True, now=NOW, policy=policy)
    assert third == Dead(3)


def test_a_settled_message_keeps_no_ciphertext() -> None:
    email = email_for_registration(registered("titulaire"))
    kept = without_secrets(email.context)
    assert "activation_link_sealed" not in kept
    assert kept["nom"] == "Curie"


PASSWORD = "iZgrlexi6092gOet"


def temporary_password(
    kind: str = "gestionnaire", reason: str = "creation"
) -> TemporaryPasswordIssued:
    return TemporaryPasswordIssued(
        account_id=uuid.uuid4(),
        kind=kind,
        identifiant="JCQLE030",
        email="jm.collot@employeur.test",
        civilite="M",
        prenom="Jean marc",
        nom="Collot",
        temporary_password_sealed=Sealer(PUBLIC).seal(PASSWORD),
        reason=reason,
        delete_if_unused_by=NOW + timedelta(days=15),
    )


@pytest.mark.parametrize(
    ("kind", "reason", "template"),
    [
        ("gestionnaire", "creation", "gestionnaire_habilitation"),
        ("gestionnaire", "regeneration", "gestionnaire_mot_de_passe_regenere"),
        ("operateur", "creation", "operateur_mot_de_passe_temporaire"),
        ("operateur", "regeneration", "operateur_mot_de_passe_temporaire"),
    ],
)
def test_a_temporary_password_picks_its_template(kind: str, reason: str, template: str) -> None:
    event = temporary_password(kind, reason)
    email = email_for_temporary_password(event)

    assert email.template == template
    assert email.recipient == "jm.collot@employeur.test"
    assert email.context["temporary_password_sealed"] == event.temporary_password_sealed
    assert email.context["reason"] == reason
    assert email.context["delete_if_unused_by"] == "2026-12-08T10:00:00+00:00"
    # Only the password: neither the identifiant nor the clear password is kept.
    assert PASSWORD not in str(email.context)
    assert "JCQLE030" not in str(email.context)


@pytest.mark.parametrize("kind", ["titulaire", "portail"])
def test_no_temporary_password_for_self_signed_up_accounts(kind: str) -> None:
    with pytest.raises(UnsupportedEvent):
        email_for_temporary_password(temporary_password(kind))


def test_the_temporary_password_is_opened_only_to_render() -> None:
    email = email_for_temporary_password(temporary_password())
    opened = unseal_context(email.context, Unsealer(PRIVATE).unseal)

    assert opened["temporary_password"] == PASSWORD
    assert PASSWORD in render(email.template, opened, Sites()).text
    assert without_secrets(email.context).keys() == {
        "reason",
        "delete_if_unused_by",
        "unused_valid_seconds",
        "role",
    }


@pytest.mark.parametrize("kind", ["titulaire", "gestionnaire", "portail", "operateur"])
def test_a_reset_request_gets_the_reset_email_for_its_kind(kind: str) -> None:
    event = PasswordResetRequested(
        account_id=uuid.uuid4(),
        kind=kind,
        email="marie@example.test",
        prenom="Marie",
        nom="Curie",
        reset_link_sealed=Sealer(PUBLIC).seal(LINK),
        expires_at=NOW + timedelta(hours=1),
    )
    email = email_for_password_reset(event)

    assert email.template == "mot_de_passe_oublie"
    assert email.recipient == "marie@example.test"
    assert email.context["kind"] == kind
    assert email.context["reset_link_sealed"] == event.reset_link_sealed
    assert LINK not in str(email.context)
    opened = unseal_context(email.context, Unsealer(PRIVATE).unseal)
    assert LINK in render(email.template, opened, Sites()).text


def test_an_email_change_goes_to_the_new_address() -> None:
    event = EmailChangeRequested(
        account_id=uuid.uuid4(),
        kind="gestionnaire",
        new_email="nouvelle@employeur.test",
        prenom="Marie",
        nom="Curie",
        confirmation_link_sealed=Sealer(PUBLIC).seal(LINK),
        expires_at=NOW + timedelta(days=1),
    )
    email = email_for_email_change(event)

    assert email.template == "changement_adresse"
    assert email.recipient == "nouvelle@employeur.test"
    assert email.context["confirmation_link_sealed"] == event.confirmation_link_sealed
    assert LINK not in str(email.context)


def test_v4_the_notice_goes_to_the_previous_address_with_its_undo_link_sealed() -> None:
    event = OldAddressWarned(
        account_id=uuid.uuid4(),
        kind="titulaire",
        old_email="ancienne@exemple.test",
        new_email="voleur@example.net",
        prenom="Marie",
        nom="Curie",
        undo_link_sealed=Sealer(PUBLIC).seal(LINK),
        undo_expires_at=NOW + timedelta(days=7),
        changed_at=NOW,
    )
    email = email_for_old_address(event)

    assert (email.template, email.recipient) == ("adresse_modifiee", "ancienne@exemple.test")
    assert LINK not in str(email.context)
    opened = unseal_context(email.context, Unsealer(PRIVATE).unseal)
    rendered = render(email.template, opened, Sites())
    assert LINK in rendered.text and "voleur@example.net" in rendered.text


def test_a_lock_goes_to_the_owner_s_known_address() -> None:
    event = AccountLocked(
        account_id=uuid.uuid4(),
        kind="titulaire",
        failed_attempts=5,
        locked_at=NOW,
        locked_until=NOW + timedelta(minutes=30),
    )
    email = email_for_lock(event, Contact("marie@example.test", "Marie", "Curie"))

    assert email.template == "compte_verrouille"
    assert email.recipient == "marie@example.test"
    assert email.context == {
        "kind": "titulaire",
        "prenom": "Marie",
        "nom": "Curie",
        "locked_until": "2026-11-23T10:30:00+00:00",
    }


@pytest.mark.parametrize(
    ("kind", "seconds", "words"),
    [("titulaire", 7 * 86400, "7 jours"), ("portail", 6 * 3600, "6 heures")],
)
def test_the_activation_e_mail_writes_the_event_s_validity(
    kind: str, seconds: int, words: str
) -> None:
    """The duration comes with the event, from identity's setting: change the setting, the
    e-mail's text changes (DOMAIN.md §5)."""
    event = registered(kind).model_copy(update={"activation_valid_seconds": seconds})
    email = email_for_registration(event)
    assert email.context["activation_valid_seconds"] == seconds
    text = render(
        email.template, unseal_context(email.context, Unsealer(PRIVATE).unseal), Sites()
    ).text
    assert f"Vous avez un délai de {words}, soit jusqu'au " in text


def test_the_principal_s_identifiant_is_kept_for_his_e_mail_only() -> None:
    principal = temporary_password().model_copy(
        update={"role": "administrateur_principal", "delete_if_unused_by": None}
    )
    email = email_for_temporary_password(principal)
    assert email.context["identifiant"] == "JCQLE030"
    opened = unseal_context(email.context, Unsealer(PRIVATE).unseal)
    assert (
        "Votre identifiant de connexion est le suivant : JCQLE030"
        in render(email.template, opened, Sites()).text
    )
    delegue = temporary_password().model_copy(update={"role": "administrateur_delegue"})
    assert "identifiant" not in email_for_temporary_password(delegue).context
