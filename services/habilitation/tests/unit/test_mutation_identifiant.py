"""The identifiant's letters at their edges (docs/mutation.md): only A to Z are kept, and
the candidates stop after 100 draws."""

from __future__ import annotations

from habilitation.domain.identifiant import candidates, fold, letters_of


def test_only_the_letters_a_to_z_are_kept() -> None:
    # Between "Z" and "z" lie [ \ ] ^ _ ` : none is a letter.
    assert fold("d_Ar[t]a^g\\n`an") == "DARTAGNAN"
    assert letters_of("Jean", "D_Artagnan") == "JDART"


def test_the_candidates_stop_after_100_draws() -> None:
    draws: list[int] = []

    def same(n: int) -> int:
        draws.append(n)
        return 7

    assert candidates("Jean", "Dupont", same) == ["JDUPO007"]
    assert draws == [1000] * 100
