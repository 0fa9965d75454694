"""Scenario 12: hypothesis state machines of habilitation's rights, run against its real
app (in-process, ``httpx.ASGITransport``) on a real PostgreSQL migrated by Alembic, each
with a plain Python model beside it (``habilitation_model.py``).

``HabilitationMachine``, the démarches (DOMAIN.md §3, guides 002 and 004): two companies
(two SIRENs, two SIRETs each) and a third party, six portal accounts, the four démarches
of the catalogue. Steps: a code redeemed (``ActivationCodeRedeemed`` handed to the
consumer ``main.build`` wires, as demarche's event would be), an access request then its
acceptance or refusal, an invitation (Ceres) then its acceptance, resending or
cancellation, a delegation (Mon Activité Formation) proposed, accepted, changed or revoked,
a gestionnaire adding, changing or removing a habilitation, the test clock moving on (end
dates, invitation expiry) and the two jobs. Actors are drawn from both companies and the
third party, so a good share of the attempts aim at the other company's things. Portal
accounts come from identity's ``AccountActivated`` through the directory's consumer;
nothing is written in SQL. After every step, for the démarche(s) the step touched: every
account × SIRET asked of ``GET /v1/autorisations`` answers exactly the model's roles and
ways (``via``); every gestionnaire's users screen, history, account search and pending
invitations are the model's (so nothing of the other company appears) and a
non-gestionnaire's users screen is refused; every account's « Mes démarches » home is the
model's. After every example, the same for all four démarches. A step's answer (status and
problem code) is the model's too.

``SpaceMachine``, the CPF employer space (DOMAIN.md §2, guides 000 and 001): three
organisations (two SIRETs of one company, one of another) created by the operator with
their principal; people created (délégué or gestionnaire, with a profile), edited (role,
profile), deactivated and read by whoever is drawn. After every step: every person's
``GET /v1/moi/habilitations`` (role, profile, actions; 403 once deactivated), every
administrator's search listing exactly the active people of their organisation, their own
organisation's history and 403 on the others'; every active person reads their own
organisation and gets 403 on the others.
"""

from __future__ import annotations

import asyncio
import random
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import habilitation
import httpx
import pytest
from cpf_contracts.base import Event
from cpf_contracts.catalogue import CATALOGUE, demarche
from cpf_contracts.events.demarche import ActivationCodeRedeemed
from cpf_contracts.events.identity import AccountActivated, Entreprise
from cpf_local.postgres import PostgresCluster
from cpf_local.testing import migrated_database
from cpf_runtime.clock import FakeClock
from cpf_runtime.service import Runtime
from cpf_runtime.testing import TokenMint
from habilitation.adapters.register.file import DEFAULT_FILE, FileRegister
from habilitation.app.demarches.delegations import end_delegations
from habilitation.app.demarches.invitations import expire_invitations
from habilitation.app.ports import Ports
from habilitation.domain.siret import luhn_check_digit
from habilitation.jobs import run_until_done
from habilitation.main import build
from habilitation.settings import HabilitationSettings
from habilitation_model import (
    DELEGUE,
    GESTIONNAIRE,
    INVITATION_VALIDITY,
    PRINCIPAL,
    PROFILE_ACTIONS,
    Account,
    Delegation,
    Invitation,
    Key,
    Model,
    Outcome,
    Person,
    Request,
    SpaceModel,
    siren,
)
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

CODES = [d.code for d in CATALOGUE]
MAF, CERES = "mon_activite_formation", "ceres"
NAMES = ["a1", "a2", "a3", "b1", "b2", "t"]  # a*: company A, b*: company B, t: a third party
HOURS = [1, 6, 24, 3 * 24, 8 * 24]
END_DAYS = [None, -1, 0, 1, 2, 5]


# Hypothesis seeds ``random`` for each example (and again when it replays one): the companies
# of every example must be new, so they are drawn from the system's randomness.
DIGITS = random.SystemRandom()


def siret_of(company: str) -> str:
    partial = company + "".join(DIGITS.choice("0123456789") for _ in range(4))
    return partial + luhn_check_digit(partial)


def new_company() -> str:
    return "".join(DIGITS.choice("0123456789") for _ in range(9))


def slug(response: httpx.Response) -> str | None:
    if response.status_code < 300:
        return None
    body = response.json()
    if response.status_code == 422 and body.get("errors"):
        return str(body["errors"][0]["rule"])
    return str(body.get("type", "")).rsplit("/", 1)[-1]


@dataclass
class Figures:
    examples: int = 0
    steps: int = 0
    decisions_checked: int = 0
    outcomes_checked: int = 0
    listings_checked: int = 0
    cross_org_attempts: int = 0
    cross_org_reads: int = 0
    mismatches: int = 0
    check_seconds: float = 0.0


