"""Guides 000, 001, 002, 003 and 004 as identity answers them, on PostgreSQL: the principal
administrator's credentials and his exemption from the 15-day deletion, the first login's
messages, each kind's activation page, and « Mes informations personnelles »."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from cpf_contracts.base import Event
from cpf_contracts.events.habilitation import (
    GestionnaireCreated,
    GestionnairePasswordRegenerationRequested,
    HabilitationChanged,
)
from cpf_runtime.sealing import Unsealer
from identity.adapters.passwords import PasswordHasher
from identity.app.provisioning import purge_unused
from identity.domain.account import AccountKind, AccountStatus
from identity.domain.portail import Company
from identity.domain.tokens import OneTimeToken
from sqlalchemy import text

PASSWORD = "Guide2026abcXY"  # noqa: S105
NEW_PASSWORD = "Nouveau2026abc"  # noqa: S105


def created(role: str | None, identifiant: str) -> GestionnaireCreated:
    return GestionnaireCreated(
        account_id=uuid.uuid4(),
        identifiant=identifiant,
        organisation_id=uuid.uuid4(),
        siret="73282932000074",
        civilite="M",
        prenom="Jean-Marc",
        nom="Collot",
        email=f"{identifiant.lower()}@example.fr",
        created_at=datetime.now(UTC),
        role=role,  # type: ignore[arg-type]
    )


async def consume(runtime: Any, event: Event) -> None:
    assert await runtime.consumers[0].handle(event.to_cloudevent().to_bytes()) == "processed"


async def issued(engine: Any, account_id: uuid.UUID) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT type, payload FROM outbox WHERE key = :k ORDER BY id"),
            {"k": str(account_id)},
        )
        return [json.loads(p)["data"] for t, p in rows if ".temporary_password_issued." in t]


async def deadline(engine: Any, account_id: uuid.UUID) -> Any:
    async with engine.connect() as conn:
        return await conn.scalar(
            text("SELECT delete_if_unused_by FROM account WHERE id = :i"), {"i": account_id}
        )


async def test_the_principal_gets_his_identifiant_and_no_deletion_deadline(
    runtime, engine, uow_factory
) -> None:
    principal = created("administrateur_principal", "JMCOL101")
    agent = created("gestionnaire", "JMCOL102")
    for event in (principal, agent):
        await consume(runtime, event)
    (mail,) = await issued(engine, principal.account_id)
    assert (mail["role"], mail["identifiant"]) == ("administrateur_principal", "JMCOL101")
    assert mail["delete_if_unused_by"] is None and mail["unused_valid_seconds"] is None
    (mail,) = await issued(engine, agent.account_id)
    assert mail["role"] == "gestionnaire" and mail["unused_valid_seconds"] == 15 * 86400
    assert await deadline(engine, principal.account_id) is None

    # Sixteen days later, nobody logged in: the gestionnaire goes, the principal stays.
    async with uow_factory() as uow:
        deleted = await purge_unused(uow, clock=lambda: datetime.now(UTC) + timedelta(days=16))
    assert deleted >= 1
    async with uow_factory() as uow:
        assert await uow.accounts.get(principal.account_id) is not None
        assert await uow.accounts.get(agent.account_id) is None


async def test_resent_credentials_keep_the_principal_free_of_any_deadline(
    runtime, engine, keypair
) -> None:
    principal = created("administrateur_principal", "JMCOL103")
    await consume(runtime, principal)
    await consume(
        runtime,
        GestionnairePasswordRegenerationRequested(
            account_id=principal.account_id,
            requested_by=uuid.uuid4(),
            requested_at=datetime.now(UTC),
            role="administrateur_principal",
        ),
    )
    first, second = await issued(engine, principal.account_id)
    assert second["reason"] == "regeneration" and second["role"] == "administrateur_principal"
    assert second["delete_if_unused_by"] is None and second["identifiant"] == "JMCOL103"
    unsealer = Unsealer(keypair[0])
    old, new = (unsealer.unseal(m["temporary_password_sealed"]) for m in (first, second))
    assert old != new
    assert await deadline(engine, principal.account_id) is None


async def test_a_person_designated_principal_loses_his_deadline(runtime, engine) -> None:
    agent = created("gestionnaire", "JMCOL104")
    await consume(runtime, agent)
    assert await deadline(engine, agent.account_id) is not None
    await consume(
        runtime,
        HabilitationChanged(
            account_id=agent.account_id,
            organisation_id=agent.organisation_id,
            siret=agent.siret,
            role="administrateur_principal",
            profile="cloture",
            changed_by=uuid.uuid4(),
            changed_at=datetime.now(UTC),
        ),
    )
    assert await deadline(engine, agent.account_id) is None


async def test_the_first_login_speaks_guide_000(runtime, client, engine, keypair) -> None:
    event = created("gestionnaire", "JMCOL105")
    await consume(runtime, event)
    (mail,) = await issued(engine, event.account_id)
    temporary = Unsealer(keypair[0]).unseal(mail["temporary_password_sealed"])
    login = {"identifiant": "jmcol105", "mot_de_passe": temporary, "type_compte": "gestionnaire"}
    first = await client.post("/v1/token", json=login)
    assert first.status_code == 403
    assert first.json()["detail"] == (
        "Il s'agit de votre première connexion : vous devez changer immédiatement votre mot "
        "de passe. Pour être accepté, votre mot de passe doit impérativement compter 5 "
        "lettres (composées de majuscules et de minuscules) et 3 chiffres."
    )
    changed = await client.post(
        "/v1/mot-de-passe/premiere-connexion",
        json={
            "action_token": first.json()["action_token"],
            "ancien": temporary,
            "nouveau": NEW_PASSWORD,
            "confirmation": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["message"] == (
        "Votre mot de passe a bien été mis à jour. Vous pouvez désormais vous identifier avec. "
        "Lors de la première connexion, vous devez également valider les conditions "
        "générales d'utilisation."
    )
    again = await client.post("/v1/token", json=login | {"mot_de_passe": NEW_PASSWORD})
    assert again.status_code == 403
    assert again.json()["detail"] == (
        "Lors de la première connexion, vous devez également valider les conditions "
        "générales d'utilisation."
    )


async def pending(uow_factory, new_account, kind: AccountKind, login: str) -> str:
    account = new_account(
        kind, login=login, email=f"{uuid.uuid4().hex[:8]}@example.fr", status=AccountStatus.PENDING
    )
    secret, token = OneTimeToken.issue(account.id, datetime.now(UTC), timedelta(days=1))
    async with uow_factory() as uow:
        assert await uow.accounts.add(account)
        await uow.accounts.add_activation_token(token)
    return secret


NIR_WORDS = (
    "Votre compte a bien été activé, vous pouvez vous connecter avec votre numéro de "
    "Sécurité sociale et le mot de passe que vous avez choisi lors de votre inscription."
)
PORTAL_WORDS = (
    "Votre compte a été activé. Vous pouvez vous connecter avec votre adresse "
    "électronique et le mot de passe que vous avez choisi lors de votre inscription."
)


async def two_pending(uow_factory, new_account, clock) -> tuple[str, str]:
    clock.now = datetime.now(UTC)
    titulaire = await pending(uow_factory, new_account, AccountKind.TITULAIRE, "255081416802538")
    portail = await pending(
        uow_factory, new_account, AccountKind.PORTAIL, f"{uuid.uuid4().hex[:8]}@example.fr"
    )
    return titulaire, portail


async def test_each_kind_has_its_activation_page(client, uow_factory, new_account, clock) -> None:
    titulaire, portail = await two_pending(uow_factory, new_account, clock)
    page = await client.post("/activation", data={"token": titulaire})
    assert page.status_code == 200 and NIR_WORDS.replace("'", "&#x27;") in page.text
    assert "Accéder au portail" not in page.text
    page = await client.post("/activation", data={"token": portail})
    assert page.status_code == 200
    assert "<h1>Votre compte a été activé</h1>" in page.text
    assert PORTAL_WORDS.replace("'", "&#x27;") in page.text
    assert '<a href="https://mesdemarches.example">Accéder au portail</a>' in page.text
    assert "Sécurité sociale" not in page.text


async def test_each_kind_has_its_activation_message(
    client, uow_factory, new_account, clock
) -> None:
    titulaire, portail = await two_pending(uow_factory, new_account, clock)
    for secret, words in ((titulaire, NIR_WORDS), (portail, PORTAL_WORDS)):
        answer = await client.post("/v1/activations", json={"token": secret})
        assert answer.status_code == 200 and answer.json() == {"message": words}


async def log_in(client, kind: AccountKind, login: str) -> dict[str, str]:
    response = await client.post(
        "/v1/token",
        json={"identifiant": login, "mot_de_passe": PASSWORD, "type_compte": kind.value},
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_each_kind_reads_its_own_details(client, uow_factory, new_account) -> None:
    hasher = PasswordHasher(memory_kib=64, time_cost=1, parallelism=1, threads=1)
    password_hash = await hasher.hash(PASSWORD)
    tag = uuid.uuid4().hex[:6]
    cases = {
        AccountKind.TITULAIRE: "180017512345678",
        AccountKind.GESTIONNAIRE: f"ABCDE{uuid.uuid4().int % 1000:03d}",
        AccountKind.PORTAIL: f"portail.{tag}@example.fr",
        AccountKind.OPERATEUR: f"agent.{tag}@example.fr",
    }
    company = Company("73282932000074", "ACME", "1 rue de la Paix", "75002", "Paris")
    for kind, login in cases.items():
        account = new_account(
            kind,
            login=login,
            email=f"{kind.value}.{tag}@example.fr",
            title="MME",
            first_name="" if kind is AccountKind.TITULAIRE else "Claire",
            last_name="Martin",
            mobile="0612345678",
            landline="0142000000" if kind is AccountKind.TITULAIRE else None,
            password_hash=password_hash,
        )
        async with uow_factory() as uow:
            assert await uow.accounts.add(account)
            if kind is AccountKind.PORTAIL:
                await uow.companies.add(account.id, company)
        response = await client.get("/v1/moi", headers=await log_in(client, kind, login))
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        body = response.json()
        assert body == {
            "type_compte": kind.value,
            "identifiant": login,
            "civilite": "MME",
            "prenom": account.first_name,
            "nom": "Martin",
            "email": account.email,
            "telephone_fixe": account.landline,
            "telephone_mobile": "0612345678",
            "entreprise": (
                {
                    "siret": "73282932000074",
                    "raison_sociale": "ACME",
                    "adresse": "1 rue de la Paix",
                    "code_postal": "75002",
                    "commune": "Paris",
                }
                if kind is AccountKind.PORTAIL
                else None
            ),
            "cree_le": body["cree_le"],
        }
        assert datetime.fromisoformat(body["cree_le"]) == account.created_at
    anonymous = await client.get("/v1/moi")
    assert anonymous.status_code == 401
