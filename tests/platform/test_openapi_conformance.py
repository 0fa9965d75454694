"""Each service against its own OpenAPI document, with Schemathesis and every check.

The real app (``main.build`` on a PostgreSQL migrated by Alembic, no lifespan: no broker)
is called in process. Every generated request is sent anonymously (as generated, with any
made-up credentials Schemathesis draws) and then with a real access token of each kind:
titulaire, portail, gestionnaire, administrateur (the principal administrator of an
organisation created through habilitation's API), operateur; the kinds take turns over the
cases of each operation, so each operation meets each kind. The routes are read from the
document, so a route added later is tested too.

Bounded for a busy 2-core machine: a few examples per operation, a fixed seed, no shrinking.

``positive_data_acceptance`` accepts 400, 410 and 422 besides its defaults: a request can
match the schema and still break a rule JSON Schema cannot say (a NIR's key, a SIRET's Luhn
digit, two fields that must match, a single-use link already used).
"""

from __future__ import annotations

import importlib
import secrets
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from cpf_local.postgres import PostgresCluster
from cpf_local.testing import migrated_database
from cpf_runtime.db import create_engine, make_session_factory
from cpf_runtime.sealing import generate_keypair
from cpf_runtime.service import Runtime
from cpf_runtime.testing import TokenMint
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from schemathesis.python.asgi import ASGIClient

SERVICES = ["identity", "habilitation", "demarche", "account_cpf", "notifier"]
KINDS = ["titulaire", "portail", "gestionnaire", "administrateur", "operateur"]
KEYPAIR = generate_keypair()
# Building an app opens no connection; ``databases`` points each at its real database.
PLACEHOLDER_URL = "postgresql+asyncpg://conformance@localhost/conformance"

CONFIG = {
    "seed": 20261201,
    "generation": {
        "max-examples": 3,
        "deterministic": True,
        "no-shrink": True,
        "database": "none",
        # Unknown query parameters are ignored, as HTTP APIs commonly do (a cache-buster,
        # a tracking tag): not a refusal this suite asks for.
        "allow-extra-parameters": False,
    },
    "phases": {
        "examples": {"enabled": True},
        # Two undeclared methods per path are enough to see each 405 and its Allow.
        "coverage": {
            "enabled": True,
            "unexpected-methods": ["PUT", "TRACE"],
            "generate-duplicate-query-parameters": False,
        },
    },
    "checks": {
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "3xx", 400, 401, 403, 404, 409, 410, 422, 429]
        },
    },
    "suppress-health-check": ["all"],
    # Without a broker (no lifespan here), readiness is honestly "not ready".
    "operations": [
        {
            "include-path": "/readyz",
            "checks": {
                "not_a_server_error": {"expected-statuses": ["2xx", "4xx", 503]},
                "positive_data_acceptance": {"expected-statuses": [200, 503]},
            },
        }
    ],
}


@dataclass
class Service:
    name: str
    app: Any
    runtime: Runtime
    mint: TokenMint
    accounts: dict[str, str]
    """The account id put in the token of each kind."""

    def headers(self, kind: str) -> dict[str, str]:
        token_kind = "gestionnaire" if kind == "administrateur" else kind
        token = self.mint.token(kind=token_kind, account_id=self.accounts[kind])
        return {"Authorization": f"Bearer {token}"}


def without_lifespan(app: Any) -> Any:
    """The app, refusing the lifespan scope (so no relay, consumer or job starts)."""

    async def asgi(scope: dict[str, Any], receive: Callable[..., Any], send: Any) -> None:
        if scope["type"] == "lifespan":
            raise RuntimeError("no lifespan in these tests")
        await app(scope, receive, send)

    return asgi


def settings_for(package: str, database_url: str) -> Any:
    module = importlib.import_module(f"{package}.settings")
    settings_class = next(
        value
        for name, value in vars(module).items()
        if name.endswith("Settings") and value.__module__ == module.__name__
    )
    values = {
        "database_url": database_url,
        "sealing_private_key": KEYPAIR[0],
        "sealing_public_key": KEYPAIR[1],
        "signing_key_passphrase": secrets.token_urlsafe(24),
        "code_hmac_key": secrets.token_urlsafe(32),
        "argon2_memory_kib": 64,
        "argon2_time_cost": 1,
        "login_delay_step_ms": 0,
    }
    return settings_class(**{k: v for k, v in values.items() if k in settings_class.model_fields})


