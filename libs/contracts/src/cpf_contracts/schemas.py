"""Export the JSON Schema of every event into the repository, and check it in CI.

    python -m cpf_contracts.schemas export [--dir DIR]
    python -m cpf_contracts.schemas check [--dir DIR] [--against DIR]

``export`` writes one ``<event type>.json`` per declared event (pydantic's JSON Schema plus
``$id``, ``x-topic``, ``x-key`` and ``x-version``) and deletes the files of types that are no
longer declared. ``check`` fails when the committed files differ from the code (*stale*: run
``export``) and, separately, when the code breaks a consumer of a committed schema
(*breaking*).

One rule decides what is breaking: **every event valid under the committed schema must stay
valid under the new one**, because a consumer built on the new model must still read what is
already on the bus (retention, replays, dead-letter re-drives). It follows that removing a
field (models forbid unknown fields), retyping a field, adding a required field, making a
field required, narrowing an enum, a ``Literal``, a format or a bound, and removing an event
type are breaking; adding an optional field, adding enum values, ``int`` to ``float``,
``X`` to ``X | None`` and dropping a format are not. Changing a type's topic or key field is
breaking too, since consumers subscribe to the one and rely on the ordering given by the
other. A keyword this module does not understand is reported whenever it changes, so that
an unknown case fails loudly rather than passes silently.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cpf_contracts.base import TYPE_PREFIX, Event, registry

Schema = dict[str, Any]

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

# src/cpf_contracts/schemas.py -> libs/contracts. Only meaningful in a source checkout (the
# workspace installs this library editable); an installed wheel must be given --dir.
_LIBRARY_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DIR = _LIBRARY_ROOT / "schemas"


# --- export ----------------------------------------------------------------------------------


def schema_of(model: type[Event]) -> Schema:
    """The JSON Schema of one event model, annotated with its bus coordinates."""
    schema = model.model_json_schema()
    schema["$schema"] = JSON_SCHEMA_DIALECT
    schema["$id"] = model.schema_url()
    schema["x-topic"] = model.topic()
    schema["x-key"] = model.key_field
    schema["x-version"] = model.version
    return schema


def render(schema: Schema) -> str:
    """The committed text of a schema: sorted keys, two-space indent, trailing newline."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def expected_schemas() -> dict[str, Schema]:
    """The schema of every declared event, by event type."""
    return {event_type: schema_of(model) for event_type, model in sorted(registry().items())}


def committed_files(directory: Path) -> dict[str, Path]:
    """The committed schema files in ``directory``, by event type."""
    if not directory.is_dir():
        return {}
    # Only our own files: anything else in the folder is not ours to judge or delete.
    files = sorted(directory.glob(f"{TYPE_PREFIX}.*.json"))
    return {path.name.removesuffix(".json"): path for path in files}


def export(directory: Path) -> list[str]:
    """Write the schema of every declared event and delete the others; what changed."""
    expected = expected_schemas()
    directory.mkdir(parents=True, exist_ok=True)
    changes: list[str] = []
    for event_type, schema in expected.items():
        path = directory / f"{event_type}.json"
        text = render(schema)
        if not path.is_file() or _read_text(path) != text:
            # newline="\n": the same bytes on every platform, or `check` would flag them.
            path.write_text(text, encoding="utf-8", newline="\n")
            changes.append(f"wrote {path}")
    for event_type, path in committed_files(directory).items():
        if event_type not in expected:
            path.unlink()
            changes.append(f"removed {path}")
    return changes


# --- check -----------------------------------------------------------------------------------


def stale_problems(directory: Path) -> list[str]:
    """Where the committed files differ from what ``export`` would write."""
    if not directory.is_dir():
        return [f"schema folder {directory} does not exist; run export"]
    expected = expected_schemas()
    committed = committed_files(directory)
    problems: list[str] = []
    for event_type, schema in expected.items():
        path = committed.get(event_type)
        if path is None:
            problems.append(f"{event_type}: no committed schema; run export")
        elif _read_text(path) != render(schema):
            problems.append(f"{event_type}: committed schema differs from the code; run export")
    for event_type in committed:
        if event_type not in expected:
            problems.append(f"{event_type}: schema of a type no longer declared; run export")
    return problems


