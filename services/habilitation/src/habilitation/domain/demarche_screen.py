"""The users screen of a démarche (guide 002, « Utilisateurs de la démarche »): the search
and its facets, by role and by « Tiers : oui / non ».

Facets follow faceted search: each facet is counted over the result of the search text and
of the *other* facet's filter, ignoring its own, so that the counts say what choosing
another value would give (with « Rôle : Déclarant » chosen, the role facet still counts the
gestionnaires). The list itself applies every filter.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from habilitation.domain.demarches import Delegation, DemarcheHabilitation, PortailAccount, fold


@dataclass
class ScreenUser:
    """A person holding a role of the démarche on a SIRET of the company: directly
    (``habilitations``) or as a third party (``delegations``: then they are a *tiers*)."""

    account: PortailAccount
    habilitations: list[DemarcheHabilitation] = field(default_factory=list)
    delegations: list[Delegation] = field(default_factory=list)

    @property
    def tiers(self) -> bool:
        return bool(self.delegations)

    def roles(self) -> set[str]:
        return {h.role for h in self.habilitations} | {d.role for d in self.delegations}

    def matches(self, text: str) -> bool:
        a = self.account
        sirets = [h.siret for h in self.habilitations]
        sirets += [s for d in self.delegations for s in (d.siret, d.tiers_siret)]
        haystack = [a.nom_cle, a.prenom_cle, fold(a.email), fold(a.full_name), *sirets]
        return any(text in value for value in haystack)


@dataclass(frozen=True)
class ScreenQuery:
    q: str | None = None
    role: str | None = None
    tiers: bool | None = None


@dataclass(frozen=True)
class ScreenResult:
    users: list[ScreenUser]
    roles: dict[str, int]
    tiers: dict[str, int]


def search_users(users: list[ScreenUser], query: ScreenQuery) -> ScreenResult:
    text = fold(query.q or "")
    found = [u for u in users if not text or u.matches(text)]

    def role_ok(u: ScreenUser) -> bool:
        return query.role is None or query.role in u.roles()

    def tiers_ok(u: ScreenUser) -> bool:
        return query.tiers is None or u.tiers == query.tiers

    roles = Counter(r for u in found if tiers_ok(u) for r in u.roles())
    tiers = Counter("oui" if u.tiers else "non" for u in found if role_ok(u))
    listed = [u for u in found if role_ok(u) and tiers_ok(u)]
    listed.sort(key=lambda u: (u.account.nom_cle, u.account.prenom_cle, str(u.account.account_id)))
    return ScreenResult(
        users=listed,
        roles=dict(roles),
        tiers={"oui": tiers.get("oui", 0), "non": tiers.get("non", 0)},
    )
