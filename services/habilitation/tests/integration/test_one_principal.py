"""1 organisation = 1 SIRET = 1 principal administrator (guides 000, 001): PostgreSQL itself
refuses a second active principal (the partial unique index ``uq_gestionnaire_principal``),
so two concurrent designations can never both win."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from habilitation.domain.models import Gestionnaire, Organisation
from habilitation.domain.siret import luhn_check_digit
from sqlalchemy.exc import IntegrityError

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)


def organisation() -> Organisation:
    partial = f"{uuid.uuid4().int % 10**13:013d}"
    return Organisation(
        id=uuid.uuid4(),
        siret=partial + luhn_check_digit(partial),
        raison_sociale="ORGANISME",
        kind="employeur",
        created_by="test",
        created_at=NOW,
    )


def person(org: Organisation, role: str, **over: Any) -> Gestionnaire:
    tag = uuid.uuid4().hex[:8]
    letters = tag[:4].upper().translate(str.maketrans("0123456789", "GHIJKLMNOP"))
    fields = {
        "account_id": uuid.uuid4(),
        "identifiant": f"T{letters}{uuid.uuid4().int % 1000:03d}",
        "organisation_id": org.id,
        "unite_id": None,
        "civilite": "M",
        "prenom": "Jean",
        "nom": "Dupont",
        "email": f"{tag}@example.fr",
        "telephone": None,
        "fonction": None,
        "role": role,
        "profile": "cloture",
        "active": True,
        "created_by": "test",
        "created_at": NOW,
    }
    return Gestionnaire(**(fields | over))


async def test_a_second_active_principal_is_refused_by_the_database(api: Any) -> None:
    org = organisation()
    async with api.uow() as uow:
        await uow.organisations.add(org)
        await uow.gestionnaires.add(person(org, "administrateur_principal"))
        with pytest.raises(IntegrityError, match="uq_gestionnaire_principal"):
            await uow.gestionnaires.add(person(org, "administrateur_principal"))


async def test_delegues_are_many_and_a_deactivated_principal_gives_way(api: Any) -> None:
    org, other = organisation(), organisation()
    first = person(org, "administrateur_principal")
    async with api.uow() as uow:
        await uow.organisations.add(org)
        await uow.organisations.add(other)
        await uow.gestionnaires.add(first)
        await uow.gestionnaires.add(person(org, "administrateur_delegue"))
        await uow.gestionnaires.add(person(org, "administrateur_delegue"))
        await uow.gestionnaires.add(person(other, "administrateur_principal"))
    async with api.uow() as uow:
        first.active, first.deactivated_at = False, NOW
        await uow.gestionnaires.update(first)
        await uow.gestionnaires.add(person(org, "administrateur_principal"))
