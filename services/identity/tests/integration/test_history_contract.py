"""The ``History`` port's contract, held by the in-memory and the SQL repositories (the
``store`` fixture runs each test on both)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from identity.app.ports import HistoryEntry

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


async def test_an_account_s_history_is_its_own_newest_first(store, an_account) -> None:
    mine, theirs = await an_account(), await an_account()
    async with store() as uow:
        await uow.history.record(mine, "connexion", NOW, "192.0.2.1")
        await uow.history.record(theirs, "connexion", NOW, None)
        await uow.history.record(mine, "echec_connexion", NOW + timedelta(minutes=1), None)
    async with store() as uow:
        await uow.history.record(mine, "changement_adresse", NOW - timedelta(days=1), None)
    async with store() as uow:
        # Newest recorded first, whatever the dates say (an entry is a fact, in its order).
        assert await uow.history.of(mine, 10) == [
            HistoryEntry("changement_adresse", NOW - timedelta(days=1), None),
            HistoryEntry("echec_connexion", NOW + timedelta(minutes=1), None),
            HistoryEntry("connexion", NOW, "192.0.2.1"),
        ]
        assert [e.what for e in await uow.history.of(mine, 2)] == [
            "changement_adresse",
            "echec_connexion",
        ]
        assert await uow.history.of(uuid.uuid4(), 10) == []
