"""The revocation list: sessions, subjects revoked after ``iat``, forgetting after the
longest token lifetime, events read from identity's topic, and the verifier's 401."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from cpf_contracts.events.identity import AccountDeleted, PasswordChanged, SessionsRevoked
from cpf_runtime.revocations import PRUNE_EVERY_SECONDS, RevocationList, max_horizon

T0 = 1_800_000_000.0
HORIZON = 3660.0


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def revoked(clock: Clock) -> RevocationList:
    return RevocationList(HORIZON, clock=clock)


def claims(sub: str = "acc-1", sid: str = "s-1", iat: float = T0 - 10) -> dict[str, object]:
    return {"sub": sub, "sid": sid, "iat": int(iat)}


def test_a_revoked_session_is_refused_whatever_its_iat(revoked: RevocationList) -> None:
    revoked.revoke_sessions(["s-1"], T0)
    assert revoked.is_revoked(claims(sid="s-1"))
    assert revoked.is_revoked(claims(sid="s-1", iat=T0 + 5))
    assert not revoked.is_revoked(claims(sid="s-2"))  # the caller's kept session
    assert not revoked.is_revoked({"sub": "acc-1", "iat": int(T0)})  # no sid claim at all


def test_a_revoked_subject_refuses_tokens_issued_up_to_the_revocation(
    revoked: RevocationList,
) -> None:
    revoked.revoke_subject("acc-1", T0 + 0.4)
    assert revoked.is_revoked(claims(iat=T0 - 600))
    assert revoked.is_revoked(claims(iat=T0))  # iat is whole seconds: same second refused
    assert not revoked.is_revoked(claims(iat=T0 + 1))
    assert not revoked.is_revoked(claims(sub="acc-2"))


def test_entries_are_forgotten_after_the_longest_token_lifetime(
    revoked: RevocationList, clock: Clock
) -> None:
    revoked.revoke_sessions(["s-1"], T0)
    revoked.revoke_subject("acc-1", T0)
    clock.now = T0 + HORIZON + PRUNE_EVERY_SECONDS
    revoked.revoke_sessions(["s-2"], clock.now)  # any addition prunes, at most once a minute
    assert len(revoked) == 1
    assert not revoked.is_revoked(claims(sid="s-1"))
    assert revoked.is_revoked(claims(sid="s-2"))


def test_revocations_older_than_the_horizon_are_not_even_kept(
    revoked: RevocationList,
) -> None:
    revoked.revoke_subject("acc-1", T0 - HORIZON - 1)
    revoked.revoke_sessions(["s-1"], T0 - HORIZON - 1)
    assert len(revoked) == 0


def test_the_horizon_is_the_token_lifetime_and_a_minute_of_skew() -> None:
    assert max_horizon(3600) == HORIZON


def raw(event: object) -> bytes:
    return event.to_cloudevent().to_bytes()  # type: ignore[attr-defined]


def test_identity_events_feed_the_list(clock: Clock) -> None:
    revoked = RevocationList(HORIZON)  # real time: events are stamped now
    now = datetime.now(UTC)
    account, session = uuid.uuid4(), uuid.uuid4()
    ended = SessionsRevoked(
        account_id=account, session_ids=[session], reason="logout", revoked_at=now
    )
    deleted = AccountDeleted(
        account_id=account, kind="gestionnaire", reason="deactivated", deleted_at=now
    )
    other = PasswordChanged(account_id=account, kind="titulaire", reason="reset", changed_at=now)
    assert revoked.apply(raw(ended)) and revoked.apply(raw(deleted))
    assert not revoked.apply(raw(other))
    assert not revoked.apply(b"not json") and not revoked.apply(None)
    assert revoked.is_revoked({"sub": "x", "sid": str(session), "iat": int(now.timestamp())})
    early = int((now - timedelta(minutes=1)).timestamp())
    assert revoked.is_revoked({"sub": str(account), "sid": "other", "iat": early})
