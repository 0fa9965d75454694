"""A state machine of one account: the dossiers' lifecycle, the DIF rule and the profiles,
against a small model of what each step should do. Every step is tried by every kind of
actor; the use case must refuse exactly when the model says no, and leave the account as
the model has it."""

from __future__ import annotations

import math
import uuid
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any

from account_cpf.app import dossiers as uc
from account_cpf.app.hours import credit_hours, set_dif
from account_cpf.app.titulaires import open_titulaire_account
from account_cpf.domain.access import Acteur, Delegation, Habilitation, Organisation
from account_cpf.domain.dossiers import StatutDossier
from account_cpf.store.fake import FakeAccountCpfUnitOfWork
from cpf_contracts.events.identity import AccountActivated
from cpf_runtime.errors import DomainError
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
RANK = {
    "titulaire": 0,
    "dehors": 4,
    "consultation": 1,
    "creation": 2,
    "validation": 3,
    "cloture": 4,
}
NEEDS = {"dif": 1, "brouillon": 2, "valider": 3, "clore": 4}
ACTORS = list(RANK)
DRAFT, VALIDE, REJETE, CLOS = (
    StatutDossier.EN_COURS_ELABORATION,
    StatutDossier.VALIDE,
    StatutDossier.REJETE,
    StatutDossier.CLOS,
)


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    """Drive a use case on the fake store (it never really suspends) without a loop."""
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value
    raise AssertionError("a use case on the fake store suspended")


