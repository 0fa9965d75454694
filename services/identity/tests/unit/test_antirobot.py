"""The proof-of-work anti-robot check: HMAC'd challenge, difficulty, expiry, single use."""

import hashlib
from datetime import timedelta

import httpx
import pytest
from identity.adapters.antirobot import ProofOfWork, RemoteCaptcha, leading_zero_bits, solve
from identity.app.antirobot import Proof, forget_used_challenges, issue_challenge
from identity.domain.errors import NoChallenge
from identity.store.fake import FakeIdentityUnitOfWork


class Used:
    def __init__(self) -> None:
        self.ids: set[str] = set()

    async def first_use(self, challenge_id, expires_at) -> bool:
        if challenge_id in self.ids:
            return False
        self.ids.add(challenge_id)
        return True


@pytest.fixture
def pow_(clock) -> ProofOfWork:
    return ProofOfWork(b"k" * 32, 8, timedelta(minutes=10), clock)


def test_leading_zero_bits() -> None:
    assert leading_zero_bits(b"\x00\x00\x01") == 23
    assert leading_zero_bits(b"\x0f") == 4
    assert leading_zero_bits(b"\x80") == 0


async def test_a_solved_challenge_passes_once(pow_) -> None:
    defi = pow_.challenge()["defi"]
    solution = solve(defi, 8)
    assert leading_zero_bits(hashlib.sha256((defi + solution).encode()).digest()) >= 8
    used = Used()
    assert await pow_.verify(Proof(defi, solution), used)
    assert not await pow_.verify(Proof(defi, solution), used)


async def test_forged_unsolved_or_expired_challenges_fail(pow_, clock) -> None:
    used = Used()
    defi = pow_.challenge()["defi"]
    solution = solve(defi, 8)
    forged = defi.replace(".8.", ".1.")
    assert not await pow_.verify(Proof(forged, solve(forged, 1)), used)
    wrong = next(
        format(n, "x")
        for n in range(1000)
        if leading_zero_bits(hashlib.sha256((defi + format(n, "x")).encode()).digest()) < 8
    )
    assert not await pow_.verify(Proof(defi, wrong), used)
    assert not await pow_.verify(Proof(None, solution), used)
    clock.advance(timedelta(minutes=10))
    assert not await pow_.verify(Proof(defi, solution), used)
    assert used.ids == set()


async def test_the_captcha_adapter_asks_the_configured_url(monkeypatch) -> None:
    seen = {}

    def answer(request: httpx.Request) -> httpx.Response:
        seen["body"] = request.content.decode()
        return httpx.Response(200, json={"success": "ok" in seen["body"]})

    transport = httpx.MockTransport(answer)
    original = httpx.AsyncClient

    def client(**kwargs):
        return original(transport=transport, **kwargs)

    monkeypatch.setattr(httpx, "AsyncClient", client)
    captcha = RemoteCaptcha("https://captcha.example/siteverify", "s3cret")
    assert captcha.challenge() is None
    assert await captcha.verify(Proof(jeton="ok-token"), Used())
    assert "secret=s3cret" in seen["body"] and "response=ok-token" in seen["body"]
    assert not await captcha.verify(Proof(jeton="bad"), Used())
    assert not await captcha.verify(Proof(), Used())


async def test_a_challenge_is_issued_only_by_a_method_that_has_one(pow_, clock) -> None:
    issued = issue_challenge(pow_)
    assert issued["difficulte"] == 8
    with pytest.raises(NoChallenge):
        issue_challenge(RemoteCaptcha("https://captcha.example/verify", "secret"))


async def test_expired_used_challenges_are_forgotten(pow_, clock) -> None:
    uow = FakeIdentityUnitOfWork()
    async with uow:
        assert await uow.used_challenges.first_use("a", clock.now + timedelta(minutes=1))
        assert await uow.used_challenges.first_use("b", clock.now + timedelta(minutes=20))
    clock.advance(timedelta(minutes=10))
    async with uow:
        await forget_used_challenges(uow, clock=clock)
    assert set(uow.used_challenges.used) == {"b"}
