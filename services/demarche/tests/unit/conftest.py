"""Use cases on the fake unit of work: no database, no broker, no network."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from cpf_runtime.clock import FakeClock
from demarche.adapters.hashing import HmacCodeHasher
from demarche.app.agents import Actor, grant_agent
from demarche.app.ports import Ports
from demarche.store.fake import FakeDemarcheUnitOfWork
from demarche_world import Draw, LettersSeen, World


@pytest.fixture
async def world() -> World:
    clock = FakeClock(datetime(2026, 12, 1, 9, 30, tzinfo=UTC))
    letters = LettersSeen()
    ports = Ports(clock=clock, draw=Draw(), hasher=HmacCodeHasher(b"k" * 32), letters=letters)
    uow = FakeDemarcheUnitOfWork()
    agent = Actor(uuid.uuid4(), "operateur")
    async with uow:
        await grant_agent(
            uow,
            clock,
            account_id=agent.account_id,
            demarche="ceres",
            service="Direccte Île-de-France",
            ville="Paris",
        )
    return World(uow, ports, clock, letters, agent)
