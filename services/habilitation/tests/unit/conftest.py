"""Use cases on the fake unit of work: no database, no broker, no network."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from cpf_runtime.clock import FakeClock
from habilitation.app.common import Actor
from habilitation.app.gestionnaires import NewGestionnaire, create_gestionnaire
from habilitation.app.organisations import NewOrganisation, NewPerson, create_organisation
from habilitation.app.ports import Entreprise, Ports
from habilitation.app.unite import create_unite
from habilitation.domain.models import Gestionnaire, Organisation, Unite
from habilitation.domain.siret import luhn_check_digit
from habilitation.store.fake import FakeHabilitationUnitOfWork

KNOWN = Entreprise("38197644802779", "CREDIT AGRICOLE ALPES PROVENCE", "25 CH", "13097", "AIX")
OPERATOR = Actor(str(uuid.uuid4()), "operateur")


class MemoryRegister:
    def __init__(self, *known: Entreprise) -> None:
        self.known = {e.siret: e for e in known}

    async def lookup(self, siret: str) -> Entreprise | None:
        return self.known.get(siret)


def person(**over: Any) -> NewPerson:
    email = over.pop("email", f"p.{uuid.uuid4().hex[:8]}@example.fr")
    fields = {
        "civilite": "M",
        "prenom": "Jean-Marc",
        "nom": "Collot",
        "email": email,
        "email_confirmation": email,
        "telephone": "0442192419",
        "fonction": None,
    } | over
    return NewPerson(**fields)


@dataclass
class Org:
    """An organisation with its principal administrator and its unit, on the fake."""

    uow: FakeHabilitationUnitOfWork
    ports: Ports
    organisation: Organisation
    principal: Gestionnaire
    unite: Unite

    @property
    def admin(self) -> Actor:
        return Actor(str(self.principal.account_id), "gestionnaire")

    async def add(self, *, by: Actor | None = None, **over: Any) -> Gestionnaire:
        rights = {k: over.pop(k) for k in ("administrateur_delegue", "profile") if k in over}
        form = NewGestionnaire(
            person=person(**({"civilite": "MME", "prenom": "Claire", "nom": "Martin"} | over)),
            unite_id=self.unite.id,
            administrateur_delegue=rights.get("administrateur_delegue", False),
            profile=rights.get("profile", "consultation"),
        )
        async with self.uow:
            created, _ = await create_gestionnaire(
                self.uow, form, actor=by or self.admin, ports=self.ports
            )
        return created


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def ports(clock: FakeClock) -> Ports:
    numbers = itertools.count(1)
    return Ports(register=MemoryRegister(KNOWN), clock=clock, draw=lambda n: next(numbers) % n)


@pytest.fixture
def uow() -> FakeHabilitationUnitOfWork:
    return FakeHabilitationUnitOfWork()


async def new_org(uow: FakeHabilitationUnitOfWork, ports: Ports, siret: str = KNOWN.siret) -> Org:
    raison_sociale = None if siret == KNOWN.siret else "ENTREPRISE DE TEST"  # else: the register's
    form = NewOrganisation(siret, raison_sociale, "employeur", administrateur=person())
    async with uow:
        created = await create_organisation(uow, form, actor=OPERATOR, ports=ports)
    admin = Actor(str(created.principal.account_id), "gestionnaire")
    async with uow:
        unite = await create_unite(uow, actor=admin, nom="Unité Formation", clock=ports.clock)
    return Org(uow, ports, created.organisation, created.principal, unite)


@pytest.fixture
async def org(uow: FakeHabilitationUnitOfWork, ports: Ports) -> Org:
    return await new_org(uow, ports)


class Kit:
    """The helpers above, for test modules (``--import-mode=importlib`` cannot import a
    conftest)."""

    KNOWN = KNOWN
    OPERATOR = OPERATOR
    MemoryRegister = MemoryRegister
    person = staticmethod(person)
    new_org = staticmethod(new_org)

    @staticmethod
    def siret(n: int) -> str:
        partial = f"{n:013d}"
        return partial + luhn_check_digit(partial)


@pytest.fixture
def kit() -> type[Kit]:
    return Kit
