"""Write (or, with --check, verify) the documents generated from code: the AsyncAPI document
of each service (docs/asyncapi/<service>.json), its OpenAPI document as the service serves
it at /openapi.json (docs/openapi/<service>.json) and the topic definitions ops provision
(deploy/topics.json)."""

from __future__ import annotations

import argparse
import importlib
import json
import secrets
import sys
from pathlib import Path

from cpf_contracts.base import dlq_topic
from cpf_runtime.asyncapi import asyncapi_document
from cpf_runtime.sealing import generate_keypair

SERVICES = ["identity", "habilitation", "demarche", "account_cpf", "notifier"]
ROOT = Path(__file__).resolve().parent.parent
PARTITIONS = 4
# The documents depend on code only; building a runtime needs settings but opens no connection.
PLACEHOLDER_URL = "postgresql+asyncpg://docs@localhost/docs"
KEYPAIR = generate_keypair()


def render(document: object) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def documents() -> dict[Path, str]:
    rendered = {}
    topics: dict[str, dict[str, set[str]]] = {}
    for package in SERVICES:
        main = importlib.import_module(f"{package}.main")
        settings_module = importlib.import_module(f"{package}.settings")
        settings_class = next(
            value
            for name, value in vars(settings_module).items()
            if name.endswith("Settings") and value.__module__ == settings_module.__name__
        )
        throwaway = {
            "database_url": PLACEHOLDER_URL,
            "sealing_private_key": KEYPAIR[0],
            "sealing_public_key": KEYPAIR[1],
            "signing_key_passphrase": secrets.token_urlsafe(24),
            "code_hmac_key": secrets.token_urlsafe(32),
        }
        placeholders = {k: v for k, v in throwaway.items() if k in settings_class.model_fields}
        runtime = main.build(settings_class(**placeholders))
        rendered[ROOT / "docs" / "asyncapi" / f"{package}.json"] = render(
            asyncapi_document(runtime)
        )
        rendered[ROOT / "docs" / "openapi" / f"{package}.json"] = render(
            runtime.create_app().openapi()
        )
        for event in runtime.publishes:
            topics.setdefault(event.topic(), {"producers": set(), "consumers": set()})[
                "producers"
            ].add(runtime.service)
        for consumer in runtime.consumers:
            for topic in consumer.topics:
                topics.setdefault(topic, {"producers": set(), "consumers": set()})["consumers"].add(
                    consumer.group_id
                )
    rendered[ROOT / "deploy" / "topics.json"] = render(
        [
            {
                "topic": topic,
                "dead_letter_topic": dlq_topic(topic),
                "partitions": PARTITIONS,
                "replication_factor": 3,
                "cleanup_policy": "delete",
                "producers": sorted(roles["producers"]),
                "consumer_groups": sorted(roles["consumers"]),
            }
            for topic, roles in sorted(topics.items())
        ]
    )
    return rendered


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--check", action="store_true", help="fail when the files are stale")
    args = parser.parse_args()
    stale = []
    for path, text in documents().items():
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(str(path.relative_to(ROOT)))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    if stale:
        print(f"stale generated documents: {', '.join(stale)}; run `make docs`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
