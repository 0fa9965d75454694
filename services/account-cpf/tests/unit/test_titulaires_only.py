"""The titulaire's space is theirs alone: every other kind of token is refused with a 403
before any route runs (guide 003; checked without a database)."""

from __future__ import annotations

import uuid

import pytest
from account_cpf.api.deps import titulaire_account
from cpf_runtime.auth import Principal
from cpf_runtime.problems import Problem


def test_a_titulaire_gets_their_account_id() -> None:
    account_id = uuid.uuid4()
    principal = Principal(str(account_id), "titulaire", {})
    assert titulaire_account(principal) == account_id


@pytest.mark.parametrize("kind", ["gestionnaire", "portail", "operateur", "service", ""])
def test_every_other_kind_is_forbidden(kind: str) -> None:
    with pytest.raises(Problem) as caught:
        titulaire_account(Principal(str(uuid.uuid4()), kind, {}))
    assert caught.value.status == 403
    assert caught.value.code == "forbidden"


def test_a_titulaire_token_without_an_account_id_is_unauthorized() -> None:
    with pytest.raises(Problem) as caught:
        titulaire_account(Principal("not-a-uuid", "titulaire", {}))
    assert caught.value.status == 401