def administrator(client: ASGIClient, operator: dict[str, str]) -> str:
    """The principal administrator of a new organisation (habilitation only)."""
    from habilitation.domain.siret import luhn_check_digit

    partial = "".join(secrets.choice("0123456789") for _ in range(13))
    email = f"principal.{uuid.uuid4().hex[:8]}@example.fr"
    body = {
        "siret": partial + luhn_check_digit(partial),
        "raison_sociale": "ENTREPRISE DE TEST",
        "kind": "employeur",
        "administrateur": {
            "civilite": "M",
            "prenom": "Jean-Marc",
            "nom": "Collot",
            "email": email,
            "email_confirmation": email,
            "telephone": "0442192419",
        },
    }
    response = client.post("/v1/organisations", json=body, headers=operator)
    assert response.status_code == 201, response.text
    account_id: str = response.json()["administrateur"]["account_id"]
    return account_id


def build(package: str) -> Service:
    """The service as its ``main.build`` wires it; its database is set by ``databases``."""
    main = importlib.import_module(f"{package}.main")
    runtime: Runtime = main.build(settings_for(package, PLACEHOLDER_URL))
    mint = TokenMint.for_runtime(runtime)
    app = without_lifespan(runtime.create_app())
    return Service(package, app, runtime, mint, {kind: str(uuid.uuid4()) for kind in KINDS})


BUILT = {package: build(package) for package in SERVICES}
BY_TITLE = {s.runtime.service: s for s in BUILT.values()}
schema = schemathesis.pytest.parametrize(
    **{
        package: schemathesis.openapi.from_asgi(
            "/openapi.json", service.app, config=SchemathesisConfig.from_dict(CONFIG)
        )
        for package, service in BUILT.items()
    }
)


@pytest.fixture(scope="module", autouse=True)
async def databases(postgres: PostgresCluster) -> None:
    """Each service on a fresh migrated database, and a real principal administrator with
    his organisation's unit."""
    for package, service in BUILT.items():
        url = await migrated_database(postgres, importlib.import_module(package).__file__, package)
        service.runtime.engine = create_engine(url)
        service.runtime.session_factory = make_session_factory(service.runtime.engine)
    habilitation = BUILT["habilitation"]
    client = ASGIClient(habilitation.app)
    habilitation.accounts["administrateur"] = administrator(
        client, habilitation.headers("operateur")
    )
    response = client.post(
        "/v1/unites",
        json={"nom": "Unité Formation"},
        headers=habilitation.headers("administrateur"),
    )
    assert response.status_code == 201, response.text


TURNS: Counter[str] = Counter()
load_all_checks()
ALL_CHECKS = CHECKS.get_all()
"""Every check Schemathesis has (``ignored_auth`` included), named rather than left to a
default."""


def test_every_check_of_schemathesis_is_run() -> None:
    names = {check.__name__ for check in ALL_CHECKS}
    assert {"ignored_auth", "not_a_server_error", "response_schema_conformance"} <= names
    assert names == set(CHECKS.get_all_names())


@schema
def test_every_route_answers_as_documented(case: Any) -> None:
    service = BY_TITLE[case.operation.schema.raw_schema["info"]["title"]]
    case.call_and_validate(checks=ALL_CHECKS)
    # A real token would mend the headers a negative case breaks on purpose.
    mends = case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER)
    # The kinds take turns across an operation's cases (each case is also sent anonymously).
    turn = KINDS[TURNS[case.operation.label] % len(KINDS)]
    TURNS[case.operation.label] += 1
    for kind in [] if mends else [turn]:
        try:
            case.call_and_validate(headers=service.headers(kind), checks=ALL_CHECKS)
        except Exception as exc:
            exc.add_note(f"{service.name}, with a token of kind {kind}")
            raise