def breaking_problems(baseline: Path) -> list[str]:
    """Where the code breaks a consumer of the schemas committed in ``baseline``."""
    expected = expected_schemas()
    problems: list[str] = []
    for event_type, path in committed_files(baseline).items():
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            problems.append(f"{event_type}: cannot read {path}: {error}")
            continue
        new = expected.get(event_type)
        if new is None:
            problems.append(
                f"{event_type}: event type removed, its consumers would break "
                "(keep declaring it while its successor is published beside it)"
            )
            continue
        problems.extend(f"{event_type}: {problem}" for problem in compatibility_problems(old, new))
    return problems


def check(directory: Path, *, against: Path | None = None) -> list[str]:
    """Every problem, one line each, prefixed ``stale:`` or ``breaking:``; empty if none.

    ``against`` is the folder whose schemas consumers rely on, ``directory`` by default. CI
    should pass the target branch's schemas there: once ``export`` has been run, the
    committed files agree with the code and only the previous ones reveal a breaking change.
    """
    stale = [f"stale: {problem}" for problem in stale_problems(directory)]
    breaking = [f"breaking: {problem}" for problem in breaking_problems(against or directory)]
    return stale + breaking


# --- compatibility ---------------------------------------------------------------------------

# Keywords that do not restrict which values are valid.
_ANNOTATIONS = frozenset(
    {
        "$comment",
        "$defs",
        "$id",
        "$schema",
        "default",
        "definitions",
        "deprecated",
        "description",
        "discriminator",  # the oneOf branches carry the constraint
        "examples",
        "readOnly",
        "title",
        "writeOnly",
    }
)
_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
_EXACT = ("pattern", "multipleOf", "uniqueItems")
_HANDLED = frozenset(
    {
        "type",
        "enum",
        "const",
        "format",
        "items",
        "prefixItems",
        "properties",
        "required",
        "additionalProperties",
        "anyOf",
        "oneOf",
        "allOf",
        "$ref",
        *_LOWER_BOUNDS,
        *_UPPER_BOUNDS,
        *_EXACT,
    }
)
# The event's coordinates on the bus, outside the payload, that consumers depend on.
_COORDINATES = (("x-topic", "topic"), ("x-key", "key field"))


def compatibility_problems(old_schema: Schema, new_schema: Schema) -> list[str]:
    """Why ``new_schema`` rejects events that ``old_schema`` accepts; empty if it does not.

    Both are JSON Schemas of one event type as written by :func:`export`. The rule and its
    consequences are described at the top of this module.
    """
    problems: list[str] = []
    for key, label in _COORDINATES:
        if old_schema.get(key) != new_schema.get(key):
            problems.append(
                f"{label} changed from {old_schema.get(key)!r} to {new_schema.get(key)!r}"
            )
    comparison = _Comparison(old_schema, new_schema)
    problems.extend(comparison.compare("", old_schema, new_schema))
    return list(dict.fromkeys(problems))  # one line per problem, in order


class _Side:
    """One schema document, to resolve its local ``$ref``s."""

    def __init__(self, root: Schema) -> None:
        self.root = root

    def resolve(self, node: Schema) -> Schema:
        node = dict(node)
        followed: set[str] = set()
        while "$ref" in node:
            ref = node.pop("$ref")
            if ref in followed:
                raise ValueError(f"$ref loop at {ref}")
            followed.add(ref)
            # Keywords beside a $ref (a field's description, its default) apply as well.
            node = {**self._lookup(ref), **node}
        for part in node.pop("allOf", []):
            node = {**self.resolve(part), **node}
        return node

    def _lookup(self, ref: str) -> Schema:
        if not ref.startswith("#"):
            raise ValueError(f"only local $refs are supported, not {ref}")
        target: Any = self.root
        for token in filter(None, ref[1:].split("/")):
            target = target[token.replace("~1", "/").replace("~0", "~")]
        if not isinstance(target, dict):
            raise ValueError(f"$ref {ref} does not point at a schema")
        return target


