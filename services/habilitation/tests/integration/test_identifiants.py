"""Identifiants stay unique when the drawn digits collide, sequentially or concurrently."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from datetime import UTC, datetime
from typing import Any

from habilitation.app.common import Actor
from habilitation.app.people import add_person
from habilitation.domain.person import Contact

OPERATOR = Actor(str(uuid.uuid4()), "operateur")


async def person(api: Any, org_id: str, draw: Any) -> str:
    contact = Contact("M", "Jean", "Homonyme", f"{uuid.uuid4().hex[:8]}@example.fr", None, None)
    async with api.uow() as uow:
        organisation = await uow.organisations.get(uuid.UUID(org_id))
        assert organisation is not None
        row = await add_person(
            uow,
            actor=OPERATOR,
            organisation=organisation,
            contact=contact,
            role="gestionnaire",
            profile="consultation",
            unite_id=None,
            now=datetime.now(UTC),
            draw=draw,
        )
        return row.identifiant


async def test_a_taken_identifiant_is_skipped(api: Any) -> None:
    org = await api.organisation()
    tag = uuid.uuid4().int % 900  # keep this test's numbers apart from a re-run's
    first = await person(api, org.id, lambda n: tag)
    draws = itertools.chain([tag, tag], itertools.count(tag + 1))
    second = await person(api, org.id, lambda n: next(draws))
    assert first == f"JHOMO{tag:03d}" and second == f"JHOMO{tag + 1:03d}"


async def test_concurrent_creations_never_share_an_identifiant(api: Any) -> None:
    org = await api.organisation()
    base = uuid.uuid4().int % 800

    def draws() -> Any:
        numbers = itertools.chain([base], itertools.count(base))
        return lambda n: next(numbers)

    made = await asyncio.gather(*(person(api, org.id, draws()) for _ in range(6)))
    assert len(set(made)) == 6
