"""Activation codes issued by a démarche's authority, reissued when lost, and their letter."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from cpf_contracts.events.demarche import ActivationCodeIssued, ActivationCodeReissued

from demarche.app.agents import Actor, require_agent
from demarche.app.catalogue import get_demarche
from demarche.app.ports import DemarcheUow, Ports
from demarche.domain.codes import (
    ActivationCode,
    Destinataire,
    checked_request,
    new_code,
    normalized_code,
)
from demarche.domain.errors import (
    CodeNotLive,
    LiveCodeExists,
    NoLiveCode,
    NotFound,
    WrongLetterCode,
)
from demarche.domain.letter import letter

# The letters are dated where they are written: metropolitan France.
LETTER_ZONE = ZoneInfo("Europe/Paris")


@dataclass(frozen=True)
class IssuedCode:
    """A code just issued: the only place its clear value ever appears."""

    code: ActivationCode
    clear: str = field(repr=False)  # never in a log line or a traceback's locals


async def issue_code(
    uow: DemarcheUow,
    ports: Ports,
    actor: Actor,
    *,
    demarche: str,
    siret: str,
    destinataire: Destinataire,
) -> IssuedCode:
    """A new code for a SIRET and a démarche; refused while one is live (reissue it)."""
    agent = await require_agent(uow, actor, demarche)
    siret, checked = checked_request(siret, destinataire)
    assert checked is not None  # noqa: S101
    issued = _new(ports, agent.demarche, siret, checked, actor.account_id, None)
    # The SIRET's counter first, then the code: the order a redemption takes them in, so
    # the two never wait for each other (no deadlock).
    await uow.attempts.reset_siret(agent.demarche, siret)
    if not await uow.codes.add(issued.code):
        raise LiveCodeExists()
    code = issued.code
    uow.publish(
        ActivationCodeIssued(
            code_id=code.code_id,
            demarche=code.demarche,
            siret=siret,
            issued_by=actor.account_id,
            issued_at=code.issued_at,
        )
    )
    return issued


async def reissue_code(
    uow: DemarcheUow,
    ports: Ports,
    actor: Actor,
    *,
    demarche: str,
    siret: str,
    destinataire: Destinataire | None = None,
) -> IssuedCode:
    """The code was lost: a new one, and the live one refused from now on (same
    transaction); the SIRET's attempts and lock start again."""
    agent = await require_agent(uow, actor, demarche)
    siret, destinataire = checked_request(siret, destinataire)
    now = ports.clock()
    await uow.attempts.reset_siret(agent.demarche, siret)  # before the code, as above
    old = await uow.codes.replace_live(agent.demarche, siret, now)
    if old is None:
        raise NoLiveCode()
    issued = _new(
        ports, agent.demarche, siret, destinataire or old.destinataire, actor.account_id, old
    )
    added = await uow.codes.add(issued.code)
    assert added, "the live code was replaced under its row lock"  # noqa: S101
    uow.publish(
        ActivationCodeReissued(
            code_id=issued.code.code_id,
            replaces_code_id=old.code_id,
            demarche=agent.demarche,
            siret=siret,
            issued_by=actor.account_id,
            issued_at=issued.code.issued_at,
        )
    )
    return issued


def _new(
    ports: Ports,
    demarche: str,
    siret: str,
    destinataire: Destinataire,
    issued_by: uuid.UUID,
    replaces: ActivationCode | None,
) -> IssuedCode:
    clear = new_code(ports.draw)
    code = ActivationCode(
        code_id=uuid.uuid4(),
        demarche=get_demarche(demarche).code,
        siret=siret,
        code_hash=ports.hasher.digest(clear),
        raison_sociale=destinataire.raison_sociale,
        adresse=destinataire.adresse,
        code_postal=destinataire.code_postal,
        commune=destinataire.commune,
        issued_by=issued_by,
        issued_at=ports.clock(),
        replaces_code_id=None if replaces is None else replaces.code_id,
    )
    return IssuedCode(code, clear)


async def make_letter(
    uow: DemarcheUow, ports: Ports, actor: Actor, *, demarche: str, code_id: uuid.UUID, code: str
) -> bytes:
    """The letter of a live code, from its clear value (checked against the stored hash),
    written from the agent's ville and signed by its service."""
    agent = await require_agent(uow, actor, demarche)
    found = await uow.codes.get(code_id)
    if found is None or found.demarche != agent.demarche:
        raise NotFound("Ce code d'activation n'existe pas.")
    clear = normalized_code(code)
    if not ports.hasher.matches(clear, found.code_hash):
        raise WrongLetterCode()
    if not found.live or await uow.attempts.locked(found.demarche, found.siret):
        raise CodeNotLive()
    settings = ports.letter_settings
    written = letter(
        demarche=get_demarche(found.demarche),
        destinataire=found.destinataire,
        siret=found.siret,
        code=clear,
        ville=agent.ville,
        service=agent.service,
        day=ports.clock().astimezone(LETTER_ZONE).date(),
        portal_url=settings.portal_for(found.demarche),
        assistance=settings.assistance_for(found.demarche),
    )
    return ports.letters.render(written)