class _Comparison:
    def __init__(self, old_root: Schema, new_root: Schema) -> None:
        self.old = _Side(old_root)
        self.new = _Side(new_root)
        self._visiting: set[tuple[str | None, str | None]] = set()

    @contextmanager
    def _visit(self, old: Schema, new: Schema) -> Iterator[bool]:
        # A recursive model refers to itself: a pair of $refs already being compared further
        # up is being answered there.
        pair = (old.get("$ref"), new.get("$ref"))
        if pair == (None, None):
            yield True
        elif pair in self._visiting:
            yield False
        else:
            self._visiting.add(pair)
            try:
                yield True
            finally:
                self._visiting.discard(pair)

    def compare(self, path: str, old_node: Schema, new_node: Schema) -> list[str]:
        with self._visit(old_node, new_node) as first:
            if not first:
                return []
            old, new = self.old.resolve(old_node), self.new.resolve(new_node)
            if not _restricts(new):
                return []
            old_branches, new_branches = _branches(old), _branches(new)
            if len(old_branches) == 1 and len(new_branches) == 1:
                old_branch, new_branch = old_branches[0], new_branches[0]
                if old_branch is old and new_branch is new:
                    return self._narrowing(path, old, new)
                return self.compare(path, old_branch, new_branch)
            return self._union(path, old_branches, new_branches, new)

    def _union(
        self, path: str, old_branches: list[Schema], new_branches: list[Schema], new: Schema
    ) -> list[str]:
        # Every old alternative must be accepted by some new one.
        problems: list[str] = []
        for old_branch in old_branches:
            results = [self.compare(path, old_branch, branch) for branch in new_branches]
            if any(not result for result in results):
                continue
            old_type = _json_type(self.old.resolve(old_branch))
            same_type = [
                result
                for branch, result in zip(new_branches, results, strict=True)
                if _json_type(self.new.resolve(branch)) == old_type
            ]
            if len(same_type) == 1:
                problems.extend(same_type[0])  # the precise reason, e.g. a lost enum value
            else:
                problems.append(
                    f"{_field(path)} no longer accepts {self._describe(old_branch, self.old)}"
                    f" (now {self._describe(new, self.new)})"
                )
        return problems

    def _narrowing(self, path: str, old: Schema, new: Schema) -> list[str]:
        field = _field(path)
        old_type, new_type = _json_type(old), _json_type(new)
        widened = (old_type, new_type) == ("integer", "number")  # every integer is a number
        if new_type is not None and new_type != old_type and not widened:
            return [
                f"{field} changed type from {self._describe(old, self.old)}"
                f" to {self._describe(new, self.new)}"
            ]

        new_values = _allowed_values(new)
        if new_values is not None:
            old_values = _allowed_values(old)
            if old_values is None:
                return [
                    f"{field} now only accepts {_values(new_values)}"
                    f" (it accepted any {self._describe(old, self.old)})"
                ]
            new_keys = {_canonical(value) for value in new_values}
            lost = [value for value in old_values if _canonical(value) not in new_keys]
            return [f"{field} no longer accepts {_values(lost)}"] if lost else []

        problems: list[str] = []
        if "format" in new and new["format"] != old.get("format"):
            if "format" in old:
                problems.append(f"{field} changed format from {old['format']} to {new['format']}")
            else:
                problems.append(f"{field} now requires format {new['format']}")
        for keyword in _LOWER_BOUNDS:
            if keyword in new and (keyword not in old or new[keyword] > old[keyword]):
                problems.append(_bound(field, keyword, old, new))
        for keyword in _UPPER_BOUNDS:
            if keyword in new and (keyword not in old or new[keyword] < old[keyword]):
                problems.append(_bound(field, keyword, old, new))
        for keyword in _EXACT:
            if keyword in new and new[keyword] != old.get(keyword) and new[keyword] is not False:
                problems.append(_bound(field, keyword, old, new))

        problems.extend(self._arrays(path, old, new))
        if "properties" in old or "properties" in new or new_type == "object":
            problems.extend(self._objects(path, old, new))

        for keyword in sorted((old.keys() | new.keys()) - _HANDLED - _ANNOTATIONS):
            if not keyword.startswith("x-") and old.get(keyword) != new.get(keyword):
                problems.append(
                    f"{field}: keyword {keyword!r} changed, which this check cannot judge"
                )
        return problems

    def _arrays(self, path: str, old: Schema, new: Schema) -> list[str]:
        problems: list[str] = []
        old_items, new_items = old.get("items", True), new.get("items", True)
        if isinstance(old_items, dict | bool) and isinstance(new_items, dict | bool):
            if new_items is not True and old_items != new_items:
                if isinstance(new_items, dict):
                    old_schema = old_items if isinstance(old_items, dict) else {}
                    problems.extend(self.compare(f"{path}[]", old_schema, new_items))
                else:
                    problems.append(f"{_field(path)} no longer accepts items")
        old_tuple, new_tuple = old.get("prefixItems", []), new.get("prefixItems", [])
        if old_tuple or new_tuple:
            if len(old_tuple) != len(new_tuple):
                problems.append(
                    f"{_field(path)} changed from {len(old_tuple)} to {len(new_tuple)} positions"
                )
            else:
                pairs = zip(old_tuple, new_tuple, strict=True)
                for index, (old_item, new_item) in enumerate(pairs):
                    problems.extend(self.compare(f"{path}[{index}]", old_item, new_item))
        return problems

    def _objects(self, path: str, old: Schema, new: Schema) -> list[str]:
        problems: list[str] = []
        old_properties: Schema = old.get("properties", {})
        new_properties: Schema = new.get("properties", {})
        for name, old_property in old_properties.items():
            sub = _join(path, name)
            if name not in new_properties:
                problems.append(f"{_field(sub)} was removed")
            else:
                problems.extend(self.compare(sub, old_property, new_properties[name]))
        old_required = set(old.get("required", []))
        for name in new.get("required", []):
            if name in old_required:
                continue
            if name in old_properties:
                problems.append(f"{_field(_join(path, name))} became required")
            else:
                problems.append(f"new required field '{_join(path, name)}'")

        old_extra = old.get("additionalProperties", True)
        new_extra = new.get("additionalProperties", True)
        if new_extra is False and old_extra is not False:
            problems.append(f"{_field(path)} no longer accepts other keys")
        elif isinstance(new_extra, dict):
            old_schema = old_extra if isinstance(old_extra, dict) else {}
            if old_extra is not False:
                problems.extend(self.compare(_join(path, "*"), old_schema, new_extra))
        return problems

    def _describe(self, node: Schema, side: _Side) -> str:
        node = side.resolve(node)
        if not _restricts(node):
            return "any value"
        branches = _branches(node)
        if len(branches) > 1:
            return " or ".join(self._describe(branch, side) for branch in branches)
        values = _allowed_values(node)
        if values is not None:
            return _values(values)
        kind = _json_type(node) or "value"
        if "format" in node:
            return f"{kind} ({node['format']})"
        if kind == "array" and isinstance(node.get("items"), dict):
            return f"array of {self._describe(node['items'], side)}"
        if kind == "object" and "title" in node:
            return f"object {node['title']}"
        return kind


