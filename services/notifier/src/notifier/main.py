"""Composition root of the notifier: every e-mail a person receives.

Events that must reach a person (a sign-up's activation link, a warning about a sign-up on
an existing account, a temporary password, a reset or confirmation link, a lock…) are
turned into queued messages by the ``emails`` consumer; the ``delivery`` job renders and
sends them over SMTP, retrying until the mail server takes them, and publishes
``MessageSent`` / ``MessageFailed``. Secrets arrive sealed to this
service's key and are opened only to render the e-mail, just before it is sent.
"""

from collections.abc import Callable

from cpf_contracts.events.notifier import MessageFailed, MessageSent
from cpf_runtime.assembly import assemble
from cpf_runtime.relay import asyncpg_dsn
from cpf_runtime.sealing import Unsealer
from cpf_runtime.service import Runtime
from fastapi import FastAPI

from notifier import jobs
from notifier.adapters.smtp import SmtpMailer
from notifier.api.errors import DOMAIN_ERRORS
from notifier.api.messages import router as messages_router
from notifier.app.delivery import DeliveryConfig
from notifier.commands import COMMANDS
from notifier.consumers import subscribe
from notifier.domain.messages import RetryPolicy
from notifier.domain.templates import Sites
from notifier.settings import NotifierSettings
from notifier.store.uow import NotifierUnitOfWork


def delivery_config(settings: NotifierSettings) -> DeliveryConfig:
    return DeliveryConfig(
        sites=Sites(
            moncompteformation=settings.site_moncompteformation_url,
            mesdemarches=settings.site_mesdemarches_url,
            titulaire_login=settings.site_titulaire_login_url,
            gestionnaire_login=settings.site_gestionnaire_login_url,
            portail_login=settings.site_portail_login_url,
            operateur_login=settings.site_operateur_login_url,
        ),
        mail_from=settings.mail_from,
        mail_from_name=settings.mail_from_name,
        message_id_domain=settings.message_id_domain,
        policy=RetryPolicy(
            initial_seconds=settings.retry_backoff_initial_seconds,
            max_seconds=settings.retry_backoff_max_seconds,
            max_rejections=settings.max_rejections,
        ),
    )


def smtp_mailer(settings: NotifierSettings) -> Callable[[], SmtpMailer]:
    def make() -> SmtpMailer:
        return SmtpMailer(
            settings.smtp_host,
            settings.smtp_port,
            user=settings.smtp_user,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            starttls=settings.smtp_starttls,
            timeout=settings.smtp_timeout_seconds,
            local_hostname=settings.message_id_domain,
        )

    return make


def build(settings: NotifierSettings | None = None) -> Runtime:
    settings = settings or NotifierSettings()
    runtime = Runtime(
        "notifier",
        settings,
        publishes=[MessageSent, MessageFailed],
        description=__doc__ or "",
        uow_class=NotifierUnitOfWork,
        domain_errors=DOMAIN_ERRORS,
    )
    delivery = jobs.delivery(
        config=delivery_config(settings),
        mailer_factory=smtp_mailer(settings),
        unseal=Unsealer(settings.sealing_private_key.get_secret_value()).unseal,
        listen_dsn=asyncpg_dsn(settings.database_url),
        workers=settings.delivery_workers,
        poll_seconds=settings.delivery_poll_seconds,
        idle_poll_seconds=settings.delivery_idle_poll_seconds,
    )
    runtime.on_scrape(jobs.report_message_counts)
    return assemble(
        runtime,
        routers=[messages_router],
        subscribe=subscribe,
        jobs=[("delivery", delivery)],
        commands=COMMANDS,
    )


def create_app() -> FastAPI:
    return build().create_app()
