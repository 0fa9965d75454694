"""``python -m account_cpf rebuild-read-models`` on the real broker and PostgreSQL:
habilitation's topics read from their start rebuild the organisation and habilitation
read models, whatever they held before; a second run gives the same state."""

from __future__ import annotations

import argparse
import uuid
from datetime import UTC, datetime, timedelta

from account_cpf.commands import COMMANDS, rebuild_read_models
from account_cpf.domain.access import Habilitation, Organisation
from account_cpf.main import build
from account_cpf.settings import AccountCpfSettings
from account_cpf.store.uow import AccountCpfUnitOfWork
from cpf_contracts.base import Event
from cpf_contracts.events.habilitation import (
    GestionnaireContactChanged,
    GestionnaireDeactivated,
    HabilitationChanged,
    HabilitationGranted,
    HabilitationRevoked,
    OrganisationCreated,
)
from cpf_runtime.kafka import ensure_topics, make_producer
from sqlalchemy import text

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _facts(org: uuid.UUID, siret: str, kept: uuid.UUID, revoked: uuid.UUID) -> list[Event]:
    admin = uuid.uuid4()

    def granted(account: uuid.UUID, minutes: int) -> HabilitationGranted:
        return HabilitationGranted(
            account_id=account,
            organisation_id=org,
            siret=siret,
            role="gestionnaire",
            profile="consultation",
            granted_at=T0 + timedelta(minutes=minutes),
        )

    return [
        OrganisationCreated(
            organisation_id=org,
            siret=siret,
            raison_sociale="Région",
            kind="conseil_regional",
            created_at=T0,
        ),
        granted(kept, 1),
        HabilitationChanged(
            account_id=kept,
            organisation_id=org,
            siret=siret,
            role="gestionnaire",
            profile="cloture",
            changed_by=admin,
            changed_at=T0 + timedelta(minutes=2),
        ),
        granted(revoked, 1),
        HabilitationRevoked(
            account_id=revoked,
            organisation_id=org,
            siret=siret,
            revoked_by=admin,
            revoked_at=T0 + timedelta(minutes=3),
        ),
        GestionnaireContactChanged(  # another fact of the topic: skipped
            account_id=kept,
            civilite="MME",
            prenom="Ada",
            nom="Lovelace",
            email="ada@example.fr",
            changed_at=T0,
        ),
        GestionnaireDeactivated(
            account_id=uuid.uuid4(),  # nobody held here: changes nothing
            organisation_id=org,
            deactivated_by=admin,
            deactivated_at=T0 + timedelta(minutes=4),
        ),
    ]


async def test_the_read_models_are_rebuilt_from_habilitations_topics(
    migrated_url: str, engine: object, kafka: str
) -> None:
    settings = AccountCpfSettings(database_url=migrated_url, kafka_bootstrap_servers=kafka)
    runtime = build(settings)
    org, kept, revoked, stale = (uuid.uuid4() for _ in range(4))
    siret = f"{uuid.uuid4().int % 10**14:014d}"
    facts = _facts(org, siret, kept, revoked)
    await ensure_topics(kafka, sorted({f.topic() for f in facts}))
    producer = make_producer(settings)
    await producer.start()
    try:
        for fact in facts:
            raw = fact.to_cloudevent().to_bytes()
            await producer.send_and_wait(fact.topic(), raw, key=fact.key().encode())
    finally:
        await producer.stop()
    async with AccountCpfUnitOfWork(runtime.session_factory) as uow:  # what a rebuild undoes
        await uow.organisations.add(Organisation(stale, "99999999999999", "employeur", "X"))
        await uow.habilitations.apply(Habilitation(stale, org, "gestionnaire", "cloture", True, T0))
        await uow.habilitations.apply(
            Habilitation(revoked, org, "gestionnaire", "cloture", True, T0 + timedelta(days=1))
        )
    try:
        assert await COMMANDS[0].run(runtime, argparse.Namespace()) == 0
        first = await _state(runtime)
        assert await rebuild_read_models(runtime) >= 6
        assert await _state(runtime) == first
    finally:
        await runtime.engine.dispose()
    organisations, habilitations = first
    assert (org, siret, "conseil_regional") in organisations
    assert not [o for o in organisations if o[0] == stale]
    mine = {h[0]: h[1:] for h in habilitations if h[1] == org}
    assert mine == {kept: (org, "cloture", True), revoked: (org, "consultation", False)}


async def _state(runtime: object) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    async with runtime.engine.connect() as conn:  # type: ignore[attr-defined]
        organisations = await conn.execute(text("SELECT id, siret, kind FROM organisation"))
        habilitations = await conn.execute(
            text("SELECT account_id, organisation_id, profile, active FROM habilitation")
        )
        return sorted(map(tuple, organisations)), sorted(map(tuple, habilitations))
