"""A plain Python model of habilitation's démarche rights (DOMAIN.md §3, guides 002 and 004,
and the decisions of services/habilitation/README.md), for the state machine of
``test_habilitation_state_machine.py``: who holds which role of which démarche for which
SIRET, the access requests, the invitations (Ceres) and the delegations (Mon Activité
Formation), the audit lines each change writes, and what every screen should show.

Each ``try_*`` method answers what the API should say (``Outcome``: status and the problem's
code, or the rule of a 422) and, when it succeeds, changes the model; it never looks at the
app. "Same company" is the same SIREN (the SIRET's first 9 digits)."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from cpf_contracts.catalogue import CATALOGUE, Demarche, demarche

PARIS = ZoneInfo("Europe/Paris")
INVITATION_VALIDITY = timedelta(days=7)  # HABILITATION_INVITATION_DAYS' default


def siren(siret: str) -> str:
    return siret[:9]


def french_day(at: datetime) -> date:
    """End dates are French days, included (README, Decisions)."""
    return at.astimezone(PARIS).date()


@dataclass(frozen=True)
class Outcome:
    status: int
    code: str | None = None  # the problem's type slug, or a 422's first rule

    @property
    def ok(self) -> bool:
        return self.status < 300


OK, CREATED, NO_CONTENT = Outcome(200), Outcome(201), Outcome(204)


def conflict(code: str) -> Outcome:
    return Outcome(409, code)


FORBIDDEN = Outcome(403, "not-manager")
NOT_FOUND = Outcome(404, "not-found")


@dataclass
class Account:
    name: str
    id: uuid.UUID
    email: str
    siret: str  # the sign-up company's establishment

    @property
    def siren(self) -> str:
        return siren(self.siret)


@dataclass
class Request:
    id: uuid.UUID
    account: str
    demarche: str
    siret: str
    wished: str | None
    status: str = "en_attente"


@dataclass
class Invitation:
    id: uuid.UUID
    role: str
    siret: str
    account: str | None
    email: str
    expires_at: datetime
    status: str = "en_attente"
    demarche: str = "ceres"


@dataclass
class Delegation:
    id: uuid.UUID
    role: str
    siret: str
    tiers_siret: str
    tiers_email: str
    ends_on: date | None
    status: str = "proposee"
    tiers: str | None = None
    demarche: str = "mon_activite_formation"

    def ended(self, today: date) -> bool:
        return self.ends_on is not None and self.ends_on < today

    def open(self, today: date) -> bool:
        return self.status in ("proposee", "acceptee") and not self.ended(today)

    def effective(self, today: date) -> bool:
        return self.status == "acceptee" and not self.ended(today)


Key = tuple[str, str, str]  # account name, démarche, SIRET


@dataclass
class Model:
    accounts: dict[str, Account]
    now: datetime
    habs: dict[Key, str] = field(default_factory=dict)  # → role
    requests: dict[uuid.UUID, Request] = field(default_factory=dict)
    invitations: dict[uuid.UUID, Invitation] = field(default_factory=dict)
    delegations: dict[uuid.UUID, Delegation] = field(default_factory=dict)
    audit: Counter[tuple[str, str]] = field(default_factory=Counter)  # (démarche, SIREN)

    @property
    def today(self) -> date:
        return french_day(self.now)

    def by_email(self, email: str) -> str | None:
        return next((a.name for a in self.accounts.values() if a.email == email), None)

    # -- who manages what --------------------------------------------------------------

    def managed(self, who: str, code: str) -> set[str]:
        """SIRETs ``who`` is the démarche's gestionnaire for: direct roles only (a
        delegated role never manages the company's accesses, README Decisions)."""
        manager = _d(code).manager_role
        return {s for (a, d, s), r in self.habs.items() if a == who and d == code and r == manager}

    def sirens(self, who: str, code: str) -> set[str]:
        return {siren(s) for s in self.managed(who, code)}

    def holders(self, code: str, siret: str) -> set[str]:
        manager = _d(code).manager_role
        return {
            a for (a, d, s), r in self.habs.items() if d == code and s == siret and r == manager
        }

    def _write(self, code: str, siret: str, lines: int = 1) -> None:
        self.audit[(code, siren(siret))] += lines

    # -- what the authorization check answers ----------------------------------------

    def authorization(self, who: str, code: str, siret: str) -> list[tuple[object, ...]]:
        via: list[tuple[object, ...]] = []
        role = self.habs.get((who, code, siret))
        if role is not None:
            via.append((role, False, siret, None, None))
        for d in self.delegations.values():
            if d.tiers == who and d.demarche == code and d.siret == siret:
                if d.effective(self.today):
                    fin = d.ends_on.isoformat() if d.ends_on else None
                    via.append((d.role, True, siret, fin, d.tiers_siret))
        return sorted(via, key=repr)

    # -- grants --------------------------------------------------------------------------

    def try_redeem(self, who: str, code: str, siret: str) -> None:
        """An activation code: the démarche's gestionnaire for the SIRET; already: nothing;
        another role: raised (README Decisions, « one role per account, démarche and SIRET »)."""
        manager = _d(code).manager_role
        if self.habs.get((who, code, siret)) != manager:
            self.habs[(who, code, siret)] = manager
            self._write(code, siret)

    def try_add(self, actor: str, who: str, code: str, role: str, siret: str) -> Outcome:
        sirens = self.sirens(actor, code)
        if not sirens:
            return FORBIDDEN
        if siren(siret) not in sirens:
            return Outcome(422, "siret_other_company")
        if self.accounts[who].siren != siren(siret):
            return NOT_FOUND  # another company's people are as unknown as nobody
        if (who, code, siret) in self.habs:
            return conflict("already-habilitated")
        self.habs[(who, code, siret)] = role
        self._write(code, siret)
        return CREATED

    def _managed_hab(self, actor: str, key: Key) -> Outcome | None:
        if key not in self.habs:
            return NOT_FOUND
        sirens = self.sirens(actor, key[1])
        if not sirens or siren(key[2]) not in sirens:
            return FORBIDDEN
        return None

    def _last_manager(self, key: Key) -> bool:
        _, code, siret = key
        return self.habs[key] == _d(code).manager_role and self.holders(code, siret) == {key[0]}

    def try_change(self, actor: str, key: Key, role: str) -> Outcome:
        refused = self._managed_hab(actor, key)
        if refused:
            return refused
        if role == self.habs[key]:
            return OK
        if self._last_manager(key):
            return conflict("last-gestionnaire")
        self.habs[key] = role
        self._write(key[1], key[2])
        return OK

    def try_delete(self, actor: str, key: Key) -> Outcome:
        refused = self._managed_hab(actor, key)
        if refused:
            return refused
        if self._last_manager(key):
            return conflict("last-gestionnaire")
        del self.habs[key]
        self._write(key[1], key[2])
        return NO_CONTENT

    # -- access requests (guide 002, « Demander l'accès à un gestionnaire ») ---------------

    def try_request(self, who: str, code: str, siret: str) -> Outcome:
        if (who, code, siret) in self.habs:
            return conflict("already-habilitated")
        if not self.holders(code, siret):
            return conflict("no-gestionnaire-yet")
        if any(
            (r.account, r.demarche, r.siret, r.status) == (who, code, siret, "en_attente")
            for r in self.requests.values()
        ):
            return conflict("request-pending")
        return CREATED

    def requested(self, request: Request) -> None:
        self.requests[request.id] = request
        self._write(request.demarche, request.siret)

    def try_decide(self, actor: str, rid: uuid.UUID, accept: bool, role: str | None) -> Outcome:
        """By a gestionnaire of exactly that SIRET (README: the request was sent to them)."""
        r = self.requests[rid]
        if r.siret not in self.managed(actor, r.demarche):
            return FORBIDDEN
        granted = (role or r.wished) if accept else None
        if accept and granted is None:
            return Outcome(422, "required")
        if r.status != "en_attente":
            return conflict("already-decided")
        if granted is not None and (r.account, r.demarche, r.siret) in self.habs:
            return conflict("already-habilitated")  # the whole decision rolls back
        r.status = "acceptee" if accept else "refusee"
        self._write(r.demarche, r.siret)
        if granted is not None:
            self.habs[(r.account, r.demarche, r.siret)] = granted
            self._write(r.demarche, r.siret)
        return OK

    # -- invitations (guide 004, Ceres) ----------------------------------------------------

    def try_invite(self, actor: str, code: str, siret: str, who: str | None) -> Outcome:
        if not _d(code).invitations:
            return conflict("feature-off")
        sirens = self.sirens(actor, code)
        if not sirens:
            return FORBIDDEN
        if siren(siret) not in sirens:
            return Outcome(422, "siret_other_company")
        if who is not None:
            if self.accounts[who].siren not in sirens:
                return NOT_FOUND
            if (who, code, siret) in self.habs:
                return conflict("already-habilitated")
        return CREATED

    def invited(self, invitation: Invitation) -> None:
        self.invitations[invitation.id] = invitation
        self._write(invitation.demarche, invitation.siret)

    def try_accept_invitation(self, who: str, iid: uuid.UUID) -> Outcome:
        i = self.invitations[iid]
        if i.status != "en_attente" or i.expires_at <= self.now:
            return conflict("invitation-not-pending")
        if who != i.account and self.accounts[who].email != i.email:
            return Outcome(403, "not-the-invitee")
        if (who, i.demarche, i.siret) in self.habs:
            return conflict("already-habilitated")
        i.status = "acceptee"
        self.habs[(who, i.demarche, i.siret)] = i.role
        self._write(i.demarche, i.siret, 2)  # granted, then invitation.accepted
        return OK

    def _managed_invitation(self, actor: str, iid: uuid.UUID) -> Outcome | None:
        i = self.invitations[iid]
        sirens = self.sirens(actor, i.demarche)
        if not sirens or siren(i.siret) not in sirens:
            return FORBIDDEN
        if i.status != "en_attente":  # a resend renews one the job has not expired yet
            return conflict("invitation-not-pending")
        return None

    def try_resend(self, actor: str, iid: uuid.UUID) -> Outcome:
        refused = self._managed_invitation(actor, iid)
        if refused:
            return refused
        i = self.invitations[iid]
        i.expires_at = self.now + INVITATION_VALIDITY
        self._write(i.demarche, i.siret)
        return OK

    def try_cancel(self, actor: str, iid: uuid.UUID) -> Outcome:
        refused = self._managed_invitation(actor, iid)
        if refused:
            return refused
        i = self.invitations[iid]
        i.status = "annulee"
        self._write(i.demarche, i.siret)
        return NO_CONTENT

    # -- delegations (guide 002, Mon Activité Formation) -----------------------------------

    def try_propose(self, actor: str, code: str, siret: str, ends_on: date | None) -> Outcome:
        if not _d(code).delegations:
            return conflict("feature-off")
        sirens = self.sirens(actor, code)
        if not sirens:
            return FORBIDDEN
        if siren(siret) not in sirens:
            return Outcome(422, "siret_other_company")
        if ends_on is not None and ends_on < self.today:
            return Outcome(422, "date_in_past")
        return CREATED

    def proposed(self, delegation: Delegation) -> None:
        self.delegations[delegation.id] = delegation
        self._write(delegation.demarche, delegation.siret)

    def try_accept_delegation(self, who: str, did: uuid.UUID) -> Outcome:
        d = self.delegations[did]
        if d.status in ("revoquee", "terminee") or d.ended(self.today):
            return conflict("delegation-over")
        if self.accounts[who].email != d.tiers_email:
            return Outcome(403, "not-the-invitee")
        if d.status != "proposee":
            return conflict("delegation-not-pending")
        d.status, d.tiers = "acceptee", who
        self._write(d.demarche, d.siret)
        return OK

    def _managed_delegation(self, actor: str, did: uuid.UUID) -> Outcome | None:
        d = self.delegations[did]
        sirens = self.sirens(actor, d.demarche)
        if not sirens or siren(d.siret) not in sirens:
            return FORBIDDEN
        return None

    def try_change_delegation(
        self, actor: str, did: uuid.UUID, role: str | None, ends_on: date | None, given: bool
    ) -> Outcome:
        refused = self._managed_delegation(actor, did)
        if refused:
            return refused
        d = self.delegations[did]
        if given and ends_on is not None and ends_on < self.today:
            return Outcome(422, "date_in_past")
        if not d.open(self.today):
            return conflict("delegation-over")
        d.role = role or d.role
        if given:
            d.ends_on = ends_on
        self._write(d.demarche, d.siret)
        return OK

    def try_revoke_delegation(self, actor: str, did: uuid.UUID) -> Outcome:
        refused = self._managed_delegation(actor, did)
        if refused:
            return refused
        d = self.delegations[did]
        if not d.open(self.today):
            return conflict("delegation-over")
        d.status = "revoquee"
        self._write(d.demarche, d.siret)
        return NO_CONTENT

    # -- time and the jobs -----------------------------------------------------------------

    def run_jobs(self) -> None:
        """``delegations-ended`` and ``invitations-expired``: statuses and audit lines only
        (access stopped at the date already)."""
        for d in self.delegations.values():
            if d.status in ("proposee", "acceptee") and d.ended(self.today):
                d.status = "terminee"
                self._write(d.demarche, d.siret)
        for i in self.invitations.values():
            if i.status == "en_attente" and i.expires_at <= self.now:
                i.status = "expiree"
                self._write(i.demarche, i.siret)

    # -- what each screen shows ------------------------------------------------------------

    def home(self, who: str) -> list[tuple[object, ...]]:
        """« Mes démarches »: per démarche, my SIRETs with my roles and the delegations I
        act under."""
        shown = []
        for found in CATALOGUE:
            own: dict[str, str] = {
                s: r for (a, d, s), r in self.habs.items() if (a, d) == (who, found.code)
            }
            acting = sorted(
                str(d.id)
                for d in self.delegations.values()
                if d.tiers == who and d.demarche == found.code and d.effective(self.today)
            )
            if own or acting:
                sites = tuple((s, own[s], own[s] == found.manager_role) for s in sorted(own))
                shown.append((found.code, sites, tuple(acting)))
        return shown

    def screen(self, who: str, code: str) -> dict[str, object]:
        """« Utilisateurs de la démarche » of a gestionnaire: their company's people (direct
        roles, or tiers acting under an accepted unended delegation), pending requests and
        open delegations."""
        sirens = self.sirens(who, code)
        users: dict[str, tuple[set[tuple[str, str]], set[str]]] = {}
        for (a, d, s), r in self.habs.items():
            if d == code and siren(s) in sirens:
                users.setdefault(a, (set(), set()))[0].add((s, r))
        for dl in self.delegations.values():
            if dl.demarche == code and siren(dl.siret) in sirens and dl.effective(self.today):
                assert dl.tiers is not None
                users.setdefault(dl.tiers, (set(), set()))[1].add(str(dl.id))
        return {
            "users": {
                str(self.accounts[a].id): (sorted(h), sorted(dls)) for a, (h, dls) in users.items()
            },
            "requests": sorted(
                str(r.id)
                for r in self.requests.values()
                if r.demarche == code and siren(r.siret) in sirens and r.status == "en_attente"
            ),
            "delegations": sorted(
                (str(dl.id), dl.status)
                for dl in self.delegations.values()
                if dl.demarche == code and siren(dl.siret) in sirens and dl.open(self.today)
            ),
        }

    def pending_invitations(self, who: str) -> list[str]:
        sirens = self.sirens(who, "ceres")
        return sorted(
            str(i.id)
            for i in self.invitations.values()
            if siren(i.siret) in sirens and i.status == "en_attente"
        )

    def history_size(self, who: str, code: str) -> int:
        return min(200, sum(self.audit[(code, s)] for s in self.sirens(who, code)))

    def company_accounts(self, who: str, code: str) -> list[str]:
        sirens = self.sirens(who, code)
        return sorted(str(a.id) for a in self.accounts.values() if a.siren in sirens)


