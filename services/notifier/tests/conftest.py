"""What the notifier's unit and integration tests share: habilitation's démarche events, as
habilitation publishes them (guides 002 and 004's people and companies)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from cpf_contracts.events.habilitation_demarche import (
    AccessRequestDecided,
    AccessRequested,
    DelegationProposed,
    InvitationSent,
    Recipient,
)


class DemarcheEvents:
    """Builds each event with every field filled; a test names only what it is about."""

    at = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    siret = "51831541100012"
    requester = Recipient(email="paul.durand@of.test", prenom="Paul", nom="Durand")
    gestionnaires = (
        Recipient(email="amandine@of.test", prenom="Amandine", nom="Munoz Ortega"),
        Recipient(email="bruno@of.test", prenom="Bruno", nom="Petit"),
    )

    def access_requested(
        self, *gestionnaires: Recipient, wished_role: str | None = "declarant"
    ) -> AccessRequested:
        return AccessRequested(
            request_id=uuid.uuid4(),
            demarche="mon_activite_formation",
            siret=self.siret,
            account_id=uuid.uuid4(),
            requester=self.requester,
            wished_role=wished_role,  # type: ignore[arg-type]
            gestionnaires=list(gestionnaires),
            requested_at=self.at,
        )

    def decided(
        self, decision: str = "acceptee", role: str | None = "declarant", reason: str | None = None
    ) -> AccessRequestDecided:
        return AccessRequestDecided(
            request_id=uuid.uuid4(),
            demarche="mon_activite_formation",
            siret=self.siret,
            account_id=uuid.uuid4(),
            requester=self.requester,
            decision=decision,  # type: ignore[arg-type]
            role=role,  # type: ignore[arg-type]
            reason=reason,
            decided_by=uuid.uuid4(),
            decided_at=self.at,
        )

    def invitation_sent(self, *, invitee_account_id: uuid.UUID | None = None) -> InvitationSent:
        return InvitationSent(
            invitation_id=uuid.uuid4(),
            demarche="ceres",
            role="centre_agree",
            siret="79810137400012",
            raison_sociale="CFI ATLANTIQUE",
            invited_by=uuid.uuid4(),
            inviter=Recipient(email="guy@cfi.test", prenom="Guy", nom="Duponttest"),
            invitee_email="invite@centre.test",
            invitee_account_id=invitee_account_id,
            accept_link="https://mesdemarches.example/invitations/42",
            expires_at=self.at + timedelta(days=7),
            sent_at=self.at,
        )

    def delegation_proposed(self, ends_on: date | None = date(2027, 5, 31)) -> DelegationProposed:
        return DelegationProposed(
            delegation_id=uuid.uuid4(),
            demarche="mon_activite_formation",
            role="declarant",
            siret=self.siret,
            raison_sociale="EKYSS",
            delegated_by=uuid.uuid4(),
            delegator=Recipient(email="amandine@of.test", prenom="AMANDINE", nom="MUNOZ ORTEGA"),
            tiers_siret="39491558100034",
            tiers_email="prenom.nom@fournisseur.test",
            ends_on=ends_on,
            accept_link="https://mesdemarches.example/delegations/7",
            proposed_at=self.at,
        )


@pytest.fixture
def demarche_events() -> DemarcheEvents:
    return DemarcheEvents()
