"""SIRET: the rule lives once in the contracts library (:mod:`cpf_contracts.siret`); here,
demarche's words for its refusals."""

from cpf_contracts.siret import LA_POSTE_SIREN, luhn_check_digit, luhn_ok, siret_rule

__all__ = ["LA_POSTE_SIREN", "SIRET_MESSAGES", "luhn_check_digit", "luhn_ok", "siret_rule"]

SIRET_MESSAGES = {
    "siret_format": "Le SIRET comporte 14 chiffres, sans espace.",
    "siret_checksum": "Ce SIRET n'existe pas : vérifiez les 14 chiffres saisis.",
}