@dataclass
class World:
    """The app, its clock and tokens, shared by every example (each builds new companies)."""

    runner: asyncio.Runner
    runtime: Runtime
    client: httpx.AsyncClient
    mint: TokenMint
    clock: FakeClock
    figures: Figures = field(default_factory=Figures)
    space: Figures = field(default_factory=Figures)
    headers: dict[uuid.UUID, dict[str, str]] = field(default_factory=dict)

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return self.runner.run(coro)

    def auth(self, account_id: uuid.UUID) -> dict[str, str]:
        if account_id not in self.headers:
            self.headers[account_id] = self.mint.headers(kind="portail", account_id=account_id)
        return self.headers[account_id]

    async def deliver(self, event: Event) -> None:
        """Hand identity's or demarche's event to the consumer group of main.py that takes
        it (the CPF space's own group aside), as the broker would."""
        raw = event.to_cloudevent().to_bytes()
        outcomes = [
            await consumer.handle(raw)
            for consumer in self.runtime.consumers
            if consumer.group_id != "habilitation.accounts"
            and any(isinstance(event, s.event) for s in consumer.subscriptions)
        ]
        assert outcomes == ["processed"], outcomes


async def gather_limited(calls: Iterable[Awaitable[Any]], width: int = 4) -> list[Any]:
    gate = asyncio.Semaphore(width)

    async def one(call: Awaitable[Any]) -> Any:
        async with gate:
            return await call

    return list(await asyncio.gather(*(one(c) for c in calls)))