def _branches(node: Schema) -> list[Schema]:
    """The alternatives of a resolved schema: its anyOf/oneOf branches or its type list."""
    for keyword in ("anyOf", "oneOf"):
        if keyword in node:
            rest = {k: v for k, v in node.items() if k != keyword and k not in _ANNOTATIONS}
            branches: list[Schema] = []
            for branch in node[keyword]:
                merged = {**rest, **branch}
                if "$ref" not in merged and ("anyOf" in merged or "oneOf" in merged):
                    branches.extend(_branches(merged))
                else:
                    branches.append(merged)
            return branches
    if isinstance(node.get("type"), list):
        return [{**node, "type": kind} for kind in node["type"]]
    return [node]


def _restricts(node: Schema) -> bool:
    return any(key not in _ANNOTATIONS and not key.startswith("x-") for key in node)


_JSON_TYPES: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "boolean"),  # before int: a bool is an int in Python
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (type(None), "null"),
    (list, "array"),
    (dict, "object"),
)


def _json_type(node: Schema) -> str | None:
    declared = node.get("type")
    if isinstance(declared, str):
        return declared
    values = _allowed_values(node)
    if values:
        kinds = {next(name for kind, name in _JSON_TYPES if isinstance(v, kind)) for v in values}
        if len(kinds) == 1:
            return kinds.pop()
    return None


