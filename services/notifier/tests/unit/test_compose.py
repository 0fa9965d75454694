import email
import email.policy
import uuid
from datetime import UTC, datetime

from notifier.app.delivery import DeliveryConfig, compose, message_id_header
from notifier.domain.messages import Message, RetryPolicy
from notifier.domain.templates import Sites, render

CONFIG = DeliveryConfig(
    sites=Sites(),
    mail_from="no-reply@moncompteformation.example",
    mail_from_name=None,
    message_id_domain="notifier.cpf",
    policy=RetryPolicy(),
)


def message() -> Message:
    return Message(
        id=uuid.UUID("0b7e5c1e-3f0a-4d39-9d8b-1d2a3c4e5f60"),
        cause_event_id=uuid.uuid4(),
        template="inscription_compte_existant",
        recipient="marie@example.test",
        context={"kind": "portail", "prenom": "Marie", "nom": "Curie"},
    )


def test_headers_and_parts() -> None:
    m = message()
    rendered = render(m.template, m.context, CONFIG.sites)
    raw = compose(
        message=m, rendered=rendered, config=CONFIG, now=datetime(2026, 11, 23, tzinfo=UTC)
    ).as_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)

    assert parsed["Message-ID"] == "<0b7e5c1e-3f0a-4d39-9d8b-1d2a3c4e5f60@notifier.cpf>"
    assert parsed["From"] == "Mes Démarches <no-reply@moncompteformation.example>"
    assert parsed["To"] == "marie@example.test"
    assert parsed["Subject"] == rendered.subject
    assert parsed["Content-Language"] == "fr"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed.get_body(("plain",)).get_content() == rendered.text
    assert parsed.get_body(("html",)).get_content() == rendered.html


def test_the_message_id_depends_only_on_the_message() -> None:
    m = message()
    assert message_id_header(m.id, "notifier.cpf") == message_id_header(m.id, "notifier.cpf")
    rendered = render(m.template, m.context, CONFIG.sites)
    first = compose(message=m, rendered=rendered, config=CONFIG, now=datetime.now(UTC))
    again = compose(message=m, rendered=rendered, config=CONFIG, now=datetime.now(UTC))
    assert first["Message-ID"] == again["Message-ID"]


def test_a_configured_sender_name_wins() -> None:
    m = message()
    config = DeliveryConfig(
        sites=Sites(),
        mail_from="no-reply@cpf.example",
        mail_from_name="CPF",
        message_id_domain="n.test",
        policy=RetryPolicy(),
    )
    rendered = render(m.template, m.context, Sites())
    composed = compose(message=m, rendered=rendered, config=config, now=datetime.now(UTC))
    assert str(composed["From"]) == "CPF <no-reply@cpf.example>"