class HabilitationMachine(RuleBasedStateMachine):
    world: World  # set by run_machine

    def __init__(self) -> None:
        super().__init__()
        w = self.world
        w.figures.examples += 1
        self.a, self.b, self.c = new_company(), new_company(), new_company()
        self.sirets = [siret_of(self.a), siret_of(self.a), siret_of(self.b), siret_of(self.b)]
        self.tiers_siret = siret_of(self.c)
        homes = {
            "a1": self.sirets[0],
            "a2": self.sirets[0],
            "a3": self.sirets[1],
            "b1": self.sirets[2],
            "b2": self.sirets[3],
            "t": self.tiers_siret,
        }
        accounts = {}
        for name, home in homes.items():
            account_id = uuid.uuid4()
            email = f"{name}.{account_id.hex[:8]}@example.fr"
            accounts[name] = Account(name, account_id, email, home)
            w.run(w.deliver(activated(account_id, email, name, home)))
        self.model = Model(accounts, w.clock())
        self.hab_ids: dict[Key, uuid.UUID] = {}
        self.touched: set[str] = set(CODES)
        # Each company starts with its letters' gestionnaire on both démarches that bring
        # others in (so that every example has something to grant, delegate and refuse).
        for who, i in (("a1", 0), ("b1", 2)):
            for code in (MAF, CERES):
                self.redeem_code(who, code, i)

    # -- plumbing ------------------------------------------------------------------------

    def id_of(self, name: str) -> uuid.UUID:
        return self.model.accounts[name].id

    def call(self, method: str, url: str, who: str, **kw: Any) -> httpx.Response:
        w = self.world
        return w.run(w.client.request(method, url, headers=w.auth(self.id_of(who)), **kw))

    def expect(self, expected: Outcome, response: httpx.Response, what: str) -> None:
        w = self.world
        w.figures.outcomes_checked += 1
        got = Outcome(response.status_code, slug(response))
        if got != expected:
            w.figures.mismatches += 1
            raise AssertionError(
                f"{what}: the model says {expected}, the app {got}: {response.text}"
            )

    def cross(self, actor: str, code: str, siret: str) -> bool:
        """An attempt on another company's thing (counted; the model refuses it)."""
        outside = siren(siret) not in self.model.sirens(actor, code)
        if outside:
            self.world.figures.cross_org_attempts += 1
        return outside

    def guard(self, outside: bool, response: httpx.Response) -> None:
        if outside and response.status_code < 300:
            self.world.figures.cross_org_reads += 1

    def actor(self, data: st.DataObject, code: str, siret: str | None = None) -> str:
        """Half the time a gestionnaire of the démarche (of the SIRET's company when given),
        else anyone: the refusals are tried as often as the permitted steps."""
        managers = sorted(
            n
            for n in NAMES
            if self.model.managed(n, code)
            and (siret is None or siren(siret) in self.model.sirens(n, code))
        )
        if managers and data.draw(st.booleans(), label="a manager"):
            return str(data.draw(st.sampled_from(managers), label="actor"))
        return str(data.draw(st.sampled_from(NAMES), label="actor"))

    # -- grants --------------------------------------------------------------------------

    @rule(who=st.sampled_from(NAMES), code=st.sampled_from(CODES), i=st.integers(0, 3))
    def a_code_is_redeemed(self, who: str, code: str, i: int) -> None:
        self.redeem_code(who, code, i)

    def redeem_code(self, who: str, code: str, i: int) -> None:
        siret = self.sirets[i]
        self.touched = {code}
        w = self.world
        event = ActivationCodeRedeemed(
            code_id=uuid.uuid4(),
            demarche=code,  # type: ignore[arg-type]
            siret=siret,
            account_id=self.id_of(who),
            redeemed_at=w.clock(),
        )
        w.run(w.deliver(event))
        self.model.try_redeem(who, code, siret)

    @rule(data=st.data(), code=st.sampled_from(CODES), i=st.integers(0, 3))
    def add_habilitation(self, data: st.DataObject, code: str, i: int) -> None:
        siret = self.sirets[i]
        self.touched = {code}
        actor = self.actor(data, code, siret)
        who = data.draw(st.sampled_from(NAMES), label="account")
        role = data.draw(st.sampled_from([r.code for r in _roles(code)]), label="role")
        outside = self.cross(actor, code, siret)
        expected = self.model.try_add(actor, who, code, role, siret)
        body = {"account_id": str(self.id_of(who)), "role": role, "siret": siret}
        response = self.call("POST", f"/v1/demarches/{code}/habilitations", actor, json=body)
        self.guard(outside, response)
        self.expect(expected, response, f"{actor} adds {who} {code} {role} {siret}")
        if response.status_code == 201:
            self.hab_ids[(who, code, siret)] = uuid.UUID(response.json()["id"])

    def known_habs(self) -> list[Key]:
        order = {s: i for i, s in enumerate(self.sirets)}
        known = [k for k in self.model.habs if k in self.hab_ids]
        return sorted(known, key=lambda k: (k[0], k[1], order[k[2]]))

    @precondition(lambda self: self.known_habs())
    @rule(data=st.data())
    def change_habilitation(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(self.known_habs()), label="habilitation")
        _, code, siret = key
        self.touched = {code}
        actor = self.actor(data, code, siret)
        role = data.draw(st.sampled_from([r.code for r in _roles(code)]), label="role")
        outside = self.cross(actor, code, siret)
        expected = self.model.try_change(actor, key, role)
        url = f"/v1/demarches/{code}/habilitations/{self.hab_ids[key]}"
        response = self.call("PATCH", url, actor, json={"role": role})
        self.guard(outside, response)
        self.expect(expected, response, f"{actor} changes {key} to {role}")

    @precondition(lambda self: self.known_habs())
    @rule(data=st.data())
    def remove_habilitation(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(self.known_habs()), label="habilitation")
        _, code, siret = key
        self.touched = {code}
        actor = self.actor(data, code, siret)
        outside = self.cross(actor, code, siret)
        expected = self.model.try_delete(actor, key)
        url = f"/v1/demarches/{code}/habilitations/{self.hab_ids[key]}"
        response = self.call("DELETE", url, actor)
        self.guard(outside, response)
        self.expect(expected, response, f"{actor} removes {key}")
        if response.status_code == 204:
            del self.hab_ids[key]

    # -- access requests -----------------------------------------------------------------

    @rule(
        who=st.sampled_from(NAMES),
        code=st.sampled_from(CODES),
        i=st.integers(0, 3),
        wished=st.booleans(),
    )
    def request_access(self, who: str, code: str, i: int, wished: bool) -> None:
        siret = self.sirets[i]
        self.touched = {code}
        role = _roles(code)[-1].code if wished else None
        expected = self.model.try_request(who, code, siret)
        url = f"/v1/portail/demarches/{code}/demandes-acces"
        response = self.call("POST", url, who, json={"siret": siret, "role_souhaite": role})
        self.expect(expected, response, f"{who} asks {code} {siret}")
        if response.status_code == 201:
            rid = uuid.UUID(response.json()["id"])
            self.model.requested(Request(rid, who, code, siret, role))

    @precondition(lambda self: self.model.requests)
    @rule(data=st.data(), accept=st.booleans(), give_role=st.booleans())
    def decide_request(self, data: st.DataObject, accept: bool, give_role: bool) -> None:
        rid = data.draw(st.sampled_from(list(self.model.requests)), label="request")
        r = self.model.requests[rid]
        self.touched = {r.demarche}
        actor = self.actor(data, r.demarche, r.siret)
        role = _roles(r.demarche)[0].code if give_role else None
        outside = r.siret not in self.model.managed(actor, r.demarche)
        self.world.figures.cross_org_attempts += outside
        expected = self.model.try_decide(actor, rid, accept, role)
        body: dict[str, Any] = {"decision": "acceptee" if accept else "refusee"}
        body |= {"role": role} if accept else {"motif": "Vous n'êtes pas de notre service."}
        url = f"/v1/demarches/{r.demarche}/demandes-acces/{rid}/decision"
        response = self.call("POST", url, actor, json=body)
        self.guard(outside, response)
        self.expect(expected, response, f"{actor} decides {accept} on {r}")

    # -- invitations (Ceres) -------------------------------------------------------------

    @rule(data=st.data(), code=st.sampled_from([CERES, CERES, CERES, MAF]), i=st.integers(0, 3))
    def invite(self, data: st.DataObject, code: str, i: int) -> None:
        siret = self.sirets[i]
        self.touched = {code}
        actor = self.actor(data, code, siret)
        by_account = data.draw(st.booleans(), label="by account")
        who = data.draw(st.sampled_from(NAMES), label="invitee")
        role = data.draw(st.sampled_from([r.code for r in _roles(code)]), label="role")
        outside = self.cross(actor, code, siret)
        expected = self.model.try_invite(actor, code, siret, who if by_account else None)
        email = self.model.accounts[who].email
        body: dict[str, Any] = {"role": role, "siret": siret}
        body |= {"account_id": str(self.id_of(who))} if by_account else {"email": email}
        response = self.call("POST", f"/v1/demarches/{code}/invitations", actor, json=body)
        self.guard(outside, response)
        self.expect(expected, response, f"{actor} invites {who} to {code} {siret}")
        if response.status_code == 201:
            made = response.json()
            expires = datetime.fromisoformat(made["expire_le"])
            assert expires == self.model.now + INVITATION_VALIDITY, made
            invitation = Invitation(
                uuid.UUID(made["id"]), role, siret, who if by_account else None, email, expires
            )
            self.model.invited(invitation)

    @precondition(lambda self: self.model.invitations)
    @rule(data=st.data())
    def accept_invitation(self, data: st.DataObject) -> None:
        iid = data.draw(st.sampled_from(list(self.model.invitations)), label="invitation")
        who = data.draw(st.sampled_from(NAMES), label="who")
        self.touched = {CERES}
        expected = self.model.try_accept_invitation(who, iid)
        response = self.call("POST", f"/v1/portail/invitations/{iid}/acceptation", who)
        self.expect(expected, response, f"{who} accepts invitation {self.model.invitations[iid]}")
        if response.status_code == 200:
            made = response.json()
            self.hab_ids[(who, made["demarche"], made["siret"])] = uuid.UUID(made["id"])

    @precondition(lambda self: self.model.invitations)
    @rule(data=st.data(), cancel=st.booleans())
    def resend_or_cancel_invitation(self, data: st.DataObject, cancel: bool) -> None:
        iid = data.draw(st.sampled_from(list(self.model.invitations)), label="invitation")
        i = self.model.invitations[iid]
        self.touched = {CERES}
        actor = self.actor(data, CERES, i.siret)
        outside = self.cross(actor, CERES, i.siret)
        url = f"/v1/demarches/{CERES}/invitations/{iid}"
        if cancel:
            expected = self.model.try_cancel(actor, iid)
            response = self.call("DELETE", url, actor)
        else:
            expected = self.model.try_resend(actor, iid)
            response = self.call("POST", f"{url}/renvoi", actor)
        self.guard(outside, response)
        self.expect(expected, response, f"{actor} {'cancels' if cancel else 'resends'} {i}")

    # -- delegations (Mon Activité Formation) -------------------------------------------

    @rule(
        data=st.data(),
        code=st.sampled_from([MAF, MAF, MAF, CERES]),
        i=st.integers(0, 3),
        days=st.sampled_from(END_DAYS),
    )
    def propose_delegation(self, data: st.DataObject, code: str, i: int, days: int | None) -> None:
        siret = self.sirets[i]
        self.touched = {code}
        actor = self.actor(data, code, siret)
        tiers = data.draw(st.sampled_from(["t", "t", "b1", "a2"]), label="tiers")
        role = data.draw(st.sampled_from([r.code for r in _roles(code)]), label="role")
        ends_on = None if days is None else self.model.today + timedelta(days=days)
        outside = self.cross(actor, code, siret)
        expected = self.model.try_propose(actor, code, siret, ends_on)
        email = self.model.accounts[tiers].email
        body = {
            "siret_tiers": self.model.accounts[tiers].siret,
            "email_tiers": email,
            "role": role,
            "siret": siret,
            "fin": ends_on.isoformat() if ends_on else None,
        }
        response = self.call("POST", f"/v1/demarches/{code}/delegations", actor, json=body)
        self.guard(outside, response)
        self.expect(expected, response, f"{actor} delegates {code} {siret} to {tiers}")
        if response.status_code == 201:
            did = uuid.UUID(response.json()["id"])
            self.model.proposed(
                Delegation(did, role, siret, self.model.accounts[tiers].siret, email, ends_on)
            )

    @precondition(lambda self: self.model.delegations)
    @rule(data=st.data())
    def accept_delegation(self, data: st.DataObject) -> None:
        did = data.draw(st.sampled_from(list(self.model.delegations)), label="delegation")
        d = self.model.delegations[did]
        self.touched = {MAF}
        who = data.draw(st.sampled_from([self.model.by_email(d.tiers_email), *NAMES]), label="who")
        assert who is not None
        expected = self.model.try_accept_delegation(who, did)
        response = self.call("POST", f"/v1/portail/delegations/{did}/acceptation", who)
        self.expect(expected, response, f"{who} accepts {d}")

    @precondition(lambda self: self.model.delegations)
    @rule(
        data=st.data(),
        new_role=st.booleans(),
        given=st.booleans(),
        days=st.sampled_from(END_DAYS),
    )
    def change_delegation(
        self, data: st.DataObject, new_role: bool, given: bool, days: int | None
    ) -> None:
        did = data.draw(st.sampled_from(list(self.model.delegations)), label="delegation")
        d = self.model.delegations[did]
        self.touched = {MAF}
        actor = self.actor(data, MAF, d.siret)
        role = data.draw(st.sampled_from(["gestionnaire", "declarant"])) if new_role else None
        ends_on = None if days is None else self.model.today + timedelta(days=days)
        outside = self.cross(actor, MAF, d.siret)
        expected = self.model.try_change_delegation(actor, did, role, ends_on, given)
        body: dict[str, Any] = {"role": role} if role else {}
        body |= {"fin": ends_on.isoformat() if ends_on else None} if given else {}
        response = self.call("PATCH", f"/v1/demarches/{MAF}/delegations/{did}", actor, json=body)
        self.guard(outside, response)
        self.expect(expected, response, f"{actor} changes {d} with {body}")

    @precondition(lambda self: self.model.delegations)
    @rule(data=st.data())
    def revoke_delegation(self, data: st.DataObject) -> None:
        did = data.draw(st.sampled_from(list(self.model.delegations)), label="delegation")
        d = self.model.delegations[did]
        self.touched = {MAF}
        actor = self.actor(data, MAF, d.siret)
        outside = self.cross(actor, MAF, d.siret)
        expected = self.model.try_revoke_delegation(actor, did)
        response = self.call("DELETE", f"/v1/demarches/{MAF}/delegations/{did}", actor)
        self.guard(outside, response)
        self.expect(expected, response, f"{actor} revokes {d}")

    # -- time ----------------------------------------------------------------------------

    @rule(hours=st.sampled_from(HOURS), jobs=st.booleans())
    def time_passes(self, hours: int, jobs: bool) -> None:
        """The test clock moves on: end dates pass at once (the authorization check
        compares them on every request); the jobs, when they run, only record it."""
        self.touched = {MAF, CERES}
        w = self.world
        w.clock.advance(timedelta(hours=hours))
        self.model.now = w.clock()
        if jobs:
            w.run(run_until_done(w.runtime, end_delegations))
            w.run(run_until_done(w.runtime, expire_invitations))
            self.model.run_jobs()

    # -- the invariants ------------------------------------------------------------------

    @invariant()
    def every_decision_and_screen_is_the_models(self) -> None:
        """After each step, the démarche(s) it touched: every account × SIRET of the
        authorization check, every screen; every home."""
        self.world.figures.steps += 1
        started = time.monotonic()
        self.world.run(self._check(self.touched))
        self.world.figures.check_seconds += time.monotonic() - started

    def teardown(self) -> None:
        """After the example, the whole grid: the four démarches."""
        self.world.run(self._check(set(CODES)))

    async def _check(self, codes: set[str]) -> None:
        grid = [
            (who, code, siret)
            for who in NAMES
            for code in CODES
            if code in codes
            for siret in [*self.sirets, self.tiers_siret]
        ]
        answers = await gather_limited(self._authorization(*cell) for cell in grid)
        for cell, (expected, got) in zip(grid, answers, strict=True):
            self.world.figures.decisions_checked += 1
            if got != expected:
                self.world.figures.mismatches += 1
                raise AssertionError(f"authorization {cell}: the model {expected}, the app {got}")
        screens = [self._home(who) for who in NAMES]
        screens += [self._screens(who, code) for who in NAMES for code in CODES if code in codes]
        await gather_limited(screens)

    async def _get(self, url: str, who: str, **params: Any) -> httpx.Response:
        w = self.world
        return await w.client.get(url, headers=w.auth(self.id_of(who)), params=params)

    async def _authorization(
        self, who: str, code: str, siret: str
    ) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
        expected = self.model.authorization(who, code, siret)
        response = await self._get(f"/v1/autorisations/{code}/{siret}", who)
        assert response.status_code == 200, response.text
        body = response.json()
        via = sorted(
            (
                (v["role"], v["delegation"], v["pour_siret"], v["fin"], v["tiers_siret"])
                for v in body["via"]
            ),
            key=repr,
        )
        assert body["autorise"] == bool(via) and body["roles"] == sorted({v[0] for v in via})
        return expected, via

    def _listing(self, what: str, expected: object, got: object) -> None:
        self.world.figures.listings_checked += 1
        if got != expected:
            self.world.figures.mismatches += 1
            raise AssertionError(f"{what}: the model {expected}, the app {got}")

    def _outside(self, who: str, code: str, sirets: Iterable[str]) -> None:
        sirens = self.model.sirens(who, code)
        leaked = [s for s in sirets if siren(s) not in sirens]
        self.world.figures.cross_org_reads += len(leaked)
        assert not leaked, f"{who} sees {leaked} on {code}, their companies are {sirens}"

    async def _home(self, who: str) -> None:
        response = await self._get("/v1/portail/accueil", who)
        assert response.status_code == 200, response.text
        body = response.json()
        got = [
            (
                d["demarche"],
                tuple(
                    (e["siret"], r["role"], e["gestionnaire"])
                    for e in d["etablissements"]
                    for r in e["roles"]
                ),
                tuple(sorted(x["id"] for x in d["delegations_recues"])),
            )
            for d in body["mes_demarches"]
        ]
        self._listing(f"home of {who}", self.model.home(who), got)
        mine = {d["demarche"] for d in body["mes_demarches"]}
        assert [d["demarche"] for d in body["autres_demarches"]] == [
            c for c in CODES if c not in mine
        ]

    async def _screens(self, who: str, code: str) -> None:
        url = f"/v1/demarches/{code}"
        if not self.model.sirens(who, code):
            response = await self._get(f"{url}/utilisateurs", who)
            self._listing(f"{who}'s users screen of {code}", 403, response.status_code)
            return
        screen, history, accounts = await asyncio.gather(
            self._get(f"{url}/utilisateurs", who),
            self._get(f"{url}/historique", who),
            self._get(f"{url}/comptes", who, nom="cam"),
        )
        body = screen.json()
        sirets = [h["siret"] for u in body["utilisateurs"] for h in u["habilitations"]]
        sirets += [d["siret"] for u in body["utilisateurs"] for d in u["delegations"]]
        sirets += [r["siret"] for r in body["demandes_en_attente"]]
        sirets += [d["siret"] for d in body["delegations"]]
        self._outside(who, code, sirets)
        got = {
            "users": {
                u["account_id"]: (
                    sorted((h["siret"], h["role"]) for h in u["habilitations"]),
                    sorted(d["id"] for d in u["delegations"]),
                )
                for u in body["utilisateurs"]
            },
            "requests": sorted(r["id"] for r in body["demandes_en_attente"]),
            "delegations": sorted((d["id"], d["statut"]) for d in body["delegations"]),
        }
        self._listing(f"{who}'s users screen of {code}", self.model.screen(who, code), got)
        by_id = {a.id: a.name for a in self.model.accounts.values()}
        for u in body["utilisateurs"]:
            for h in u["habilitations"]:
                self.hab_ids[(by_id[uuid.UUID(u["account_id"])], code, h["siret"])] = uuid.UUID(
                    h["id"]
                )
        entries = history.json()
        self._outside(who, code, [(e["after"] or e["before"])["siret"] for e in entries])
        assert all((e["after"] or e["before"])["demarche"] == code for e in entries)
        self._listing(
            f"{who}'s history of {code}", self.model.history_size(who, code), len(entries)
        )
        found = sorted(a["account_id"] for a in accounts.json())
        self._outside(who, code, [a["siret"] for a in accounts.json()])
        self._listing(f"{who}'s search on {code}", self.model.company_accounts(who, code), found)
        if code == CERES:
            pending = await self._get(f"{url}/invitations", who)
            self._outside(who, code, [i["siret"] for i in pending.json()])
            got_pending = sorted(i["id"] for i in pending.json())
            self._listing(f"{who}'s invitations", self.model.pending_invitations(who), got_pending)


