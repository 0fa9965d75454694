"""CLI commands of ``python -m identity``."""

from __future__ import annotations

import argparse

from cpf_runtime.service import Command, Runtime

from identity.app.keys import rotate_signing_key
from identity.app.provisioning import create_operateur
from identity.app.services import Services
from identity.domain.errors import OperateurExists
from identity.store.uow import ours


def operateur_create_command(services: Services) -> Command:
    def configure(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--prenom", required=True)
        parser.add_argument("--nom", required=True)
        parser.add_argument("--civilite", required=True, choices=["M", "MME"])

    async def run(runtime: Runtime, args: argparse.Namespace) -> int:
        try:
            async with ours(runtime.uow()) as uow:
                account = await create_operateur(
                    uow,
                    args.email,
                    civilite=args.civilite,
                    prenom=args.prenom,
                    nom=args.nom,
                    hasher=services.hasher,
                    sealer=services.sealer,
                    clock=services.clock,
                )
        except ValueError as exc:
            print(f"identity: adresse électronique invalide : {exc}")
            return 2
        except OperateurExists:
            print("identity: un compte opérateur existe déjà pour cette adresse")
            return 1
        # The password itself is never printed: the notifier e-mails it.
        print(f"identity: compte opérateur créé : {account.id}")
        return 0

    return Command(
        "operateur-create",
        "create a back-office operator account; its temporary password is e-mailed",
        configure,
        run,
    )


def rotate_signing_key_command(services: Services) -> Command:
    def configure(parser: argparse.ArgumentParser) -> None:
        pass

    async def run(runtime: Runtime, args: argparse.Namespace) -> int:
        async with ours(runtime.uow()) as uow:
            new, gone = await rotate_signing_key(
                uow, services.clock, services.tokens.ttl, services.keyring.vault
            )
        print(f"identity: nouvelle clé de signature active : {new.kid}")
        for kid in gone:
            print(f"identity: clé retirée supprimée : {kid}")
        return 0

    return Command(
        "rotate-signing-key",
        "a new key signs new tokens; the old one stays in the JWKS until its tokens expire",
        configure,
        run,
    )


def commands(services: Services) -> list[Command]:
    return [operateur_create_command(services), rotate_signing_key_command(services)]
