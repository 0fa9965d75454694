import base64
import binascii

from cpf_runtime.settings import ServiceSettings, require_secret
from pydantic import SecretStr, field_validator
from pydantic_settings import SettingsConfigDict


class NotifierSettings(ServiceSettings):
    """Every value from ``NOTIFIER_*`` (and the platform-wide ``KAFKA_*``, ``AUTH_*``)."""

    model_config = SettingsConfigDict(env_prefix="NOTIFIER_", extra="ignore")

    http_port: int = 8005

    # The private half of the sealing key pair (base64, 32 bytes): only the notifier can open
    # the activation links, reset links and temporary passwords that other services seal.
    sealing_private_key: SecretStr

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 30.0

    mail_from: str = "no-reply@moncompteformation.example"
    # Unset: each e-mail shows the name of the portal it speaks for ("Mon Compte Formation",
    # "Mes Démarches…"); set, one display name for every e-mail.
    mail_from_name: str | None = None
    # The right-hand side of every Message-ID (<message id>@<domain>).
    message_id_domain: str = "notifier.cpf"

    # The public sites the e-mails point to (login pages, contact form).
    site_moncompteformation_url: str = "https://www.moncompteformation.example"
    site_mesdemarches_url: str = "https://mesdemarches.example"
    # The login pages (« Mot de passe oublié » is there): the gestionnaire's is the link of
    # the temporary-password e-mail (guide 000).
    site_titulaire_login_url: str = "https://www.moncompteformation.example/espace-prive/connexion"
    site_gestionnaire_login_url: str = "https://employeur.moncompteformation.example/connexion"
    site_portail_login_url: str = "https://mesdemarches.example/connexion"
    site_operateur_login_url: str = "https://backoffice.moncompteformation.example/connexion"

    delivery_workers: int = 2
    # NOTIFY wakes the workers as soon as a message is queued; the poll only catches retries
    # whose backoff has expired and a dropped LISTEN connection.
    delivery_poll_seconds: float = 1.0
    # The poll once no retry can fall due (none rescheduled here within the longest backoff,
    # nor since the start): it only covers a retry another process scheduled and a LISTEN
    # connection that died unnoticed. Two idle polls a second cost the notifier 0.4 % of a core.
    delivery_idle_poll_seconds: float = 30.0
    retry_backoff_initial_seconds: float = 1.0
    retry_backoff_max_seconds: float = 30.0
    # Refusals by the mail server (5xx) before a message is declared dead; an unreachable or
    # busy server (4xx) never counts: those are retried until the server is back.
    max_rejections: int = 3

    @field_validator("sealing_private_key")
    @classmethod
    def _real_key(cls, value: SecretStr) -> SecretStr:
        raw = require_secret(value.get_secret_value(), "NOTIFIER_SEALING_PRIVATE_KEY")
        try:
            decoded = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            decoded = b""
        if len(decoded) != 32:
            raise ValueError(
                "NOTIFIER_SEALING_PRIVATE_KEY must be a base64 X25519 private key (32 bytes)"
            )
        return value
