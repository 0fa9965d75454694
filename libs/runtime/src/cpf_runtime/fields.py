"""Field types and documented constraints shared by the services' API schemas.

:data:`Name` is the type of every name a person types (prénom, nom, raison sociale,
fonction, a unit's name): it refuses the characters of :mod:`cpf_runtime.text` (control
characters, line separators, bidirectional overrides), which would travel into e-mails
and screens, with the rule ``control_characters`` and a French message, and its JSON
Schema says so with a ``pattern`` a client can check.

The ``*_PATTERN`` constants are the business formats a client can check itself (NIR,
SIRET, phone number, postal code). A schema shows them with :func:`documented`: they go
into the OpenAPI document only, while the service's own rules keep checking the value
and naming the rule broken (``nir_key``, ``siret_checksum``…) in French. Each pattern is
never stricter than the rule behind it, so a value the document refuses is refused.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from cpf_runtime.text import CONTROL_CHARACTERS_MESSAGE, has_control_characters

# The characters of cpf_runtime.text.is_control_character, as a JSON Schema class.
WITHOUT_CONTROL_CHARACTERS = (
    "^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029\\u200e\\u200f\\u061c"
    "\\u202a-\\u202e\\u2066-\\u2069]*$"
)
NIR_PATTERN = "^[1-478][0-9]{4}([0-9]{2}|2[ABab])[0-9]{8}$"
SIRET_PATTERN = "^[0-9]{14}$"
PHONE_PATTERN = "^[0-9]{10,15}$"
OPTIONAL_PHONE_PATTERN = "^\\s*([0-9]{10,15})?\\s*$"
POSTAL_CODE_PATTERN = "^[0-9]{5}$"


def _refuse_control_characters(value: str) -> str:
    if has_control_characters(value):
        raise PydanticCustomError("control_characters", CONTROL_CHARACTERS_MESSAGE)
    return value


Name = Annotated[
    str,
    AfterValidator(_refuse_control_characters),
    Field(json_schema_extra={"pattern": WITHOUT_CONTROL_CHARACTERS}),
]
"""A name a person types: no control character, line separator or bidirectional control."""


def documented(**schema: Any) -> dict[str, Any]:
    """``json_schema_extra`` showing ``schema`` (a pattern, an enum, a ``const``) in the
    OpenAPI document without pydantic enforcing it: the service's rule does, in French."""
    return schema


__all__ = [
    "NIR_PATTERN",
    "Name",
    "OPTIONAL_PHONE_PATTERN",
    "PHONE_PATTERN",
    "POSTAL_CODE_PATTERN",
    "SIRET_PATTERN",
    "WITHOUT_CONTROL_CHARACTERS",
    "documented",
]