class SpaceMachine(RuleBasedStateMachine):
    """The CPF employer space: three organisations (two SIRETs of one company, one of
    another), their principal administrators, délégués and gestionnaires created, edited
    and deactivated by whoever is drawn."""

    world: World

    def __init__(self) -> None:
        super().__init__()
        w = self.world
        w.space.examples += 1
        self.model = SpaceModel()
        self.units: dict[str, str] = {}
        self.org_ids: dict[str, str] = {}
        a, b = new_company(), new_company()
        for org, company in (("A1", a), ("A2", a), ("B1", b)):
            w.run(self._organisation(org, siret_of(company)))

    async def _organisation(self, org: str, siret: str) -> None:
        w = self.world
        email = f"principal.{uuid.uuid4().hex[:10]}@example.fr"
        body = {
            "siret": siret,
            "raison_sociale": f"ENTREPRISE {siret[:9]}",
            "kind": "employeur",
            "administrateur": {
                "civilite": "M",
                "prenom": "Jean-Marc",
                "nom": "Collot",
                "email": email,
                "email_confirmation": email,
            },
        }
        operator = w.mint.headers(kind="operateur", account_id=uuid.uuid4())
        made = await w.client.post("/v1/organisations", json=body, headers=operator)
        assert made.status_code == 201, made.text
        principal = uuid.UUID(made.json()["administrateur"]["account_id"])
        self.org_ids[org] = made.json()["id"]
        self.model.people[principal] = Person(principal, org, PRINCIPAL, "cloture")
        unit = await w.client.post(
            "/v1/unites", json={"nom": "Unité Formation"}, headers=self.auth(principal)
        )
        assert unit.status_code == 201, unit.text
        self.units[org] = unit.json()["id"]

    def auth(self, account_id: uuid.UUID) -> dict[str, str]:
        w = self.world
        if account_id not in w.headers:
            w.headers[account_id] = w.mint.headers(kind="gestionnaire", account_id=account_id)
        return w.headers[account_id]

    def person(self, data: st.DataObject, label: str) -> Person:
        people = list(self.model.people.values())
        return data.draw(st.sampled_from(people), label=label)  # type: ignore[no-any-return]

    def call(self, method: str, url: str, actor: Person, **kw: Any) -> httpx.Response:
        w = self.world
        return w.run(w.client.request(method, url, headers=self.auth(actor.id), **kw))

    def expect(self, expected: Outcome, response: httpx.Response, what: str) -> None:
        w = self.world
        w.space.outcomes_checked += 1
        got = Outcome(response.status_code, slug(response))
        if got != expected:
            w.space.mismatches += 1
            raise AssertionError(
                f"{what}: the model says {expected}, the app {got}: {response.text}"
            )

    def across(self, actor: Person, target: Person, response: httpx.Response) -> None:
        if actor.org != target.org:
            self.world.space.cross_org_attempts += 1
            self.world.space.cross_org_reads += response.status_code < 300

    @rule(
        data=st.data(),
        delegue=st.booleans(),
        profile=st.sampled_from(sorted(PROFILE_ACTIONS)),
        own_unit=st.sampled_from([True, True, True, False]),
    )
    def create(self, data: st.DataObject, delegue: bool, profile: str, own_unit: bool) -> None:
        actor = self.person(data, "actor")
        role = DELEGUE if delegue else GESTIONNAIRE
        expected = self.model.try_create(actor, role, own_unit)
        other = next(o for o in self.units if o != actor.org)
        email = f"g.{uuid.uuid4().hex[:10]}@example.fr"
        body = {
            "civilite": "MME",
            "prenom": "Claire",
            "nom": "Martin",
            "email": email,
            "email_confirmation": email,
            "fonction": "Gestionnaire RH",
            "unite_id": self.units[actor.org if own_unit else other],
            "administrateur_delegue": delegue,
            "profile": profile,
        }
        response = self.call("POST", "/v1/gestionnaires", actor, json=body)
        self.expect(expected, response, f"{actor} creates a {role} {profile}")
        if response.status_code == 201:
            made = uuid.UUID(response.json()["account_id"])
            stored = "cloture" if delegue else profile
            self.model.people[made] = Person(made, actor.org, role, stored)

    @rule(data=st.data(), what=st.sampled_from(["delegue", "gestionnaire", "profile", "both"]))
    def edit(self, data: st.DataObject, what: str) -> None:
        actor, target = self.person(data, "actor"), self.person(data, "target")
        delegue = {"delegue": True, "gestionnaire": False, "both": True}.get(what)
        profile = (
            data.draw(st.sampled_from(sorted(PROFILE_ACTIONS)))
            if what in ("profile", "both")
            else None
        )
        before = (target.role, target.profile)
        expected = self.model.try_edit(actor, target, delegue, profile)
        body: dict[str, Any] = {} if delegue is None else {"administrateur_delegue": delegue}
        body |= {"profile": profile} if profile else {}
        response = self.call("PATCH", f"/v1/gestionnaires/{target.id}", actor, json=body)
        self.across(actor, target, response)
        self.expect(expected, response, f"{actor} edits {target} (was {before}) with {body}")

    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        actor, target = self.person(data, "actor"), self.person(data, "target")
        expected = self.model.try_delete(actor, target)
        response = self.call("DELETE", f"/v1/gestionnaires/{target.id}", actor)
        self.across(actor, target, response)
        self.expect(expected, response, f"{actor} deactivates {target}")

    @rule(data=st.data())
    def read(self, data: st.DataObject) -> None:
        actor, target = self.person(data, "actor"), self.person(data, "target")
        expected = self.model.try_read(actor, target)
        response = self.call("GET", f"/v1/gestionnaires/{target.id}", actor)
        self.across(actor, target, response)
        self.expect(expected, response, f"{actor} reads {target}")
        if response.status_code == 200:
            assert response.json()["organisation_id"] == self.org_ids[actor.org]

    @invariant()
    def every_right_and_list_is_the_models(self) -> None:
        self.world.space.steps += 1
        started = time.monotonic()
        self.world.run(self._check())
        self.world.space.check_seconds += time.monotonic() - started

    async def _check(self) -> None:
        people = list(self.model.people.values())
        await gather_limited([self._rights(p) for p in people])
        await gather_limited([self._organisations(p) for p in people if p.active])
        await gather_limited(
            [self._lists(p) for p in people if p.active and p.role != GESTIONNAIRE]
        )

    async def _rights(self, p: Person) -> None:
        w = self.world
        response = await w.client.get("/v1/moi/habilitations", headers=self.auth(p.id))
        w.space.decisions_checked += 1
        if not p.active:
            got: object = response.status_code
            expected: object = 403
        else:
            body = response.json()
            got = (body["organisation"]["id"], body["role"], body["profile"], body["actions"])
            shown = "cloture" if p.role != GESTIONNAIRE else p.profile
            expected = (self.org_ids[p.org], p.role, shown, p.actions)
        if got != expected:
            w.space.mismatches += 1
            raise AssertionError(f"rights of {p}: the model {expected}, the app {got}")

    async def _organisations(self, p: Person) -> None:
        """A member reads their organisation (``GET /v1/organisations/{id}``), never another."""
        w = self.world
        for org, org_id in self.org_ids.items():
            response = await w.client.get(f"/v1/organisations/{org_id}", headers=self.auth(p.id))
            w.space.listings_checked += 1
            if org != p.org:
                w.space.cross_org_attempts += 1
                w.space.cross_org_reads += response.status_code < 300
            expected = 200 if org == p.org else 403
            if response.status_code != expected:
                w.space.mismatches += 1
                raise AssertionError(f"{p} reads organisation {org}: {response.status_code}")

    async def _lists(self, admin: Person) -> None:
        w = self.world
        headers = self.auth(admin.id)
        found = await w.client.get("/v1/gestionnaires", params={"taille": 100}, headers=headers)
        w.space.listings_checked += 1
        listed = {r["account_id"] for r in found.json()["resultats"]}
        leaked = [
            i
            for i in listed
            if uuid.UUID(i) in self.model.people
            and self.model.people[uuid.UUID(i)].org != admin.org
        ]
        w.space.cross_org_reads += len(leaked)
        if listed != self.model.members(admin.org):
            w.space.mismatches += 1
            raise AssertionError(
                f"{admin} lists {listed}, the model {self.model.members(admin.org)}"
            )
        for org, org_id in self.org_ids.items():
            history = await w.client.get(f"/v1/organisations/{org_id}/historique", headers=headers)
            w.space.listings_checked += 1
            if org != admin.org:
                w.space.cross_org_attempts += 1
                w.space.cross_org_reads += history.status_code < 300
                assert history.status_code == 403, history.text
            else:
                assert history.status_code == 200, history.text
                assert {e["organisation_id"] for e in history.json()} == {org_id}