# The refusals item 4 of issue 12 lists, on the real routes (the guard runs before any
# route, so a body needs only the field that carries the character).
NUL_CASES = [
    ("identity", "POST", "/v1/token", {"identifiant": "1\x00", "mot_de_passe": "x"}, "identifiant"),
    ("identity", "POST", "/v1/mot-de-passe/oubli", {"identifiant": "a\x00b"}, "identifiant"),
    ("identity", "POST", "/v1/mot-de-passe/reinitialisation", {"token": "t\x00"}, "token"),
    ("identity", "POST", "/v1/titulaires", {"prenom": "Je\x00an"}, "prenom"),
    ("identity", "POST", "/v1/portail/inscriptions", {"raison_sociale": "\x00"}, "raison_sociale"),
    (
        "habilitation",
        "POST",
        "/v1/organisations",
        {"administrateur": {"nom": "\x00"}},
        "administrateur.nom",
    ),
    ("habilitation", "POST", "/v1/gestionnaires", {"prenom": "Cl\x00aire"}, "prenom"),
    (
        "habilitation",
        "PATCH",
        f"/v1/gestionnaires/{uuid.uuid4()}",
        {"fonction": "\x00"},
        "fonction",
    ),
    ("habilitation", "POST", "/v1/unites", {"nom": "Unit\x00"}, "nom"),
    ("account_cpf", "POST", "/v1/titulaires/moi/dossiers", {"intitule": "\x00"}, "intitule"),
]


@pytest.mark.parametrize(("package", "method", "path", "body", "field"), NUL_CASES)
def test_a_nul_character_is_a_422_naming_the_field(
    package: str, method: str, path: str, body: dict[str, Any], field: str
) -> None:
    service = BUILT[package]
    response = ASGIClient(service.app).request(
        method, path, json=body, headers=service.headers("administrateur")
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {
            "field": field,
            "rule": "nul_character",
            "message": "Ce champ ne peut contenir de caractère nul.",
        }
    ]


@pytest.mark.parametrize(
    ("package", "path", "field"),
    [
        ("identity", "/activation?token=a%00", "token"),
        ("habilitation", "/v1/gestionnaires?nom=Mar%00tin", "nom"),
        ("habilitation", "/v1/organisations?siret=%00", "siret"),
        ("notifier", "/v1/messages?recipient=%00", "recipient"),
    ],
)
def test_a_nul_in_a_query_parameter_is_a_422_naming_it(package: str, path: str, field: str) -> None:
    service = BUILT[package]
    response = ASGIClient(service.app).get(path, headers=service.headers("operateur"))
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field


def test_a_nul_in_a_page_form_is_a_422() -> None:
    response = ASGIClient(BUILT["identity"].app).post(
        "/activation",
        data=b"token=a%00b",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "token"


@pytest.mark.parametrize(
    ("content", "rule"),
    [
        (b"civilite;prenom;nom\nM;Je\x00an;Dupont\n", "nul_character"),
        (b"civilite;prenom;nom\nM;Jean\x81;Dupont\n", "file_encoding"),
    ],
)
def test_a_bulk_file_with_a_nul_or_undecodable_is_a_422(content: bytes, rule: str) -> None:
    service = BUILT["habilitation"]
    response = ASGIClient(service.app).post(
        "/v1/habilitations-en-masse",
        files={"fichier": ("liste.csv", content, "text/csv")},
        headers=service.headers("administrateur"),
    )
    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert (error["field"], error["rule"]) == ("fichier", rule)


def test_a_name_with_a_bidirectional_override_is_refused() -> None:
    service = BUILT["habilitation"]
    response = ASGIClient(service.app).post(
        "/v1/unites",
        json={"nom": "Unité\u202eFormation"},
        headers=service.headers("administrateur"),
    )
    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert (error["field"], error["rule"]) == ("nom", "control_characters")


def test_an_oversized_or_malformed_json_body_is_a_french_problem() -> None:
    client = ASGIClient(BUILT["identity"].app)
    response = client.post("/v1/token", json={"identifiant": "x" * 300_000, "mot_de_passe": "x"})
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Requête trop volumineuse."
    response = client.post(
        "/v1/token", data=b'{"identifiant": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Le corps de la requête n'est pas un JSON valide."


def test_a_405_lists_every_method_of_the_path() -> None:
    service = BUILT["habilitation"]
    response = ASGIClient(service.app).put("/v1/organisations", json={})
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, POST"
    assert response.headers["content-type"] == "application/problem+json"
