"""Which e-mails habilitation's démarche events call for (guides 002 and 004).

None of them carries a secret: the acceptance links name an invitation or a delegation and
need the invitee's own login (ADR 0006), so they are kept in clear like any other fact.
An access request causes one e-mail per gestionnaire, each keyed on its address; every
other event causes one.
"""

from __future__ import annotations

from typing import Any

from cpf_contracts.catalogue import demarche
from cpf_contracts.events.habilitation_demarche import (
    AccessRequestDecided,
    AccessRequested,
    DelegationProposed,
    InvitationSent,
    Recipient,
)

from notifier.domain.demarche_templates import (
    DELEGATION_TIERS,
    DEMANDE_ACCES,
    DEMANDE_ACCES_ACCEPTEE,
    DEMANDE_ACCES_REFUSEE,
    INVITATION_DEMARCHE,
)
from notifier.domain.messages import Email, UnsupportedEvent


def _known(code: str, *roles: str | None) -> None:
    """The démarche and its roles are the catalogue's; else a contract bug (to the DLQ)."""
    found = demarche(code)
    if found is None or any(r is not None and found.role(r) is None for r in roles):
        raise UnsupportedEvent(f"démarche ou rôle inconnu du catalogue : {code} {roles}")


def _person(prefix: str, who: Recipient) -> dict[str, Any]:
    return {f"{prefix}prenom": who.prenom, f"{prefix}nom": who.nom}


def emails_for_access_request(event: AccessRequested) -> list[Email]:
    """One e-mail to each gestionnaire of the démarche and SIRET (an address listed twice,
    whatever its case, gets one)."""
    _known(event.demarche, event.wished_role)
    facts: dict[str, Any] = {
        "demarche": event.demarche,
        "siret": event.siret,
        **_person("requester_", event.requester),
        "requester_email": event.requester.email,
        "wished_role": event.wished_role,
    }
    emails: dict[str, Email] = {}
    for gestionnaire in event.gestionnaires:
        key = gestionnaire.email.strip().lower()
        context = facts | _person("gestionnaire_", gestionnaire)
        emails.setdefault(key, Email(DEMANDE_ACCES, gestionnaire.email, context, key=key))
    return list(emails.values())


def email_for_access_decision(event: AccessRequestDecided) -> Email:
    """The decision, to the requester: the role given, or the reason of the refusal."""
    if event.decision == "acceptee" and event.role is None:
        raise UnsupportedEvent("une demande acceptée sans rôle attribué")
    _known(event.demarche, event.role)
    template = DEMANDE_ACCES_ACCEPTEE if event.decision == "acceptee" else DEMANDE_ACCES_REFUSEE
    context = {
        "demarche": event.demarche,
        "siret": event.siret,
        **_person("", event.requester),
        "role": event.role,
        "reason": event.reason,
    }
    return Email(template, event.requester.email, context)


def _proposal(event: InvitationSent | DelegationProposed, sender: Recipient) -> dict[str, Any]:
    """What an invitation and a delegation both say: who proposes what, for which company."""
    _known(event.demarche, event.role)
    return {
        "demarche": event.demarche,
        "siret": event.siret,
        "role": event.role,
        "raison_sociale": event.raison_sociale,
        **_person("", sender),
        "accept_link": event.accept_link,
    }


def email_for_invitation(event: InvitationSent) -> Email:
    """The invitation, to the address invited; a resent invitation is a new event, hence a
    new e-mail."""
    context = _proposal(event, event.inviter) | {
        "invitee_email": event.invitee_email,
        "has_account": event.invitee_account_id is not None,
        "expires_at": event.expires_at.isoformat(),
    }
    return Email(INVITATION_DEMARCHE, event.invitee_email, context)


def email_for_delegation(event: DelegationProposed) -> Email:
    """The delegation, to the third party's address."""
    context = _proposal(event, event.delegator) | {
        "tiers_email": event.tiers_email,
        "tiers_siret": event.tiers_siret,
        "ends_on": event.ends_on.isoformat() if event.ends_on else None,
    }
    return Email(DELEGATION_TIERS, event.tiers_email, context)