def _roles(code: str) -> tuple[Any, ...]:
    found = demarche(code)
    assert found is not None
    return found.roles


def activated(account_id: uuid.UUID, email: str, name: str, siret: str) -> AccountActivated:
    return AccountActivated(
        account_id=account_id,
        kind="portail",
        login=email,
        email=email,
        civilite="MME",
        prenom="Camille",
        nom=f"Martin {name}",
        activated_at=datetime.now(UTC),
        entreprise=Entreprise(
            siret=siret,
            raison_sociale=f"ENTREPRISE {siret[:9]}",
            adresse="1 rue de la Paix",
            code_postal="75002",
            commune="Paris",
        ),
    )


def run_machine(
    postgres: PostgresCluster,
    report: Callable[..., None],
    *,
    examples: int,
    steps: int,
    space_examples: int,
    space_steps: int,
) -> None:
    started = time.monotonic()
    with asyncio.Runner() as runner:
        url = runner.run(migrated_database(postgres, habilitation.__file__, "habmodel"))
        clock = FakeClock(datetime.now(UTC))
        ports = Ports(register=FileRegister(DEFAULT_FILE), clock=clock, draw=secrets.randbelow)
        runtime = build(HabilitationSettings(database_url=url), ports=ports)
        transport = httpx.ASGITransport(app=runtime.create_app())  # no lifespan, no broker
        client = httpx.AsyncClient(transport=transport, base_url="http://habilitation.test")
        world = World(runner, runtime, client, TokenMint.for_runtime(runtime), clock)
        HabilitationMachine.world = SpaceMachine.world = world
        try:
            for machine, n, length in (
                (HabilitationMachine, examples, steps),
                (SpaceMachine, space_examples, space_steps),
            ):
                run_state_machine_as_test(
                    machine,
                    settings=settings(
                        max_examples=n,
                        stateful_step_count=length,
                        deadline=None,
                        database=None,
                        suppress_health_check=list(HealthCheck),
                    ),
                )
        finally:
            runner.run(client.aclose())
            runner.run(runtime.engine.dispose())
    f, g = world.figures, world.space
    assert f.mismatches == g.mismatches == 0 and f.cross_org_reads == g.cross_org_reads == 0
    report(
        "habilitation-model",
        examples=f.examples,
        steps=f.steps,
        decisions_checked=f.decisions_checked,
        outcomes_checked=f.outcomes_checked,
        listings_checked=f.listings_checked,
        space_examples=g.examples,
        space_steps=g.steps,
        space_rights_checked=g.decisions_checked,
        space_outcomes_checked=g.outcomes_checked,
        space_listings_checked=g.listings_checked,
        cross_org_attempts=f.cross_org_attempts + g.cross_org_attempts,
        mismatches=f.mismatches + g.mismatches,
        cross_org_reads=f.cross_org_reads + g.cross_org_reads,
        check_seconds=round(f.check_seconds + g.check_seconds, 1),
        seconds=round(time.monotonic() - started, 1),
    )


def test_habilitation_matches_its_model(
    postgres: PostgresCluster, report: Callable[..., None]
) -> None:
    run_machine(postgres, report, examples=3, steps=5, space_examples=2, space_steps=6)


@pytest.mark.slow_reliability
def test_habilitation_matches_its_model_long(
    postgres: PostgresCluster, report: Callable[..., None]
) -> None:
    run_machine(postgres, report, examples=15, steps=30, space_examples=10, space_steps=30)
