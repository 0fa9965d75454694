"""SIRET: the rule lives once in the contracts library (:mod:`cpf_contracts.siret`)."""

from cpf_contracts.siret import (
    LA_POSTE_SIREN,
    is_valid_siret,
    luhn_check_digit,
    luhn_ok,
    siret_rule,
)

__all__ = ["LA_POSTE_SIREN", "is_valid_siret", "luhn_check_digit", "luhn_ok", "siret_rule"]
