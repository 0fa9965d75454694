"""The few HTML pages a person reaches from an e-mail (French, no JavaScript)."""

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from html import escape
from typing import Any
from urllib.parse import parse_qs

from cpf_runtime.guards import too_many_fields
from fastapi import Request
from fastapi.responses import HTMLResponse

from identity.api.errors import problem_of
from identity.domain.account import AccountKind
from identity.domain.errors import DomainError, InvalidInput

# The page carries the token: never cached, never sent on as a Referer, never framed.
HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
    ),
}

_LAYOUT = """<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{title} – {site}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 36rem; margin: 3rem auto;
       padding: 0 1rem; line-height: 1.5; color: #1e1e1e; }}
button {{ font-size: 1rem; padding: .6rem 1.2rem; cursor: pointer; }}
</style>
</head>
<body>
<h1>{title}</h1>
{body}
</body>
</html>
"""


def form_body(*fields: str) -> dict[str, Any]:
    """The OpenAPI request body of a page's urlencoded form with these (required) fields."""
    return {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {f: {"type": "string"} for f in fields},
                    "required": list(fields),
                }
            }
        },
    }


MAX_FIELDS = 10


async def read_form(request: Request, max_bytes: int = 8192) -> dict[str, str]:
    """The fields of a small urlencoded form (read without python-multipart); nothing when
    the body is larger than ``max_bytes``."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            return {}
    try:
        fields = parse_qs(body.decode("utf-8", errors="replace"), max_num_fields=MAX_FIELDS)
    except ValueError as exc:  # more fields than any page's form has
        raise too_many_fields(MAX_FIELDS) from exc
    return {k: v[0] for k, v in fields.items()}


MES_DEMARCHES = "Mes Démarches Emploi et Formation Professionnelle"


def page(
    title: str, body: str, status: int = 200, *, site: str = "Mon Compte Formation"
) -> HTMLResponse:
    return HTMLResponse(
        _LAYOUT.format(title=escape(title), body=body, site=escape(site)),
        status_code=status,
        headers=HEADERS,
    )


def activation_form(token: str) -> HTMLResponse:
    # A GET must not activate: mail scanners open every link of an e-mail. The person
    # confirms with a button, which POSTs the token.
    return page(
        "Activer votre compte",
        "<p>Pour finaliser votre inscription, cliquez sur le bouton ci-dessous.</p>\n"
        '<form method="post" action="activation">\n'
        f'<input type="hidden" name="token" value="{escape(token, quote=True)}">\n'
        '<button type="submit">Activer mon compte</button>\n'
        "</form>\n"
        "<p>Le lien d'activation est valable pour une seule activation.</p>",
    )


TITULAIRE_ACTIVATED = (
    "Votre compte a bien été activé, vous pouvez vous connecter avec votre numéro de "
    "Sécurité sociale et le mot de passe que vous avez choisi lors de votre inscription."
)
"""Guide 003, step 8, word for word."""
PORTAIL_ACTIVATED = (
    "Votre compte a été activé. Vous pouvez vous connecter avec votre adresse électronique "
    "et le mot de passe que vous avez choisi lors de votre inscription."
)
"""Guides 002 (step 8) and 004 (step 11): a confirmation, then « Accéder au portail »."""


def activated_message(kind: AccountKind) -> str:
    return PORTAIL_ACTIVATED if kind == AccountKind.PORTAIL else TITULAIRE_ACTIVATED


def activation_done(kind: AccountKind, portail_url: str) -> HTMLResponse:
    """The confirmation of each kind of self sign-up: the titulaire logs in with the NIR,
    the portal user with the e-mail address, through « Accéder au portail »."""
    if kind == AccountKind.PORTAIL:
        return page(
            "Votre compte a été activé",
            f"<p>{escape(PORTAIL_ACTIVATED)}</p>\n"
            f'<p><a href="{escape(portail_url, quote=True)}">Accéder au portail</a></p>',
            site=MES_DEMARCHES,
        )
    return page("Votre compte est activé", f"<p>{escape(TITULAIRE_ACTIVATED)}</p>")


def activation_refused(title: str, detail: str, status: int) -> HTMLResponse:
    return page(title.rstrip("."), f"<p>{escape(detail)}</p>", status)


def refused(error: DomainError) -> HTMLResponse:
    """A refused link's page: the title, detail and status of its problem."""
    problem = problem_of(error)
    return activation_refused(problem.title, problem.detail, problem.status)


async def link_answer(
    uow: AbstractAsyncContextManager[object],
    spend: Callable[[], Awaitable[Any]],
    done: HTMLResponse | Callable[[Any], HTMLResponse],
    *,
    invalid: Callable[[InvalidInput], HTMLResponse] | None = None,
) -> HTMLResponse:
    """The page answering a link's form: ``spend`` (the link's use case) runs in the
    request's transaction; then ``done``, or the page of the refusal (``invalid`` for fields
    to correct, where the form can be shown again)."""
    try:
        async with uow:
            result = await spend()
    except DomainError as error:
        if invalid is not None and isinstance(error, InvalidInput):
            return invalid(error)
        return refused(error)
    return done if isinstance(done, HTMLResponse) else done(result)


def incomplete_link(what: str = "Lien incomplet", detail: str = "") -> HTMLResponse:
    return activation_refused(
        what, detail or "Ce lien est incomplet : copiez le lien entier reçu.", 400
    )


def reset_form(token: str, errors: list[str] | None = None, status: int = 200) -> HTMLResponse:
    shown = "".join(f"<li>{escape(e)}</li>" for e in errors or [])
    return page(
        "Choisir un nouveau mot de passe",
        (f'<ul role="alert">{shown}</ul>\n' if shown else "")
        + '<form method="post" action="reinitialisation">\n'
        f'<input type="hidden" name="token" value="{escape(token, quote=True)}">\n'
        '<p><label>Nouveau mot de passe<br><input type="password" name="nouveau" '
        'autocomplete="new-password" required></label></p>\n'
        '<p><label>Confirmation<br><input type="password" name="confirmation" '
        'autocomplete="new-password" required></label></p>\n'
        '<button type="submit">Enregistrer</button>\n'
        "</form>\n"
        "<p>Ce lien ne sert qu'une seule fois.</p>",
        status,
    )


def undo_form(token: str) -> HTMLResponse:
    return page(
        "Rétablir votre ancienne adresse",
        "<p>Pour que cette adresse redevienne celle de votre compte et que toutes les "
        "sessions ouvertes soient fermées, cliquez sur le bouton ci-dessous.</p>\n"
        '<form method="post" action="annulation">\n'
        f'<input type="hidden" name="token" value="{escape(token, quote=True)}">\n'
        '<button type="submit">Rétablir mon adresse</button>\n'
        "</form>",
    )


def confirm_form(token: str) -> HTMLResponse:
    return page(
        "Confirmer votre nouvelle adresse",
        "<p>Pour que cette adresse devienne celle de votre compte, cliquez sur le bouton "
        "ci-dessous.</p>\n"
        '<form method="post" action="confirmation">\n'
        f'<input type="hidden" name="token" value="{escape(token, quote=True)}">\n'
        '<button type="submit">Confirmer mon adresse</button>\n'
        "</form>",
    )
