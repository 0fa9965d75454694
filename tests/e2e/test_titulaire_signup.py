"""A titulaire signs up, activates the account from the real e-mail, logs in and reads the
summary of the CPF account — across identity, notifier and account-cpf, over the bus."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from cpf_local.platform import Platform
from e2e_helpers import PASSWORD, activation_link, api, eventually_ok, signup_form

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_sign_up_activate_log_in_and_read_the_summary(platform: Platform) -> None:
    form = signup_form()
    async with api(platform, "identity") as identity, api(platform, "account-cpf") as account:
        signed_up = await identity.post("/v1/titulaires", json=form)
        assert signed_up.status_code == 202, signed_up.text
        assert "access_token" not in signed_up.text and "token" not in signed_up.json()

        (mail,) = await platform.mail.wait_for(form["email"], within=30)
        assert "Mon Compte Formation" in mail["subject"] + mail["text"]
        assert "15 jours" in mail["text"]
        link = activation_link(mail)

        # A link in an e-mail shows a page; only the confirmation activates (mail scanners
        # prefetch links).
        page = await identity.get(link)
        assert page.status_code == 200 and "<form" in page.text
        token = link.split("token=")[1]
        refused_login = await identity.post(
            "/v1/token", json={"identifiant": form["nir"], "mot_de_passe": PASSWORD}
        )
        assert refused_login.status_code == 401  # not active yet

        activated = await identity.post("/v1/activations", json={"token": token})
        assert activated.status_code == 200, activated.text
        replayed = await identity.post("/v1/activations", json={"token": token})
        assert replayed.status_code == 400, replayed.text
        assert replayed.headers["content-type"].startswith("application/problem+json")
        assert replayed.json()["type"].endswith("/activation-used")

        login = await identity.post(
            "/v1/token", json={"identifiant": form["nir"], "mot_de_passe": PASSWORD}
        )
        assert login.status_code == 200, login.text
        access_token = login.json()["access_token"]

        summary = await eventually_ok(
            account,
            "/v1/titulaires/moi/synthese",
            headers={"Authorization": f"Bearer {access_token}"},
        )
        assert summary.status_code == 200, summary.text
        assert summary.json() == {
            "heures_cpf": 0,
            "heures_cpf_disponibles": 0,
            "heures_dif": None,
            "dif": "Non renseigné",
            "dossiers_en_cours": 0,
            "dossiers_clos": 0,
        }
        anonymous = await account.get("/v1/titulaires/moi/synthese")
        assert anonymous.status_code == 401


async def test_the_secrets_never_reach_the_bus_the_database_or_the_logs(
    platform: Platform,
) -> None:
    form = signup_form()
    async with api(platform, "identity") as identity:
        assert (await identity.post("/v1/titulaires", json=form)).status_code == 202
        (mail,) = await platform.mail.wait_for(form["email"], within=30)
        link = activation_link(mail)
        token = link.split("token=")[1]
        assert (await identity.get(link)).status_code == 200  # the page a person opens
        assert (await identity.post("/v1/activations", json={"token": token})).status_code == 200

    secrets = [token, form["mot_de_passe"]]
    for service in ("identity", "notifier", "account_cpf", "habilitation"):
        conn = await asyncpg.connect(platform.database_url(service).replace("+asyncpg", ""))
        try:
            # The outbox holds exactly what went on the bus.
            payloads = [r["payload"] for r in await conn.fetch("SELECT payload FROM outbox")]
            dump = "\n".join(payloads)
            if service == "identity":
                assert form["email"] in dump  # the events are there…
            if service == "notifier":
                contexts = await conn.fetch("SELECT context::text AS c FROM message")
                dump += "\n".join(r["c"] for r in contexts)
        finally:
            await conn.close()
        for secret in secrets:
            assert secret not in dump, f"a secret is stored in clear by {service}"  # …sealed
    await asyncio.sleep(0.5)  # let the services flush their last log lines
    for log in platform.logs_dir.glob("*.log"):
        text = log.read_text(errors="replace")
        for secret in secrets:
            assert secret not in text, f"a secret is in {log.name}"


async def test_an_existing_account_gets_the_same_answer_and_its_owner_an_e_mail(
    platform: Platform,
) -> None:
    form = signup_form()
    async with api(platform, "identity") as identity:
        first = await identity.post("/v1/titulaires", json=form)
        await platform.mail.wait_for(form["email"], within=30)
        again = await identity.post("/v1/titulaires", json=form | {"prenom": "Autre"})
        assert (again.status_code, again.json()) == (first.status_code, first.json())
        messages = await platform.mail.wait_for(form["email"], count=2, within=30)
    subjects = [m["subject"] for m in messages]
    assert len(set(subjects)) == 2, subjects  # the second is "someone tried", not a new link
    assert "/activation?token=" not in messages[-1]["text"]


@pytest.mark.parametrize(
    ("overrides", "field", "rule"),
    [
        ({"email_confirmation": "autre@example.fr"}, "email_confirmation", "emails_match"),
        ({"nir": "185057800608400"}, "nir", "nir_key"),
        ({"mot_de_passe": "abc", "mot_de_passe_confirmation": "abc"}, "mot_de_passe", None),
        ({"cgu_acceptees": False}, "cgu_acceptees", "cgu_required"),
        ({"telephone_mobile": "06.12.34.56.78"}, "telephone_mobile", None),
    ],
)
async def test_bad_input_is_refused_naming_field_and_rule_and_stores_nothing(
    platform: Platform, overrides: dict[str, object], field: str, rule: str | None
) -> None:
    form = signup_form(**overrides)
    async with api(platform, "identity") as identity:
        response = await identity.post("/v1/titulaires", json=form)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    assert field in [e["field"] for e in errors], errors
    if rule is not None:
        assert rule in [e["rule"] for e in errors], errors
    conn = await asyncpg.connect(platform.database_url("identity").replace("+asyncpg", ""))
    try:
        stored = await conn.fetchval("SELECT count(*) FROM account WHERE email = $1", form["email"])
    finally:
        await conn.close()
    assert stored == 0