def _d(code: str) -> Demarche:
    found = demarche(code)
    assert found is not None, code
    return found


# -- the CPF employer space (DOMAIN.md §2, guides 000 and 001) ----------------------------

CONSULTATION = {"titulaire.contact.update", "dif.update", "compte.read", "dossier.read"}
CREATION = CONSULTATION | {"dossier.create", "dossier.save", "dossier.modify"}
CREATION |= {"dossier.delete-draft"}
VALIDATION = CREATION | {"dossier.validate", "dossier.reject"}
CLOTURE = VALIDATION | {"dossier.close"}
PROFILE_ACTIONS = {
    "consultation": CONSULTATION,
    "creation": CREATION,
    "validation": VALIDATION,
    "cloture": CLOTURE,
}
ADMINISTRATION = {
    "gestionnaire.search",
    "gestionnaire.create",
    "gestionnaire.edit",
    "gestionnaire.delete",
    "gestionnaire.regenerate-password",
    "gestionnaire.history",
    "unite.create",
    "habilitation.bulk",
    "audit.read",
}
PRINCIPAL, DELEGUE, GESTIONNAIRE = (
    "administrateur_principal",
    "administrateur_delegue",
    "gestionnaire",
)
ADMINS = {PRINCIPAL, DELEGUE}


@dataclass
class Person:
    id: uuid.UUID
    org: str
    role: str
    profile: str  # stored: administrators "have the most complete profile" (cloture)
    active: bool = True

    @property
    def actions(self) -> list[str]:
        if self.role in ADMINS:
            return sorted(CLOTURE | ADMINISTRATION)
        return sorted(PROFILE_ACTIONS[self.profile])


