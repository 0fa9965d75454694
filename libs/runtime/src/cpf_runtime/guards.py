"""What every request must be before a route reads it, checked once for every service.

:class:`RequestGuard` is an ASGI middleware that answers, in problem+json and in French,
before any route or validation runs:

- **413** when a body is over the cap of its media type (:class:`BodyLimits`: JSON, a
  urlencoded form, a multipart upload), said by ``Content-Length`` or counted as it comes;
- **422** naming the field when a string anywhere in the request (the path, a query
  parameter, a key or value of a JSON body or of a form) holds a NUL character, or a
  string of a JSON body or the path a lone surrogate: PostgreSQL stores neither, and a
  text column given one fails the request with a 500 (rules ``nul_character``,
  ``invalid_character``; a URL's or form's text is decoded with replacement, so holds no
  surrogate);
- **400** when a urlencoded form has more fields than :data:`MAX_FORM_FIELDS`.

The cheap test comes first: a body is parsed here only when its bytes hold the escape of
such a character (``\\u0000``, ``\\ud8…``, ``%00``), so a clean request costs one scan.
Multipart uploads are binary (a workbook is a zip): their content is the route's business.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from cpf_runtime.errors import FieldError
from cpf_runtime.problems import Problem, invalid, problem_response

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_FORM_FIELDS = 50
NUL = FieldError("", "nul_character", "Ce champ ne peut contenir de caractère nul.")
SURROGATE = FieldError(
    "", "invalid_character", "Ce champ contient un caractère Unicode invalide (substitut isolé)."
)
# The escapes a NUL or a surrogate takes in JSON, and in a URL or a form.
_JSON_SUSPECT = re.compile(rb"\\u(0000|[dD][89a-fA-F])")
_URL_SUSPECT = re.compile(rb"%00|\x00")
_SURROGATES = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class BodyLimits:
    """The largest body accepted, in bytes, by media type (documented on each 413)."""

    json: int = 256 * 1024
    form: int = 64 * 1024
    multipart: int = 4 * 1024 * 1024
    other: int = 64 * 1024

    def for_media_type(self, media_type: str) -> int:
        media = media_type.split(";", 1)[0].strip().lower()
        if media == "application/x-www-form-urlencoded":
            return self.form
        if media.startswith("multipart/"):
            return self.multipart
        if media.endswith("json"):
            return self.json
        return self.other


def too_large(limit: int) -> Problem:
    return Problem(
        413,
        "Requête trop volumineuse.",
        f"Le corps de la requête dépasse {limit} octets.",
        code="payload-too-large",
    )


def too_many_fields(limit: int) -> Problem:
    """400: a form with more fields than ``limit`` (a page's form has a handful)."""
    return Problem(
        400,
        "Requête illisible.",
        f"Le formulaire comporte plus de {limit} champs.",
        code="too-many-fields",
    )


def bad_character(field: str, value: str) -> FieldError:
    template = NUL if "\x00" in value else SURROGATE
    return FieldError(field or "body", template.rule, template.message)


def first_bad_string(value: Any, path: str = "") -> FieldError | None:
    """The first string under ``value`` (keys too) holding a NUL or a lone surrogate."""
    if isinstance(value, str):
        return bad_character(path, value) if _is_bad(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if _is_bad(key):
                return bad_character(path or "body", key)
            found = first_bad_string(item, here)
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = first_bad_string(item, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    return None


def _is_bad(value: str) -> bool:
    return "\x00" in value or _SURROGATES.search(value) is not None


def check_pairs(pairs: list[tuple[str, str]], where: str) -> FieldError | None:
    """The first field of a query string or form (``where`` for a bad name) with a NUL."""
    for key, value in pairs:
        if "\x00" in key:
            return bad_character(where, key)
        if "\x00" in value:
            return bad_character(key, value)
    return None


def check_target(scope: Scope) -> Problem | None:
    """422 for a NUL (or a lone surrogate) in the path or a NUL in the query string."""
    path = scope.get("path", "")
    if _is_bad(path):
        return invalid(bad_character("path", path))
    query: bytes = scope.get("query_string", b"")
    if query and _URL_SUSPECT.search(query):
        found = check_pairs(parse_qsl(query.decode("latin-1"), keep_blank_values=True), "query")
        if found is not None:
            return invalid(found)
    return None


def check_body(media_type: str, body: bytes) -> Problem | None:
    media = media_type.split(";", 1)[0].strip().lower()
    # FastAPI reads a body without a Content-Type as JSON too.
    if media.endswith("json") or not media:
        if not _JSON_SUSPECT.search(body):
            return None
        try:
            document = json.loads(body)
        except ValueError:
            return None  # unreadable JSON: FastAPI's 400 says so
        found = first_bad_string(document)
        return invalid(found) if found is not None else None
    if media == "application/x-www-form-urlencoded":
        if body.count(b"&") >= MAX_FORM_FIELDS:
            return too_many_fields(MAX_FORM_FIELDS)
        if _URL_SUSPECT.search(body):
            pairs = parse_qsl(body.decode("latin-1"), keep_blank_values=True)
            found = check_pairs(pairs, "body")
            return invalid(found) if found is not None else None
    return None


class RequestGuard:
    """The ASGI middleware of the module's checks (see the module docstring)."""

    def __init__(self, app: ASGIApp, limits: BodyLimits | None = None) -> None:
        self.app = app
        self.limits = limits or BodyLimits()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = check_target(scope)
        if problem is not None:
            await problem_response(problem)(scope, receive, send)
            return
        headers = dict(scope.get("headers") or ())
        length = headers.get(b"content-length")
        if length is None and b"transfer-encoding" not in headers:
            await self.app(scope, receive, send)
            return
        media = headers.get(b"content-type", b"").decode("latin-1")
        limit = self.limits.for_media_type(media)
        if length is not None and (not length.isdigit() or int(length) > limit):
            await problem_response(too_large(limit))(scope, receive, send)
            return
        body = await _read(receive, limit)
        problem = too_large(limit) if body is None else check_body(media, body)
        if problem is not None or body is None:
            assert problem is not None
            await problem_response(problem)(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)


async def _read(receive: Receive, limit: int) -> bytes | None:
    """The whole body, or None once it is over ``limit``."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay
