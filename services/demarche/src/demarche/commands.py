"""demarche's own commands of ``python -m demarche`` (beside the runtime's ``migrate``,
``serve``…): who acts for each démarche's authority."""

from __future__ import annotations

import argparse
import uuid

from cpf_contracts.catalogue import CATALOGUE
from cpf_runtime.clock import Clock, utcnow
from cpf_runtime.service import Command, Runtime

from demarche.app.agents import grant_agent, revoke_agent
from demarche.domain.errors import InvalidInput
from demarche.store.uow import DemarcheUnitOfWork

DEMARCHES = [d.code for d in CATALOGUE]


def authority_grant_command(clock: Clock = utcnow) -> Command:
    def configure(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--account-id", required=True, type=uuid.UUID, help="operateur")
        parser.add_argument("--demarche", required=True, choices=DEMARCHES)
        parser.add_argument("--service", required=True, help="« DREETS Île-de-France »")
        parser.add_argument("--ville", required=True, help="written on letters: « Paris »")

    async def run(runtime: Runtime, args: argparse.Namespace) -> int:
        try:
            async with DemarcheUnitOfWork(runtime.session_factory) as uow:
                agent = await grant_agent(
                    uow,
                    clock,
                    account_id=args.account_id,
                    demarche=args.demarche,
                    service=args.service,
                    ville=args.ville,
                )
        except InvalidInput as exc:
            print(f"demarche: {exc.message}")
            return 2
        print(f"demarche: {agent.account_id} agit pour {agent.service} ({agent.demarche})")
        return 0

    return Command(
        "authority-grant",
        "let an operateur account issue a démarche's activation codes (and sign its letters)",
        configure,
        run,
    )


def authority_revoke_command() -> Command:
    def configure(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--account-id", required=True, type=uuid.UUID)
        parser.add_argument("--demarche", required=True, choices=DEMARCHES)

    async def run(runtime: Runtime, args: argparse.Namespace) -> int:
        async with DemarcheUnitOfWork(runtime.session_factory) as uow:
            removed = await revoke_agent(uow, account_id=args.account_id, demarche=args.demarche)
        if not removed:
            print(f"demarche: {args.account_id} n'était pas agent de {args.demarche}")
            return 1
        print(f"demarche: {args.account_id} n'agit plus pour {args.demarche}")
        return 0

    return Command(
        "authority-revoke", "withdraw an account from a démarche's authority", configure, run
    )


COMMANDS: list[Command] = [authority_grant_command(), authority_revoke_command()]