@dataclass
class SpaceModel:
    """Organisations (one per SIRET), their principal, délégués and gestionnaires."""

    people: dict[uuid.UUID, Person] = field(default_factory=dict)

    def members(self, org: str) -> set[str]:
        return {str(p.id) for p in self.people.values() if p.org == org and p.active}

    def try_create(self, actor: Person, role: str, own_unit: bool) -> Outcome:
        if not actor.active or actor.role not in ADMINS:
            return Outcome(403, "forbidden")
        if role == DELEGUE and actor.role != PRINCIPAL:
            return Outcome(403, "forbidden")  # only the principal manages the délégués (001)
        if not own_unit:
            return Outcome(422, "unite_unknown")
        return CREATED

    def _refusal(self, actor: Person, target: Person) -> Outcome | None:
        """Before the rule of the action: who may touch whom at all."""
        if not actor.active:
            return Outcome(403, "forbidden")
        if not target.active:
            return NOT_FOUND  # an inactive person is as unknown as a missing one
        if actor.role not in ADMINS or actor.org != target.org:
            return Outcome(403, "forbidden")
        return None

    def try_read(self, actor: Person, target: Person) -> Outcome:
        if actor.active and target.active and actor.id == target.id:
            return OK
        return self._refusal(actor, target) or OK

    def try_edit(
        self, actor: Person, target: Person, delegue: bool | None, profile: str | None
    ) -> Outcome:
        refused = self._refusal(actor, target)
        if refused:
            return refused
        wanted = None if delegue is None else (DELEGUE if delegue else GESTIONNAIRE)
        new_role = (
            wanted
            if wanted is not None and (target.role == PRINCIPAL or wanted != target.role)
            else None
        )
        if new_role is not None and target.role == PRINCIPAL:
            return Outcome(403, "forbidden")  # the principal never loses the role
        if target.role == PRINCIPAL and actor.role != PRINCIPAL:
            return Outcome(403, "forbidden")  # nobody but him edits the principal
        if actor.role != PRINCIPAL and (
            (target.role == DELEGUE and target.id != actor.id) or new_role == DELEGUE
        ):
            return Outcome(403, "forbidden")
        role = new_role or target.role
        stored = profile or target.profile
        target.role, target.profile = role, "cloture" if role in ADMINS else stored
        return OK

    def try_delete(self, actor: Person, target: Person) -> Outcome:
        refused = self._refusal(actor, target)
        if refused:
            return refused
        if target.role == PRINCIPAL or target.id == actor.id:
            return Outcome(403, "forbidden")
        if actor.role != PRINCIPAL and target.role == DELEGUE:
            return Outcome(403, "forbidden")
        target.active = False
        return NO_CONTENT
