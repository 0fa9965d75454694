"""The company register: the same contract for the file and the HTTP adapters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from habilitation.adapters.register.file import FileRegister
from habilitation.adapters.register.http import HttpRegister
from habilitation.app.ports import (
    CompanyRegister,
    Entreprise,
    RegisterError,
    RegisterUnavailable,
)

KNOWN = Entreprise(
    "38197644802779",
    "CREDIT AGRICOLE ALPES PROVENCE",
    "25 CHEMIN DES TROIS CYPRES",
    "13097",
    "AIX-EN-PROVENCE",
)
UNKNOWN = "73282932000074"


def api_answer(request: httpx.Request) -> httpx.Response:
    """What recherche-entreprises.api.gouv.fr answers, reduced to the fields we read."""
    q = request.url.params["q"]
    if q != KNOWN.siret:
        return httpx.Response(200, json={"results": [], "total_results": 0})
    return httpx.Response(
        200,
        json={
            "results": [
                {
                    "siren": q[:9],
                    "nom_complet": KNOWN.raison_sociale,
                    "nom_raison_sociale": KNOWN.raison_sociale,
                    "siege": {
                        "siret": "38197644800011",
                        "adresse": "ailleurs",
                        "code_postal": "00000",
                        "libelle_commune": "X",
                    },
                    "matching_etablissements": [
                        {
                            "siret": q,
                            "adresse": KNOWN.adresse,
                            "code_postal": KNOWN.code_postal,
                            "libelle_commune": KNOWN.commune,
                        }
                    ],
                }
            ]
        },
    )


def file_register(tmp_path: Path) -> CompanyRegister:
    path = tmp_path / "register.json"
    path.write_text(json.dumps([KNOWN.__dict__]))
    return FileRegister(path)


def http_register(tmp_path: Path) -> CompanyRegister:
    return HttpRegister("https://register.test", transport=httpx.MockTransport(api_answer))


@pytest.fixture(params=[file_register, http_register], ids=["file", "http"])
def register(request: Any, tmp_path: Path) -> CompanyRegister:
    factory = request.param
    return factory(tmp_path)  # type: ignore[no-any-return]


async def test_a_known_siret_is_found(register: CompanyRegister) -> None:
    assert await register.lookup(KNOWN.siret) == KNOWN


async def test_an_unknown_siret_is_none(register: CompanyRegister) -> None:
    assert await register.lookup(UNKNOWN) is None


def test_the_file_register_reads_csv(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        "siret;raison_sociale;adresse;code_postal;commune\n38197644802779;CA;1 rue;13097;AIX\n"
    )
    assert len(FileRegister(path)) == 1


@pytest.mark.parametrize(
    ("handler", "error"),
    [
        (
            lambda r: (_ for _ in ()).throw(httpx.ReadTimeout("slow", request=r)),
            RegisterUnavailable,
        ),
        (lambda r: httpx.Response(503), RegisterUnavailable),
        (lambda r: httpx.Response(429), RegisterUnavailable),
        (lambda r: httpx.Response(400), RegisterError),
        (lambda r: httpx.Response(200, text="<html>"), RegisterError),
    ],
)
async def test_http_failures_are_named(handler: Any, error: type[Exception]) -> None:
    register = HttpRegister("https://register.test", transport=httpx.MockTransport(handler))
    with pytest.raises(error):
        await register.lookup(KNOWN.siret)


class Failing:
    def __init__(self, error: Exception) -> None:
        self.error = error

    async def lookup(self, siret: str) -> Entreprise | None:
        raise self.error


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (RegisterUnavailable("timeout"), 503, "register-unavailable"),
        (RegisterError("garbage"), 502, "register-bad-gateway"),
    ],
)
async def test_the_caller_gets_a_clear_problem(error: Exception, status: int, code: str) -> None:
    from cpf_runtime.errors import DomainError
    from cpf_runtime.problems import problem_for
    from habilitation.api.errors import DOMAIN_ERRORS
    from habilitation.app.organisations import lookup_entreprise

    with pytest.raises(DomainError) as caught:
        await lookup_entreprise(Failing(error), KNOWN.siret)
    problem = problem_for(caught.value, DOMAIN_ERRORS)
    assert (problem.status, problem.body()["type"].rsplit("/", 1)[1]) == (status, code)