def _allowed_values(node: Schema) -> list[Any] | None:
    if "const" in node:
        return [node["const"]]
    if "enum" in node:
        return list(node["enum"])
    return None


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _values(values: Sequence[Any]) -> str:
    return ", ".join(json.dumps(value, ensure_ascii=False) for value in values)


def _bound(field: str, keyword: str, old: Schema, new: Schema) -> str:
    was = json.dumps(old[keyword]) if keyword in old else "none"
    return f"{field} now has {keyword} {json.dumps(new[keyword])} (was {was})"


def _field(path: str) -> str:
    return f"field '{path}'" if path else "the event"


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _read_text(path: Path) -> str:
    # A checkout with CRLF conversion holds the same schema; it is not stale. Text mode reads
    # its "\r\n" as "\n" (universal newlines), so the text compares equal.
    return path.read_text(encoding="utf-8")


# --- command line ----------------------------------------------------------------------------


def _default_dir() -> Path:
    if not (_LIBRARY_ROOT / "pyproject.toml").is_file():
        raise SystemExit(
            f"{__name__}: not running from the libs/contracts checkout; pass --dir explicitly"
        )
    return DEFAULT_DIR


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cpf_contracts.schemas",
        description="Export or check the committed JSON Schemas of the events.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    export_parser = commands.add_parser("export", help="write one schema file per event type")
    check_parser = commands.add_parser(
        "check", help="fail if the schemas are stale or the code breaks a consumer"
    )
    for command in (export_parser, check_parser):
        command.add_argument(
            "--dir", type=Path, default=None, help=f"schema folder (default: {DEFAULT_DIR})"
        )
    check_parser.add_argument(
        "--against",
        type=Path,
        default=None,
        help="folder of the schemas consumers rely on, e.g. the target branch's (default: --dir)",
    )
    args = parser.parse_args(argv)
    directory: Path = args.dir or _default_dir()

    if args.command == "export":
        # Warn, do not refuse: retiring an old vN is a deliberate breaking change. The
        # guard is `check --against` in CI, which compares with the target branch.
        for problem in breaking_problems(directory):
            print(f"warning, breaking: {problem}", file=sys.stderr)
        for change in export(directory):
            print(change)
        print(f"{len(expected_schemas())} event schemas up to date in {directory}")
        return 0

    problems = check(directory, against=args.against)
    for problem in problems:
        print(problem)
    if not problems:
        print(f"{len(expected_schemas())} event schemas up to date and compatible")
        return 0
    if any(problem.startswith("breaking:") for problem in problems):
        print(
            "a breaking change needs a new event class with version = N + 1, published beside "
            "the old one; see libs/contracts/README.md",
            file=sys.stderr,
        )
    return 1


if __name__ == "__main__":
    sys.exit(main())
