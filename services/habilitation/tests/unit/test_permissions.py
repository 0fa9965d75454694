"""The rules of who may do what: role × profile × action, and the rules on a target."""

from __future__ import annotations

import pytest
from habilitation.domain.permissions import (
    ADMIN_ACTIONS,
    ONLY_THE_PRINCIPAL,
    PROFILES,
    ROLES,
    Action,
    Member,
    allowed_actions,
    is_allowed,
    refusal_on,
)

DOSSIER_BY_PROFILE = {
    "consultation": {"titulaire.contact.update", "dif.update", "compte.read", "dossier.read"},
    "creation": {"dossier.create", "dossier.save", "dossier.modify", "dossier.delete-draft"},
    "validation": {"dossier.validate", "dossier.reject"},
    "cloture": {"dossier.close"},
}


def expected(role: str, profile: str) -> set[str]:
    """The matrix written out by hand from guides 000 and 001."""
    if role != "gestionnaire":
        profile = "cloture"  # administrators have the most complete profile
    allowed: set[str] = set()
    for p in PROFILES:
        allowed |= DOSSIER_BY_PROFILE[p]
        if p == profile:
            break
    if role != "gestionnaire":
        allowed |= {a.value for a in ADMIN_ACTIONS}
    return allowed


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("action", list(Action))
def test_matrix(role: str, profile: str, action: Action) -> None:
    assert is_allowed(role, profile, action) == (action.value in expected(role, profile))  # type: ignore[arg-type]


def test_profiles_are_cumulative() -> None:
    sets = [allowed_actions("gestionnaire", p) for p in PROFILES]
    assert all(a < b for a, b in zip(sets, sets[1:], strict=False))


def test_delegates_have_the_principal_rights() -> None:
    for profile in PROFILES:
        assert allowed_actions("administrateur_delegue", profile) == allowed_actions(
            "administrateur_principal", "cloture"
        )


def test_gestionnaires_cannot_manage_users() -> None:
    for profile in PROFILES:
        assert not allowed_actions("gestionnaire", profile) & ADMIN_ACTIONS


def test_validation_is_the_minimum_to_validate() -> None:
    assert not is_allowed("gestionnaire", "creation", Action.DOSSIER_VALIDATE)
    assert is_allowed("gestionnaire", "validation", Action.DOSSIER_VALIDATE)


ORG, OTHER = "org-1", "org-2"
principal = Member("p", ORG, "administrateur_principal", "cloture")
delegate = Member("d", ORG, "administrateur_delegue", "cloture")
other_delegate = Member("d2", ORG, "administrateur_delegue", "cloture")
agent = Member("g", ORG, "gestionnaire", "cloture")
foreign_admin = Member("x", OTHER, "administrateur_principal", "cloture")


def test_nobody_deletes_the_principal() -> None:
    for actor in (principal, delegate):
        assert refusal_on(actor, Action.GESTIONNAIRE_DELETE, principal)


def test_a_delegate_cannot_demote_or_edit_the_principal() -> None:
    assert refusal_on(delegate, Action.GESTIONNAIRE_EDIT, principal)
    assert refusal_on(
        delegate, Action.GESTIONNAIRE_EDIT, principal, new_role="administrateur_delegue"
    )
    assert refusal_on(delegate, Action.GESTIONNAIRE_REGENERATE_PASSWORD, principal)
    assert refusal_on(delegate, Action.GESTIONNAIRE_HISTORY, principal) is None


def test_the_principal_edits_self_but_keeps_the_role() -> None:
    assert refusal_on(principal, Action.GESTIONNAIRE_EDIT, principal) is None
    assert refusal_on(principal, Action.GESTIONNAIRE_EDIT, principal, new_role="gestionnaire")


def test_nobody_is_promoted_principal() -> None:
    assert refusal_on(
        principal, Action.GESTIONNAIRE_EDIT, delegate, new_role="administrateur_principal"
    )


def test_delegates_manage_gestionnaires_and_only_the_principal_manages_delegates() -> None:
    for action in (Action.GESTIONNAIRE_EDIT, Action.GESTIONNAIRE_DELETE):
        assert refusal_on(delegate, action, other_delegate) == ONLY_THE_PRINCIPAL
        assert refusal_on(delegate, action, agent) is None
        assert refusal_on(principal, action, other_delegate) is None
    assert refusal_on(delegate, Action.GESTIONNAIRE_DELETE, delegate)  # not oneself


def test_a_gestionnaire_manages_nobody() -> None:
    assert refusal_on(agent, Action.GESTIONNAIRE_EDIT, agent)


def test_another_organisation_is_out_of_reach() -> None:
    for action in (Action.GESTIONNAIRE_EDIT, Action.GESTIONNAIRE_HISTORY):
        assert refusal_on(foreign_admin, action, agent)
