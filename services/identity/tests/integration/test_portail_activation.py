"""A portal user's company becomes a fact (ADR 0006): after a real activation on PostgreSQL,
``AccountActivated`` in the outbox carries the company given at sign-up; other kinds none."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from cpf_contracts.events.identity import AccountActivated, AccountRegistered
from cpf_runtime.sealing import Sealer, Unsealer
from identity.adapters.passwords import PasswordHasher
from identity.app.activation import activate_account
from identity.app.antirobot import Proof
from identity.app.portail import sign_up_portail
from identity.app.signup import SignupRules, sign_up_titulaire
from identity.domain.password_policy import PORTAIL, TITULAIRE
from identity.domain.portail import PortailSignup
from identity.domain.signup import TitulaireSignup
from sqlalchemy import text

HASHER = PasswordHasher(memory_kib=64, time_cost=1, parallelism=1, threads=4)
PUBLIC_URL = "https://identite.example"


class NoRobotCheck:
    """Every proof holds: the anti-robot methods have their own tests."""

    def challenge(self) -> None:
        return None

    async def verify(self, proof: Proof, used: object) -> bool:
        return True


PORTAIL_FORM = PortailSignup(
    cgu_acceptees=True,
    email="Claire.Martin@Example.FR",
    email_confirmation="claire.martin@example.fr",
    mot_de_passe="Portail2026-ok",
    mot_de_passe_confirmation="Portail2026-ok",
    civilite="MME",
    prenom="Claire",
    nom="Martin",
    telephone="0450123456",
    siret="732 829 320 00074",
    raison_sociale="Ateliers du Lac (modifiée)",
    adresse="1 rue du Port",
    code_postal="74000",
    commune="Annecy",
)
TITULAIRE_FORM = TitulaireSignup(
    cgu_acceptees=True,
    nir="255081416802538",
    civilite="M",
    prenom="Jean",
    nom_naissance="Dupont",
    email="jean.dupont@example.org",
    email_confirmation="jean.dupont@example.org",
    mot_de_passe="Abcde123",
    mot_de_passe_confirmation="Abcde123",
)


async def outbox_data(engine, event_type: str) -> list[dict[str, object]]:
    async with engine.connect() as conn:
        payloads = await conn.scalars(
            text("SELECT payload FROM outbox WHERE type = :type ORDER BY id"), {"type": event_type}
        )
        return [json.loads(p)["data"] for p in payloads]


async def sign_up_and_activate(engine, uow_factory, keypair, clock, sign_up, form, rules) -> None:
    async with uow_factory() as uow:
        await sign_up(
            uow,
            form,
            Proof(),
            anti_robot=NoRobotCheck(),
            hasher=HASHER,
            sealer=Sealer(keypair[1]),
            clock=clock,
            rules=rules,
        )
    [registered] = await outbox_data(engine, AccountRegistered.event_type())
    link = Unsealer(keypair[0]).unseal(str(registered["activation_link_sealed"]))
    async with uow_factory() as uow:
        await activate_account(uow, parse_qs(urlsplit(link).query)["token"][0], clock=clock)


async def test_a_portal_activation_publishes_the_company_given_at_sign_up(
    engine, uow_factory, keypair, clock
) -> None:
    rules = SignupRules(PORTAIL, timedelta(hours=24), "2025-01", PUBLIC_URL)
    await sign_up_and_activate(
        engine, uow_factory, keypair, clock, sign_up_portail, PORTAIL_FORM, rules
    )

    [activated] = await outbox_data(engine, AccountActivated.event_type())
    assert activated["kind"] == "portail"
    assert activated["login"] == "claire.martin@example.fr"
    assert activated["entreprise"] == {
        "siret": "73282932000074",
        "raison_sociale": "Ateliers du Lac (modifiée)",
        "adresse": "1 rue du Port",
        "code_postal": "74000",
        "commune": "Annecy",
    }
    # The portal form's one phone (kept as the account's mobile), for the users screen.
    assert (activated["telephone_fixe"], activated["telephone_mobile"]) == (None, "0450123456")
    # What a consumer reads back: the contract's model, company included.
    assert AccountActivated.model_validate(activated).entreprise is not None


async def test_a_titulaire_activation_carries_no_company(
    engine, uow_factory, keypair, clock
) -> None:
    rules = SignupRules(TITULAIRE, timedelta(days=15), "2025-01", PUBLIC_URL)
    await sign_up_and_activate(
        engine, uow_factory, keypair, clock, sign_up_titulaire, TITULAIRE_FORM, rules
    )

    [activated] = await outbox_data(engine, AccountActivated.event_type())
    assert activated["kind"] == "titulaire"
    assert activated["entreprise"] is None