class Account(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.uow = FakeAccountCpfUnitOfWork()
        account_id = uuid.uuid4()
        run(
            open_titulaire_account(
                self.uow,
                AccountActivated(
                    account_id=account_id,
                    kind="titulaire",
                    login="285079912345642",
                    email="t@example.fr",
                    civilite="MME",
                    prenom="Jeanne",
                    nom="Martin",
                    activated_at=NOW,
                ),
            )
        )
        [self.titulaire] = self.uow.titulaires.rows.values()
        run(credit_hours(self.uow, self.titulaire.nir, 24, "Alimentation"))
        employer = Organisation(uuid.uuid4(), "12345678900011", "employeur", "E")
        outsider = Organisation(uuid.uuid4(), "98765432100011", "employeur", "O")
        self.actors = {"titulaire": Acteur("titulaire", account_id)}
        for name in ACTORS[1:]:
            org = outsider if name == "dehors" else employer
            acteur = Acteur("gestionnaire", uuid.uuid4())
            profile = "cloture" if name == "dehors" else name
            run(
                self.uow.habilitations.apply(
                    Habilitation(
                        acteur.account_id,
                        org.id,
                        "gestionnaire",
                        profile,
                        True,
                        NOW,
                    )
                )
            )
            self.actors[name] = acteur
        run(
            self.uow.delegations.add(
                Delegation(self.titulaire.id, employer.id, employer.siret, NOW)
            )
        )
        # the model
        self.dif: int | None = None
        self.cpf = 24
        self.validated = False
        self.dossiers: dict[uuid.UUID, tuple[StatutDossier, int]] = {}

    def allowed(self, actor: str, step: str) -> bool:
        if actor == "dehors":
            return False
        if actor == "titulaire":
            return step in ("dif", "brouillon")
        return RANK[actor] >= NEEDS[step]

    def dispo(self, sauf: uuid.UUID | None = None) -> int:
        drafts = sum(h for i, (s, h) in self.dossiers.items() if s is DRAFT and i != sauf)
        return (self.dif or 0) + self.cpf - drafts

    def cible(self, actor: str) -> dict[str, Any]:
        return {} if actor == "titulaire" else {"titulaire_id": self.titulaire.id}

    def attempt(self, ok: bool, coro: Coroutine[Any, Any, Any]) -> Any:
        try:
            result = run(coro)
        except DomainError as refused:
            assert not ok, f"refused although the model allows it: {refused!r}"
            return None
        assert ok, "allowed although the model refuses it"
        return result

    def pick(self, n: int) -> uuid.UUID | None:
        ids = sorted(self.dossiers)
        return ids[n % len(ids)] if ids else None

    @rule(actor=st.sampled_from(ACTORS), value=st.floats(-3, 60, allow_nan=False))
    def set_dif(self, actor: str, value: float) -> None:
        ok = self.allowed(actor, "dif") and value >= 0 and not self.validated
        kept = self.attempt(ok, set_dif(self.uow, self.actors[actor], value, **self.cible(actor)))
        if ok:
            assert kept == math.floor(value + 0.5)
            self.dif = kept

    @rule(actor=st.sampled_from(ACTORS), heures=st.integers(0, 50))
    def create(self, actor: str, heures: int) -> None:
        ok = (
            self.allowed(actor, "brouillon")
            and self.dif is not None
            and heures >= 1
            and heures <= self.dispo()
        )
        d = self.attempt(
            ok,
            uc.create_dossier(self.uow, self.actors[actor], "Anglais", heures, **self.cible(actor)),
        )
        if ok:
            self.dossiers[d.id] = (DRAFT, heures)

    @rule(actor=st.sampled_from(ACTORS), n=st.integers(0, 9), heures=st.integers(1, 50))
    def modify(self, actor: str, n: int, heures: int) -> None:
        i = self.pick(n)
        if i is None:
            return
        ok = (
            self.allowed(actor, "brouillon")
            and self.dossiers[i][0] is DRAFT
            and heures <= self.dispo(sauf=i)
        )
        self.attempt(
            ok,
            uc.modify_dossier(
                self.uow, self.actors[actor], i, "Anglais", heures, **self.cible(actor)
            ),
        )
        if ok:
            self.dossiers[i] = (DRAFT, heures)

    @rule(actor=st.sampled_from(ACTORS), n=st.integers(0, 9))
    def delete(self, actor: str, n: int) -> None:
        i = self.pick(n)
        if i is None:
            return
        ok = self.allowed(actor, "brouillon") and self.dossiers[i][0] is DRAFT
        self.attempt(ok, uc.delete_dossier(self.uow, self.actors[actor], i, **self.cible(actor)))
        if ok:
            del self.dossiers[i]

    @rule(actor=st.sampled_from(ACTORS), n=st.integers(0, 9))
    def validate(self, actor: str, n: int) -> None:
        i = self.pick(n)
        if i is None:
            return
        statut, heures = self.dossiers[i]
        ok = self.allowed(actor, "valider") and statut is DRAFT and heures <= self.dispo(sauf=i)
        self.attempt(ok, uc.validate_dossier(self.uow, self.actors[actor], self.titulaire.id, i))
        if ok:
            dif = min(heures, self.dif or 0)
            self.dif, self.cpf = (self.dif or 0) - dif, self.cpf - (heures - dif)
            self.validated = True
            self.dossiers[i] = (VALIDE, heures)

    @rule(actor=st.sampled_from(ACTORS), n=st.integers(0, 9))
    def reject(self, actor: str, n: int) -> None:
        i = self.pick(n)
        if i is None:
            return
        ok = self.allowed(actor, "valider") and self.dossiers[i][0] is DRAFT
        self.attempt(
            ok, uc.reject_dossier(self.uow, self.actors[actor], self.titulaire.id, i, "Motif")
        )
        if ok:
            self.dossiers[i] = (REJETE, self.dossiers[i][1])

    @rule(actor=st.sampled_from(ACTORS), n=st.integers(0, 9))
    def close(self, actor: str, n: int) -> None:
        i = self.pick(n)
        if i is None:
            return
        ok = self.allowed(actor, "clore") and self.dossiers[i][0] in (VALIDE, REJETE)
        self.attempt(ok, uc.close_dossier(self.uow, self.actors[actor], self.titulaire.id, i))
        if ok:
            self.dossiers[i] = (CLOS, self.dossiers[i][1])

    @invariant()
    def the_account_is_the_model(self) -> None:
        stored = run(self.uow.titulaires.by_id(self.titulaire.id))
        assert stored.heures_dif == self.dif
        moves = run(self.uow.titulaires.movements(self.titulaire.id))
        assert sum(m.heures for m in moves if m.compteur == "cpf") == self.cpf
        assert self.cpf >= 0 and (self.dif or 0) >= 0
        dossiers = run(self.uow.dossiers.of(self.titulaire.id))
        assert {d.id: (d.statut, d.heures) for d in dossiers} == self.dossiers


def test_the_account_follows_its_model() -> None:
    run_state_machine_as_test(
        Account, settings=settings(max_examples=60, stateful_step_count=30, deadline=None)
    )
