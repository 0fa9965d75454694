"""The breaking-change rule, keyword by keyword, on hand-written JSON Schemas.

``test_schemas.py`` checks it on pydantic models, as ``export`` writes them; here each kind of
change is written out as JSON Schema, so that every branch of the checker and every message
it prints is pinned (``compatibility_problems``; CI fails on any of these lines).
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from cpf_contracts.schemas import compatibility_problems

Schema = dict[str, Any]
STRING: Schema = {"type": "string"}
INTEGER: Schema = {"type": "integer"}
NULL: Schema = {"type": "null"}


def event(properties: Schema, required: list[str] | None = None, **extra: Any) -> Schema:
    """An event schema as ``export`` writes it: an object, its fields, its coordinates."""
    return {
        "type": "object",
        "title": "Thing",
        "additionalProperties": False,
        "properties": properties,
        "required": list(properties) if required is None else required,
        "x-topic": "svc.agg",
        "x-key": "id",
        **extra,
    }


def field(old: Schema, new: Schema) -> list[str]:
    """The problems of changing one field ``f`` from ``old`` to ``new``."""
    return compatibility_problems(event({"f": old}), event({"f": new}))


def bare(old: Schema, new: Schema) -> list[str]:
    """The problems of changing a whole schema (its path is the event itself)."""
    return compatibility_problems(old, new)


# --- coordinates -----------------------------------------------------------------------------


def test_a_topic_or_key_that_appears_or_disappears_is_breaking() -> None:
    old = event({"id": STRING})
    new = {k: v for k, v in old.items() if k not in ("x-topic", "x-key")}
    assert compatibility_problems(old, new) == [
        "topic changed from 'svc.agg' to None",
        "key field changed from 'id' to None",
    ]
    assert compatibility_problems(new, old) == [
        "topic changed from None to 'svc.agg'",
        "key field changed from None to 'id'",
    ]


def test_only_the_changed_coordinate_is_reported() -> None:
    old = event({"id": STRING})
    assert compatibility_problems(old, {**old, "x-key": "other"}) == [
        "key field changed from 'id' to 'other'"
    ]
    assert compatibility_problems(old, {**old, "x-topic": "svc.other"}) == [
        "topic changed from 'svc.agg' to 'svc.other'"
    ]


def test_other_x_keywords_and_annotations_are_not_judged() -> None:
    old = event({"id": STRING}, **{"x-version": 1, "description": "old", "$comment": "a"})
    new = event(
        {"id": {**STRING, "title": "Id", "description": "the id", "examples": ["a"]}},
        **{"x-version": 2, "description": "new", "$comment": "b", "deprecated": True},
    )
    assert compatibility_problems(old, new) == []


def test_each_problem_is_reported_once() -> None:
    # Both old alternatives are rejected for the same reason: one line, not two.
    old = {"anyOf": [STRING, {"type": "string", "format": "email"}]}
    assert bare(old, INTEGER) == [
        "the event no longer accepts string (now integer)",
        "the event no longer accepts string (email) (now integer)",
    ]
    assert bare({"anyOf": [STRING, STRING]}, INTEGER) == [
        "the event no longer accepts string (now integer)"
    ]


def test_the_event_itself_is_the_empty_path() -> None:
    # A whole schema that is an array or a map: its items and keys are named from the top.
    array = {"type": "array", "items": STRING}
    assert bare(array, {"type": "array", "items": INTEGER}) == [
        "field '[]' changed type from string to integer"
    ]
    pair = {"type": "array", "prefixItems": [STRING]}
    assert bare(pair, {"type": "array", "prefixItems": [INTEGER]}) == [
        "field '[0]' changed type from string to integer"
    ]


# --- what accepts anything -------------------------------------------------------------------


@pytest.mark.parametrize(
    "anything",
    [{}, {"description": "free"}, {"title": "T", "x-note": 1}, {"default": None}],
    ids=["empty", "description", "title and x-", "default"],
)
def test_a_field_that_now_accepts_anything_is_compatible(anything: Schema) -> None:
    assert field(INTEGER, anything) == []
    assert field({"enum": ["a"]}, anything) == []


def test_a_schema_of_only_x_keywords_accepts_anything() -> None:
    # Even where the old one was an object with fields: the new one accepts any value.
    old = {"type": "object", "properties": {"a": STRING}, "required": ["a"]}
    assert field(old, {"x-anything": True}) == []
    assert field({"x-note": 1}, STRING) == ["field 'f' changed type from any value to string"]


def test_a_field_that_accepted_anything_and_now_has_a_type_is_breaking() -> None:
    assert field({}, STRING) == ["field 'f' changed type from any value to string"]
    assert field({"description": "free"}, INTEGER) == [
        "field 'f' changed type from any value to integer"
    ]


# --- types -----------------------------------------------------------------------------------


def test_a_retyped_field_names_both_types() -> None:
    assert field(STRING, INTEGER) == ["field 'f' changed type from string to integer"]
    assert field(INTEGER, {"type": "boolean"}) == ["field 'f' changed type from integer to boolean"]


def test_integer_to_number_is_compatible_and_number_to_integer_is_not() -> None:
    assert field(INTEGER, {"type": "number"}) == []
    assert field({"type": "number"}, INTEGER) == ["field 'f' changed type from number to integer"]
    assert field({"type": "number"}, {"type": "string"}) == [
        "field 'f' changed type from number to string"
    ]


def test_the_type_is_described_with_its_format_items_or_title() -> None:
    assert field({"type": "string", "format": "uuid"}, INTEGER) == [
        "field 'f' changed type from string (uuid) to integer"
    ]
    assert field({"type": "array", "items": STRING}, STRING) == [
        "field 'f' changed type from array of string to string"
    ]
    assert field({"type": "array", "items": {}}, STRING) == [
        "field 'f' changed type from array of any value to string"
    ]
    assert field({"type": "array"}, STRING) == ["field 'f' changed type from array to string"]
    assert field({"type": "object", "title": "Address"}, STRING) == [
        "field 'f' changed type from object Address to string"
    ]
    assert field({"type": "object"}, STRING) == ["field 'f' changed type from object to string"]
    assert field(STRING, {"type": "array", "items": {"type": "string", "format": "email"}}) == [
        "field 'f' changed type from string to array of string (email)"
    ]


def test_a_type_known_only_from_its_values_is_compared() -> None:
    assert field({"enum": [1, 2]}, STRING) == ["field 'f' changed type from 1, 2 to string"]
    assert field({"const": True}, INTEGER) == ["field 'f' changed type from true to integer"]
    assert field({"const": None}, STRING) == ["field 'f' changed type from null to string"]
    assert field({"const": 1.5}, INTEGER) == ["field 'f' changed type from 1.5 to integer"]
    assert field({"const": [1]}, STRING) == ["field 'f' changed type from [1] to string"]
    assert field({"const": {"a": 1}}, STRING) == [
        "field 'f' changed type from {\"a\": 1} to string"
    ]
    # The same type, known from the values: the values are compared, not the type.
    assert field({"enum": ["a", "b"]}, STRING) == []
    assert field({"enum": [1, 2]}, INTEGER) == []
    assert field({"const": True}, {"type": "boolean"}) == []
    assert field({"const": 1}, {"type": "number"}) == []


def test_values_of_mixed_types_have_no_single_type() -> None:
    # Neither "string" nor "integer": any declared type is a change.
    assert field({"enum": ["a", 1]}, STRING) == ["field 'f' changed type from \"a\", 1 to string"]
    assert field({"enum": ["a", 1]}, INTEGER) == ["field 'f' changed type from \"a\", 1 to integer"]


def test_an_empty_enum_has_no_type() -> None:
    assert field({"enum": []}, STRING) == ["field 'f' changed type from  to string"]


def test_a_new_schema_without_type_is_judged_on_its_other_keywords() -> None:
    assert field(STRING, {"minLength": 1}) == ["field 'f' now has minLength 1 (was none)"]
    assert field(STRING, {"format": "email"}) == ["field 'f' now requires format email"]


# --- values: enum and const ------------------------------------------------------------------


def test_a_lost_value_is_named_and_an_added_one_is_compatible() -> None:
    assert field({"enum": ["a", "b", "c"]}, {"enum": ["a"]}) == [
        'field \'f\' no longer accepts "b", "c"'
    ]
    assert field({"enum": ["a"]}, {"enum": ["a", "b"]}) == []
    assert field({"enum": ["b", "a"]}, {"enum": ["a", "b"]}) == []


def test_const_and_enum_are_the_same_rule() -> None:
    assert field({"const": "a"}, {"enum": ["a", "b"]}) == []
    assert field({"enum": ["a", "b"]}, {"const": "a"}) == ["field 'f' no longer accepts \"b\""]
    assert field({"const": "a"}, {"const": "b"}) == ["field 'f' no longer accepts \"a\""]


def test_values_are_compared_as_json() -> None:
    assert field({"enum": [{"a": 1, "b": 2}]}, {"enum": [{"b": 2, "a": 1}]}) == []
    assert field({"enum": [1]}, {"enum": [1.0]}) == ["field 'f' no longer accepts 1"]
    assert field({"enum": ["é"]}, {"enum": ["e"]}) == ["field 'f' no longer accepts \"é\""]


def test_narrowing_a_type_to_values_is_breaking() -> None:
    assert field(STRING, {"enum": ["x", "y"]}) == [
        'field \'f\' now only accepts "x", "y" (it accepted any string)'
    ]
    assert field({"type": "string", "format": "uuid"}, {"const": "x"}) == [
        "field 'f' now only accepts \"x\" (it accepted any string (uuid))"
    ]
    assert field({"type": "string", "maxLength": 3}, {"type": "string", "enum": ["x"]}) == [
        "field 'f' now only accepts \"x\" (it accepted any string)"
    ]


# --- format and bounds -----------------------------------------------------------------------


def test_a_format_added_or_changed_is_breaking_and_dropped_or_kept_is_not() -> None:
    uuid_ = {"type": "string", "format": "uuid"}
    assert field(STRING, uuid_) == ["field 'f' now requires format uuid"]
    assert field(uuid_, {"type": "string", "format": "email"}) == [
        "field 'f' changed format from uuid to email"
    ]
    assert field(uuid_, STRING) == []
    assert field(uuid_, uuid_) == []


@pytest.mark.parametrize(
    "keyword", ["minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties"]
)
def test_a_raised_lower_bound_is_breaking(keyword: str) -> None:
    assert field({keyword: 2}, {keyword: 3}) == [f"field 'f' now has {keyword} 3 (was 2)"]
    assert field({}, {keyword: 0}) == [f"field 'f' now has {keyword} 0 (was none)"]
    assert field({keyword: 2}, {keyword: 2}) == []
    assert field({keyword: 2}, {keyword: 1}) == []
    assert field({keyword: 2}, {}) == []


@pytest.mark.parametrize(
    "keyword", ["maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties"]
)
def test_a_lowered_upper_bound_is_breaking(keyword: str) -> None:
    assert field({keyword: 3}, {keyword: 2}) == [f"field 'f' now has {keyword} 2 (was 3)"]
    assert field({}, {keyword: 10}) == [f"field 'f' now has {keyword} 10 (was none)"]
    assert field({keyword: 3}, {keyword: 3}) == []
    assert field({keyword: 3}, {keyword: 4}) == []
    assert field({keyword: 3}, {}) == []


def test_bounds_are_written_as_json() -> None:
    assert field({"type": "number", "maximum": 2.5}, {"type": "number", "maximum": 1.5}) == [
        "field 'f' now has maximum 1.5 (was 2.5)"
    ]
    assert field(
        {"type": "string", "minLength": 1, "maxLength": 9},
        {"type": "string", "minLength": 2, "maxLength": 8},
    ) == [
        "field 'f' now has minLength 2 (was 1)",
        "field 'f' now has maxLength 8 (was 9)",
    ]


def test_a_pattern_or_multiple_added_or_changed_is_breaking() -> None:
    assert field(STRING, {"type": "string", "pattern": "^[0-9]+$"}) == [
        "field 'f' now has pattern \"^[0-9]+$\" (was none)"
    ]
    a = {"type": "string", "pattern": "^a$"}
    assert field(a, {"type": "string", "pattern": "^b$"}) == [
        'field \'f\' now has pattern "^b$" (was "^a$")'
    ]
    assert field(a, a) == []
    assert field(a, STRING) == []
    assert field({"multipleOf": 2}, {"multipleOf": 4}) == ["field 'f' now has multipleOf 4 (was 2)"]


def test_unique_items_counts_only_when_true() -> None:
    array: Schema = {"type": "array", "items": STRING}
    assert field(array, {**array, "uniqueItems": True}) == [
        "field 'f' now has uniqueItems true (was none)"
    ]
    assert field(array, {**array, "uniqueItems": False}) == []
    assert field({**array, "uniqueItems": True}, {**array, "uniqueItems": False}) == []


# --- objects ---------------------------------------------------------------------------------


def test_a_removed_field_is_breaking() -> None:
    old = event({"id": STRING, "login": STRING})
    assert compatibility_problems(old, event({"id": STRING})) == ["field 'login' was removed"]


def test_fields_are_reported_in_their_order() -> None:
    old = event({"a": STRING, "b": STRING, "c": STRING})
    new = event({"b": INTEGER})
    assert compatibility_problems(old, new) == [
        "field 'a' was removed",
        "field 'b' changed type from string to integer",
        "field 'c' was removed",
    ]


def test_a_new_field_is_breaking_only_when_required() -> None:
    old = event({"id": STRING})
    assert compatibility_problems(old, event({"id": STRING, "x": STRING}, ["id"])) == []
    assert compatibility_problems(old, event({"id": STRING, "x": STRING})) == [
        "new required field 'x'"
    ]


def test_a_field_that_became_required_is_breaking() -> None:
    old = event({"id": STRING, "x": STRING}, ["id"])
    assert compatibility_problems(old, event({"id": STRING, "x": STRING})) == [
        "field 'x' became required"
    ]
    # And the other way round is compatible.
    assert compatibility_problems(event({"id": STRING, "x": STRING}), old) == []


def test_required_without_properties_is_read_as_a_new_field() -> None:
    assert bare({"type": "object"}, {"type": "object", "required": ["a", "b"]}) == [
        "new required field 'a'",
        "new required field 'b'",
    ]
    assert bare({"type": "object", "required": ["a"]}, {"type": "object", "required": ["a"]}) == []


def test_properties_dropped_from_an_object_are_removed_fields() -> None:
    assert bare({"type": "object", "properties": {"a": STRING}}, {"type": "object"}) == [
        "field 'a' was removed"
    ]
    assert bare({"properties": {"a": STRING}}, {"properties": {}}) == ["field 'a' was removed"]
    assert bare({"properties": {"a": STRING}}, {"type": "object"}) == [
        "the event changed type from value to object"
    ]
    # A schema that is not an object and has no properties is not compared as one.
    assert bare({"required": ["a"]}, {"type": "string", "required": ["a", "b"]}) == [
        "the event changed type from value to string"
    ]


def test_fields_are_compared_whenever_either_side_declares_them() -> None:
    # The old schema declares a field, the new one declares none and no type.
    assert bare({"properties": {"a": STRING}}, {"required": []}) == ["field 'a' was removed"]
    # The new one declares a required field, the old one none, neither a type.
    assert bare({"minLength": 0}, {"properties": {"a": STRING}, "required": ["a"]}) == [
        "new required field 'a'"
    ]


def test_object_keywords_on_a_schema_that_is_no_object_are_not_judged() -> None:
    # required and additionalProperties only apply to objects: a string is unaffected.
    assert field(STRING, {"type": "string", "additionalProperties": False}) == []
    assert field(STRING, {"type": "string", "required": ["a"]}) == []


def test_an_object_that_no_longer_accepts_other_keys_is_breaking() -> None:
    closed: Schema = {"type": "object", "additionalProperties": False}
    assert bare({"type": "object"}, closed) == ["the event no longer accepts other keys"]
    assert bare({"type": "object", "additionalProperties": True}, closed) == [
        "the event no longer accepts other keys"
    ]
    assert bare(closed, closed) == []
    assert bare(closed, {"type": "object"}) == []
    assert field({"type": "object"}, closed) == ["field 'f' no longer accepts other keys"]


def test_the_other_keys_schema_is_compared() -> None:
    labels: Schema = {"type": "object", "additionalProperties": STRING}
    assert field(labels, {"type": "object", "additionalProperties": INTEGER}) == [
        "field 'f.*' changed type from string to integer"
    ]
    assert field({"type": "object"}, labels) == [
        "field 'f.*' changed type from any value to string"
    ]
    assert field({"type": "object", "additionalProperties": True}, labels) == [
        "field 'f.*' changed type from any value to string"
    ]
    # Other keys were refused: whatever they may be now, no old event had one.
    assert field({"type": "object", "additionalProperties": False}, labels) == []
    assert field(labels, labels) == []
    assert bare({"type": "object"}, {"type": "object", "additionalProperties": STRING}) == [
        "field '*' changed type from any value to string"
    ]


def test_nested_objects_name_the_full_path() -> None:
    old = event({"a": event({"b": event({"c": STRING, "d": STRING})})})
    new = event({"a": event({"b": event({"c": INTEGER, "d": STRING, "e": STRING})})})
    assert compatibility_problems(old, new) == [
        "field 'a.b.c' changed type from string to integer",
        "new required field 'a.b.e'",
    ]
    old_b = event({"a": event({"b": STRING}, [])})
    new_b = event({"a": event({"b": STRING})})
    assert compatibility_problems(old_b, new_b) == ["field 'a.b' became required"]


# --- arrays ----------------------------------------------------------------------------------


def test_array_items_are_compared() -> None:
    old: Schema = {"type": "array", "items": STRING}
    assert field(old, {"type": "array", "items": INTEGER}) == [
        "field 'f[]' changed type from string to integer"
    ]
    assert field(old, old) == []
    assert field(old, {"type": "array"}) == []
    assert field(old, {"type": "array", "items": True}) == []
    assert field({"type": "array"}, old) == ["field 'f[]' changed type from any value to string"]
    assert field({"type": "array", "items": True}, old) == [
        "field 'f[]' changed type from any value to string"
    ]


def test_array_items_refused_is_breaking() -> None:
    assert field({"type": "array", "items": STRING}, {"type": "array", "items": False}) == [
        "field 'f' no longer accepts items"
    ]
    assert field({"type": "array"}, {"type": "array", "items": False}) == [
        "field 'f' no longer accepts items"
    ]
    assert field({"type": "array", "items": False}, {"type": "array", "items": False}) == []


def test_items_of_an_array_of_objects_are_compared_field_by_field() -> None:
    old = {"type": "array", "items": event({"a": STRING, "b": STRING})}
    new = {"type": "array", "items": event({"a": STRING})}
    assert field(old, new) == ["field 'f[].b' was removed"]


def test_array_items_that_are_not_schemas_are_not_compared() -> None:
    # The old spelling of a tuple (a list under items) is left to prefixItems' rules.
    old: Schema = {"type": "array", "items": [STRING]}
    assert field(old, {"type": "array", "items": [INTEGER]}) == []
    assert field({"type": "array", "items": STRING}, {"type": "array", "items": [INTEGER]}) == []
    assert field(old, {"type": "array", "items": INTEGER}) == []


def test_tuples_are_compared_position_by_position() -> None:
    pair: Schema = {"type": "array", "prefixItems": [STRING, INTEGER]}
    assert field(pair, {"type": "array", "prefixItems": [STRING, STRING]}) == [
        "field 'f[1]' changed type from integer to string"
    ]
    assert field(pair, {"type": "array", "prefixItems": [INTEGER, STRING]}) == [
        "field 'f[0]' changed type from string to integer",
        "field 'f[1]' changed type from integer to string",
    ]
    assert field(pair, {"type": "array", "prefixItems": [STRING, INTEGER, STRING]}) == [
        "field 'f' changed from 2 to 3 positions"
    ]
    assert field({"type": "array"}, pair) == ["field 'f' changed from 0 to 2 positions"]
    assert field(pair, {"type": "array"}) == ["field 'f' changed from 2 to 0 positions"]
    assert field(pair, pair) == []


# --- unions and nullable ---------------------------------------------------------------------


def test_making_a_field_nullable_is_compatible_and_the_reverse_is_not() -> None:
    nullable: Schema = {"anyOf": [STRING, NULL]}
    assert field(STRING, nullable) == []
    assert field(nullable, STRING) == ["field 'f' no longer accepts null (now string)"]
    assert field({"type": ["string", "null"]}, STRING) == [
        "field 'f' no longer accepts null (now string)"
    ]
    assert field(STRING, {"type": ["string", "null"]}) == []
    assert field({"type": ["string", "null"]}, nullable) == []


def test_a_single_alternative_is_the_schema_itself() -> None:
    assert field({"anyOf": [STRING]}, STRING) == []
    assert field({"type": ["string"]}, STRING) == []
    assert field(STRING, {"oneOf": [STRING]}) == []
    assert field({"anyOf": [STRING]}, {"type": ["integer"]}) == [
        "field 'f' changed type from string to integer"
    ]


def test_one_of_is_read_like_any_of() -> None:
    assert field({"oneOf": [STRING, NULL]}, STRING) == [
        "field 'f' no longer accepts null (now string)"
    ]
    assert field(STRING, {"oneOf": [INTEGER, STRING]}) == []


def test_an_old_value_accepted_by_any_new_alternative_is_compatible() -> None:
    # integer is accepted by number, though not by string.
    assert field(INTEGER, {"anyOf": [{"type": "number"}, STRING]}) == []
    assert field(INTEGER, {"anyOf": [STRING, {"type": "number"}]}) == []


def test_a_union_names_the_precise_reason_of_its_one_same_type_alternative() -> None:
    old = {"anyOf": [{"enum": ["a", "b"]}, NULL]}
    assert field(old, {"anyOf": [{"enum": ["a"]}, NULL]}) == ["field 'f' no longer accepts \"b\""]
    assert field(
        {"anyOf": [{"type": "string", "maxLength": 9}, NULL]},
        {"anyOf": [{"type": "string", "maxLength": 5}, NULL]},
    ) == ["field 'f' now has maxLength 5 (was 9)"]


def test_a_union_without_one_same_type_alternative_names_them_all() -> None:
    assert field(STRING, {"anyOf": [INTEGER, {"type": "boolean"}]}) == [
        "field 'f' no longer accepts string (now integer or boolean)"
    ]
    # Two string alternatives, neither accepting every string.
    two = {"anyOf": [{"type": "string", "maxLength": 3}, {"type": "string", "minLength": 5}]}
    assert field(STRING, two) == ["field 'f' no longer accepts string (now string or string)"]
    assert field(STRING, {"anyOf": [INTEGER, {"minimum": 0}]}) == [
        "field 'f' no longer accepts string (now integer or value)"
    ]
    assert field({"enum": ["a", "b"]}, {"anyOf": [INTEGER, {"enum": ["a", "c"]}]}) == [
        "field 'f' no longer accepts \"b\""
    ]


def test_nested_unions_are_flattened() -> None:
    nested = {"anyOf": [{"anyOf": [{"enum": ["a"]}, INTEGER]}, NULL]}
    assert field({"enum": ["a", "b"]}, nested) == ["field 'f' no longer accepts \"b\""]
    assert field(
        {"enum": ["a", "b"]}, {"oneOf": [{"oneOf": [{"enum": ["a"]}, INTEGER]}, NULL]}
    ) == ["field 'f' no longer accepts \"b\""]
    assert field(STRING, {"anyOf": [{"type": ["integer", "boolean"]}, NULL]}) == [
        "field 'f' no longer accepts string (now integer or boolean or null)"
    ]


def test_keywords_beside_any_of_apply_to_each_alternative() -> None:
    # The maxLength beside anyOf narrows the string alternative.
    old = {"anyOf": [STRING, NULL]}
    new = {"anyOf": [STRING, NULL], "maxLength": 3}
    assert field(old, new) == ["field 'f' now has maxLength 3 (was none)"]
    # An annotation beside anyOf is not copied into the alternatives.
    titled = {"title": "Address", "anyOf": [{"type": "object"}, NULL]}
    assert field(titled, STRING) == [
        "field 'f' no longer accepts object (now string)",
        "field 'f' no longer accepts null (now string)",
    ]
    assert field({"anyOf": [{"type": "object", "title": "Address"}, NULL]}, STRING) == [
        "field 'f' no longer accepts object Address (now string)",
        "field 'f' no longer accepts null (now string)",
    ]


def test_a_title_beside_a_union_behind_a_ref_names_no_alternative() -> None:
    # The def's title is an annotation of the whole union, not of its object alternative.
    defs = {"A": {"title": "Address", "type": "object", "additionalProperties": False}}
    new = {"anyOf": [{"$ref": "#/$defs/A", "anyOf": [{"type": "object"}, NULL]}], "$defs": defs}
    assert bare(STRING, new) == ["the event no longer accepts string (now object or null)"]


def test_a_union_is_described_alternative_by_alternative() -> None:
    new = {"anyOf": [{"type": "string", "format": "uuid"}, {"const": 1}, {}]}
    # {} accepts anything: the union accepts the old value.
    assert field({"type": "boolean"}, new) == []
    new = {"anyOf": [{"type": "string", "format": "uuid"}, {"const": 1}]}
    assert field({"type": "boolean"}, new) == [
        "field 'f' no longer accepts boolean (now string (uuid) or 1)"
    ]


# --- $ref, $defs, allOf ----------------------------------------------------------------------


def with_defs(node: Schema, **defs: Schema) -> Schema:
    return {**node, "$defs": defs}


def test_a_ref_is_followed_into_defs() -> None:
    old = with_defs(event({"a": {"$ref": "#/$defs/A"}}), A=event({"x": STRING, "y": STRING}))
    new = with_defs(event({"a": {"$ref": "#/$defs/A"}}), A=event({"x": STRING}))
    assert compatibility_problems(old, new) == ["field 'a.y' was removed"]
    # A def renamed with the same content is compatible.
    renamed = with_defs(event({"a": {"$ref": "#/$defs/B"}}), B=event({"x": STRING, "y": STRING}))
    assert compatibility_problems(old, renamed) == []


def test_two_fields_sharing_a_def_are_both_compared() -> None:
    props = {"a": {"$ref": "#/$defs/A"}, "b": {"$ref": "#/$defs/A"}}
    old = with_defs(event(props), A=event({"x": STRING, "y": STRING}))
    new = with_defs(event(props), A=event({"x": STRING}))
    assert compatibility_problems(old, new) == [
        "field 'a.y' was removed",
        "field 'b.y' was removed",
    ]


def test_keywords_beside_a_ref_apply_too() -> None:
    old = with_defs({"$ref": "#/$defs/S"}, S=STRING)
    new = with_defs({"$ref": "#/$defs/S", "maxLength": 5}, S=STRING)
    assert bare(old, new) == ["the event now has maxLength 5 (was none)"]
    # ... and win over the def's own.
    old = with_defs({"$ref": "#/$defs/S", "maxLength": 5}, S={"type": "string", "maxLength": 2})
    new = with_defs({"$ref": "#/$defs/S"}, S={"type": "string", "maxLength": 4})
    assert bare(old, new) == ["the event now has maxLength 4 (was 5)"]


def test_a_ref_to_a_ref_is_followed() -> None:
    old = with_defs({"$ref": "#/$defs/A"}, A={"$ref": "#/$defs/B"}, B=STRING)
    new = with_defs({"$ref": "#/$defs/A"}, A={"$ref": "#/$defs/B"}, B=INTEGER)
    assert bare(old, new) == ["the event changed type from string to integer"]


def test_all_of_is_merged_into_the_schema() -> None:
    old = with_defs(event({"a": {"allOf": [{"$ref": "#/$defs/A"}], "description": "d"}}), A=STRING)
    new = with_defs(event({"a": {"allOf": [{"$ref": "#/$defs/A"}]}}), A=INTEGER)
    assert compatibility_problems(old, new) == ["field 'a' changed type from string to integer"]
    # Several parts add up; the schema's own keywords win.
    new = event({"a": {"allOf": [STRING, {"maxLength": 3}, {"minLength": 1}], "maxLength": 4}})
    assert compatibility_problems(event({"a": STRING}), new) == [
        "field 'a' now has minLength 1 (was none)",
        "field 'a' now has maxLength 4 (was none)",
    ]


def test_a_ref_into_definitions_and_escaped_names_is_followed() -> None:
    # JSON Pointer: "~1" is "/" and "~0" is "~" ("~01" is "~1", not "/").
    defs = {"a/b": STRING, "c~d": STRING, "~1": STRING, "e": STRING}
    old = {
        "type": "object",
        "properties": {
            "p": {"$ref": "#/definitions/a~1b"},
            "q": {"$ref": "#/definitions/c~0d"},
            "r": {"$ref": "#/definitions/~01"},
        },
        "definitions": defs,
    }
    new = {**old, "definitions": {**defs, "a/b": INTEGER, "c~d": INTEGER, "~1": INTEGER}}
    assert bare(old, new) == [
        "field 'p' changed type from string to integer",
        "field 'q' changed type from string to integer",
        "field 'r' changed type from string to integer",
    ]


def test_a_ref_to_the_root_is_a_recursion_compared_once() -> None:
    tree = {"type": "object", "properties": {"name": STRING, "child": {"$ref": "#"}}}
    assert bare(tree, tree) == []
    smaller = {"type": "object", "properties": {"child": {"$ref": "#"}}}
    assert bare(tree, smaller) == ["field 'name' was removed", "field 'child.name' was removed"]


def test_a_recursive_def_is_compared_once_per_pair() -> None:
    node = {
        "type": "object",
        "properties": {"name": STRING, "children": {"type": "array", "items": {"$ref": "#"}}},
    }
    old = with_defs({"$ref": "#/$defs/N"}, N=node)
    shrunk = {"type": "object", "properties": {"children": node["properties"]["children"]}}
    new = with_defs({"$ref": "#/$defs/N"}, N=shrunk)
    assert bare(old, new) == ["field 'name' was removed"]


@contextmanager
def at_most(seconds: float) -> Iterator[None]:
    """Fail, rather than hang, if the block runs longer (a loop that is not detected)."""

    def expired(signum: int, frame: object) -> None:
        raise AssertionError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_a_ref_loop_is_an_error() -> None:
    loop = with_defs({"$ref": "#/$defs/A"}, A={"$ref": "#/$defs/B"}, B={"$ref": "#/$defs/A"})
    with at_most(10), pytest.raises(ValueError, match=r"^\$ref loop at #/\$defs/A$"):
        bare(loop, loop)
    itself = with_defs({"$ref": "#/$defs/A"}, A={"$ref": "#/$defs/A"})
    with at_most(10), pytest.raises(ValueError, match=r"^\$ref loop at #/\$defs/A$"):
        bare(itself, STRING)


def test_a_remote_ref_is_an_error() -> None:
    remote = {"$ref": "https://example.org/schema.json"}
    with pytest.raises(
        ValueError, match=r"^only local \$refs are supported, not https://example.org/schema.json$"
    ):
        bare(remote, STRING)


def test_a_ref_to_something_not_a_schema_is_an_error() -> None:
    odd = {"type": "object", "required": ["a"], "properties": {"a": {"$ref": "#/required"}}}
    with pytest.raises(ValueError, match=r"^\$ref #/required does not point at a schema$"):
        bare(odd, odd)


# --- keywords the check does not know --------------------------------------------------------


def test_unknown_keywords_are_reported_in_alphabetical_order_when_changed() -> None:
    old = {"type": "string", "contentMediaType": "text/plain", "contentEncoding": "base64"}
    new = {"type": "string", "contentMediaType": "text/html", "contentEncoding": "base32"}
    assert bare(old, new) == [
        "the event: keyword 'contentEncoding' changed, which this check cannot judge",
        "the event: keyword 'contentMediaType' changed, which this check cannot judge",
    ]
    assert bare(old, old) == []
    assert field(STRING, {"type": "string", "contentEncoding": "base64"}) == [
        "field 'f': keyword 'contentEncoding' changed, which this check cannot judge"
    ]
    assert field({"type": "string", "contentEncoding": "base64"}, STRING) == [
        "field 'f': keyword 'contentEncoding' changed, which this check cannot judge"
    ]


def test_x_keywords_and_annotations_are_never_unknown() -> None:
    old = {"type": "string", "x-a": 1, "title": "A", "readOnly": True}
    new = {"type": "string", "x-a": 2, "title": "B", "writeOnly": True, "discriminator": {}}
    assert bare(old, new) == []
