"""A portal user adds a démarche with the SIRET and the code of the letter (guide 002,
« Valider mon accès »): they become its gestionnaire for that SIRET.

Order matters, and every step is one statement on a counter row it keeps locked until the
transaction ends, so attempts on one account, and on one SIRET, are decided one at a time:

1. the account's attempt is counted; past its limit in the window, 429 (nothing kept);
2. the SIRET's attempt is counted, whether or not it has a code (a lock says nothing about
   the code); a locked SIRET refuses even the right code;
3. only then is the code compared, by redeeming it in one ``UPDATE … RETURNING``: right, the
   two attempts are given back and the code is used; wrong, they stay counted, and the
   attempt that reaches the SIRET's limit locks it.

A wrong code has one answer, whatever the reason (unknown, used, replaced, another SIRET or
démarche): :class:`~demarche.domain.errors.WrongCode`.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import timedelta

from cpf_contracts.catalogue import DemarcheCode, RoleCode
from cpf_contracts.events.demarche import ActivationCodeLocked, ActivationCodeRedeemed

from demarche.app.catalogue import get_demarche
from demarche.app.ports import DemarcheUow, Ports
from demarche.domain.codes import checked_siret, normalized_code
from demarche.domain.errors import CodeLocked, TooManyAttempts, WrongCode


@dataclass(frozen=True)
class Redemption:
    """What the user obtained: the démarche's manager role for the SIRET."""

    demarche: DemarcheCode
    siret: str
    role: RoleCode


async def redeem_code(
    uow: DemarcheUow,
    ports: Ports,
    *,
    account_id: uuid.UUID,
    demarche: str,
    siret: str,
    code: str,
) -> Redemption:
    found = get_demarche(demarche)
    siret = checked_siret(siret)
    limits, now = ports.limits, ports.clock()
    window = limits.account_window_seconds
    failures, started = await uow.attempts.reserve_account(account_id, now, window)
    if failures > limits.per_account:
        # A concurrent attempt may have opened the window a moment after our clock read:
        # never ask for more than the window itself.
        wait = min(started + timedelta(seconds=window) - now, timedelta(seconds=window))
        raise TooManyAttempts(max(1, math.ceil(wait.total_seconds())))
    counted = await uow.attempts.reserve_siret(found.code, siret)
    if counted is None:
        raise CodeLocked()
    redeemed = await uow.codes.redeem(
        found.code, siret, ports.hasher.digest(normalized_code(code)), account_id, now
    )
    if redeemed is None:
        if counted >= limits.per_siret:
            await _lock(uow, found.code, siret, counted, ports)
        raise WrongCode()
    await uow.attempts.release_account(account_id)
    await uow.attempts.release_siret(found.code, siret)
    uow.publish(
        ActivationCodeRedeemed(
            code_id=redeemed.code_id,
            demarche=found.code,
            siret=siret,
            account_id=account_id,
            redeemed_at=now,
        )
    )
    return Redemption(found.code, siret, found.manager_role)


async def _lock(
    uow: DemarcheUow, demarche: DemarcheCode, siret: str, counted: int, ports: Ports
) -> None:
    now = ports.clock()
    await uow.attempts.lock_siret(demarche, siret, now)
    live = await uow.codes.live(demarche, siret)
    # A SIRET with no code locks all the same (the answer must not tell); only a real
    # code's lock is a fact for the bus.
    if live is not None:
        uow.publish(
            ActivationCodeLocked(
                code_id=live.code_id,
                demarche=demarche,
                siret=siret,
                failed_attempts=counted,
                locked_at=now,
            )
        )
