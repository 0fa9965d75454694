"""The démarches of Mes Démarches end to end (guides 002 and 004), through the public APIs of
identity, demarche and habilitation and the e-mails the notifier sends: an activation code
and its letter, access requests, a Ceres invitation, a delegation to a third party that
ends at its date."""

from __future__ import annotations

import asyncio
import io
import json
import os
import re
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import asyncpg
import httpx
import jwt
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from cpf_local.platform import Platform
from e2e_helpers import (
    REPO,
    activation_link,
    api,
    bearer,
    luhn_siret,
    operator_token,
)
from pypdf import PdfReader

pytestmark = pytest.mark.asyncio(loop_scope="session")

PASSWORD = "Portail2026-ok!"
MAF = "mon_activite_formation"
CERES = "ceres"


@dataclass
class PortalUser:
    email: str
    prenom: str
    nom: str
    siret: str
    token: str
    account_id: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


def a_siret_of(siren: str) -> str:
    """A SIRET of the company ``siren`` (another establishment), Luhn-valid."""
    for nic in range(10000, 99999):
        candidate = f"{siren}{nic}"
        total = 0
        for position, char in enumerate(reversed(candidate)):
            value = int(char) * (2 if position % 2 else 1)
            total += value - 9 if value > 9 else value
        if total % 10 == 0:
            return candidate
    raise AssertionError("unreachable")


async def portal_user(
    platform: Platform,
    identity: httpx.AsyncClient,
    *,
    siret: str,
    prenom: str,
    nom: str,
    email: str | None = None,
    raison_sociale: str = "EKYSS",
) -> PortalUser:
    """A portal account signed up with ``siret``, activated from its e-mail, logged in."""
    email = email or f"{prenom.lower()}-{uuid.uuid4().hex[:8]}@entreprise.example"
    form = {
        "cgu_acceptees": True,
        "email": email,
        "email_confirmation": email,
        "mot_de_passe": PASSWORD,
        "mot_de_passe_confirmation": PASSWORD,
        "civilite": "MME",
        "prenom": prenom,
        "nom": nom,
        "telephone": "0102030405",
        "siret": siret,
        "raison_sociale": raison_sociale,
        "adresse": "3 rue des Lilas",
        "code_postal": "75011",
        "commune": "Paris",
    }
    signed = await identity.post("/v1/portail/inscriptions", json=form)
    assert signed.status_code == 202, signed.text
    # The address may have had a delegation's or an invitation's e-mail already: wait for
    # this one (DOMAIN.md §5's subject).
    mails = await platform.mail.wait_for(
        email, subject_contains="Demande de création de votre compte", within=120
    )
    activation = next(m for m in mails if "activation?token=" in m["text"])
    token = activation_link(activation).split("token=")[1]
    assert (await identity.post("/v1/activations", json={"token": token})).status_code == 200
    login = await identity.post(
        "/v1/token",
        json={"identifiant": email, "mot_de_passe": PASSWORD, "type_compte": "portail"},
    )
    assert login.status_code == 200, login.text
    access = login.json()["access_token"]
    claims = jwt.decode(access, options={"verify_signature": False})
    return PortalUser(email, prenom, nom, siret, access, claims["sub"])


AGENTS: dict[str, str] = {}
"""The authority agent of each platform (by identity's URL): one per module, its access token
lasts longer than the module's run (three commands and three argon2 hashes spared a test)."""


async def authority_agent(platform: Platform, identity: httpx.AsyncClient) -> str:
    """An operator of the démarches' authorities (DGEFP for MAF, Direccte for Ceres),
    created and scoped by the commands ops run; its access token."""
    if platform.identity_url not in AGENTS:
        AGENTS[platform.identity_url] = await new_authority_agent(platform, identity)
    return AGENTS[platform.identity_url]


async def new_authority_agent(platform: Platform, identity: httpx.AsyncClient) -> str:
    email = f"agent-{uuid.uuid4().hex[:8]}@dreets.example"
    token = await operator_token(platform, identity, email)
    account_id = jwt.decode(token, options={"verify_signature": False})["sub"]
    for demarche in (MAF, CERES):
        granted = await run_command(
            platform,
            "demarche",
            "authority-grant",
            "--account-id",
            account_id,
            "--demarche",
            demarche,
            "--service",
            "DREETS Île-de-France",
            "--ville",
            "Paris",
        )
        assert granted[0] == 0, granted[1]
    return token


async def run_command(platform: Platform, service: str, *args: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        service,
        *args,
        cwd=REPO,
        env={**os.environ, **platform.service_env(service)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    return process.returncode or 0, (out + err).decode()


async def eventually(call: Any, accept: Any, *, within: float = 20.0) -> httpx.Response:
    """Retry ``call`` until ``accept(response)``: what an event carries arrives a moment later."""
    deadline = time.monotonic() + within
    while True:
        response: httpx.Response = await call()
        if accept(response):
            return response
        assert time.monotonic() < deadline, f"{response.status_code} {response.text}"
        await asyncio.sleep(0.05)


async def known_to_habilitation(habilitation: httpx.AsyncClient, user: PortalUser) -> None:
    """habilitation's directory learns a portal account from identity's event."""
    await eventually(
        lambda: habilitation.get("/v1/portail/accueil", headers=user.headers),
        lambda r: r.status_code == 200,
    )


def manages(home: dict[str, Any], demarche: str, siret: str) -> bool:
    return any(
        entry["demarche"] == demarche
        and any(e["siret"] == siret and e["gestionnaire"] for e in entry["etablissements"])
        for entry in home["mes_demarches"]
    )


async def issue_code(
    demarche_api: httpx.AsyncClient, agent: str, demarche: str, siret: str
) -> dict[str, Any]:
    issued = await demarche_api.post(
        f"/v1/demarches/{demarche}/codes",
        json={
            "siret": siret,
            "raison_sociale": "EKYSS",
            "adresse": "3 rue des Lilas",
            "code_postal": "75011",
            "commune": "Paris",
        },
        headers=bearer(agent),
    )
    assert issued.status_code == 201, issued.text
    body: dict[str, Any] = issued.json()
    return body


async def first_gestionnaire(
    platform: Platform, demarche: str, *, prenom: str = "Amandine", nom: str = "Munoz Ortega"
) -> tuple[PortalUser, str]:
    """A structure's first user who redeemed its activation code: (user, agent token)."""
    async with (
        api(platform, "identity") as identity,
        api(platform, "demarche") as demarche_api,
        api(platform, "habilitation") as habilitation,
    ):
        agent = await authority_agent(platform, identity)
        user = await portal_user(platform, identity, siret=luhn_siret(), prenom=prenom, nom=nom)
        code = await issue_code(demarche_api, agent, demarche, user.siret)
        redeemed = await demarche_api.post(
            f"/v1/portail/demarches/{demarche}/activation",
            json={"siret": user.siret, "code_activation": code["code_activation"]},
            headers=user.headers,
        )
        assert redeemed.status_code == 200, redeemed.text
        await eventually(
            lambda: habilitation.get("/v1/portail/accueil", headers=user.headers),
            lambda r: r.status_code == 200 and manages(r.json(), demarche, user.siret),
        )
        return user, agent


async def test_a_code_its_letter_a_reissue_and_mes_demarches(platform: Platform) -> None:
    async with (
        api(platform, "identity") as identity,
        api(platform, "demarche") as demarche_api,
        api(platform, "habilitation") as habilitation,
    ):
        agent = await authority_agent(platform, identity)
        user = await portal_user(
            platform, identity, siret=luhn_siret(), prenom="Amandine", nom="Munoz"
        )
        first = await issue_code(demarche_api, agent, MAF, user.siret)

        letter = await demarche_api.post(
            f"/v1/demarches/{MAF}/codes/{first['id']}/lettre",
            json={"code": first["code_activation"]},
            headers=bearer(agent),
        )
        assert letter.status_code == 200, letter.text
        assert letter.headers["content-type"] == "application/pdf"
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(letter.content)).pages)
        words = " ".join(text.split())
        assert re.search(r"Paris, le \d{1,2} [a-zéû]+ \d{4}", words), words
        for expected in (
            "EKYSS",
            "3 rue des Lilas",
            "75011 Paris",
            "Objet : Modalités d'accès",
            "Mon Activité Formation",
            f"SIRET : {user.siret}",
            f"Code d'activation : {first['code_activation']}",
            "01 46 29 25 54",
        ):
            assert expected in words, (expected, words)

        # The letter was lost: a new code, and the old one is refused at once.
        reissued = await demarche_api.post(
            f"/v1/demarches/{MAF}/codes/{user.siret}/reissue", headers=bearer(agent)
        )
        assert reissued.status_code == 201, reissued.text
        new_code = reissued.json()["code_activation"]
        assert new_code != first["code_activation"]
        old = await demarche_api.post(
            f"/v1/portail/demarches/{MAF}/activation",
            json={"siret": user.siret, "code_activation": first["code_activation"]},
            headers=user.headers,
        )
        assert old.status_code == 422, old.text
        assert old.json()["errors"][0]["field"] == "code_activation"

        redeemed_at = time.monotonic()
        redeemed = await demarche_api.post(
            f"/v1/portail/demarches/{MAF}/activation",
            json={"siret": user.siret, "code_activation": new_code},
            headers=user.headers,
        )
        assert redeemed.status_code == 200, redeemed.text
        assert redeemed.json()["role"] == "gestionnaire"
        home = await eventually(
            lambda: habilitation.get("/v1/portail/accueil", headers=user.headers),
            lambda r: r.status_code == 200 and manages(r.json(), MAF, user.siret),
        )
        seen_after = time.monotonic() - redeemed_at
        print(f"\nDEMARCHES code redeemed -> « Mes démarches »: {seen_after:.3f} s")
        others = {entry["demarche"] for entry in home.json()["autres_demarches"]}
        assert others == {CERES, "mes_collectes_formation", "mon_suivi_du_controle"}
        screen = await habilitation.get(f"/v1/demarches/{MAF}/utilisateurs", headers=user.headers)
        assert screen.status_code == 200, screen.text
        (me,) = screen.json()["utilisateurs"]
        assert me["habilitations"][0]["detail"].endswith("par code d'activation")
        # The coordinates given at sign-up, carried by identity's event (guide 002's screen).
        assert (me["email"], me["telephone"]) == (user.email, "0102030405")

        # Used once: the same code again is the same refusal as any wrong code.
        again = await demarche_api.post(
            f"/v1/portail/demarches/{MAF}/activation",
            json={"siret": user.siret, "code_activation": new_code},
            headers=user.headers,
        )
        assert (again.status_code, again.json()["errors"]) == (422, old.json()["errors"])


async def test_an_access_request_accepted_then_one_refused(platform: Platform) -> None:
    gestionnaire, _ = await first_gestionnaire(platform, MAF)
    async with api(platform, "identity") as identity, api(platform, "habilitation") as habilitation:
        for decision in ("acceptee", "refusee"):
            colleague = await portal_user(
                platform, identity, siret=gestionnaire.siret, prenom="Paul", nom="Declarant"
            )
            await known_to_habilitation(habilitation, colleague)
            asked = await habilitation.post(
                f"/v1/portail/demarches/{MAF}/demandes-acces",
                json={"siret": gestionnaire.siret, "role_souhaite": "declarant"},
                headers=colleague.headers,
            )
            assert asked.status_code == 201, asked.text
            told = (
                await platform.mail.wait_for(
                    gestionnaire.email,
                    subject_contains="Demande d'accès",
                    count=1 if decision == "acceptee" else 2,
                    within=120,
                )
            )[-1]
            assert colleague.email in told["text"]
            pending = await habilitation.get(
                f"/v1/demarches/{MAF}/utilisateurs", headers=gestionnaire.headers
            )
            assert [d["id"] for d in pending.json()["demandes_en_attente"]] == [asked.json()["id"]]
            body = (
                {"decision": "acceptee", "role": "declarant"}
                if decision == "acceptee"
                else {"decision": "refusee", "motif": "Vous ne faites pas partie du service."}
            )
            decided = await habilitation.post(
                f"/v1/demarches/{MAF}/demandes-acces/{asked.json()['id']}/decision",
                json=body,
                headers=gestionnaire.headers,
            )
            assert decided.status_code == 200, decided.text
            (answer,) = await platform.mail.wait_for(
                colleague.email, subject_contains="Votre demande d'accès", within=60
            )
            check = await habilitation.get(
                f"/v1/autorisations/{MAF}/{gestionnaire.siret}", headers=colleague.headers
            )
            if decision == "acceptee":
                assert "Déclarant" in answer["text"]
                assert (check.json()["autorise"], check.json()["roles"]) == (True, ["declarant"])
            else:
                assert "Vous ne faites pas partie du service." in answer["text"]
                assert (check.json()["autorise"], check.json()["roles"]) == (False, [])


async def test_a_ceres_invitation_to_a_newcomer_and_to_an_account_found_by_name(
    platform: Platform,
) -> None:
    gestionnaire, _ = await first_gestionnaire(platform, CERES, prenom="Guy", nom="Duponttest")
    centre = a_siret_of(gestionnaire.siret[:9])
    newcomer = f"centre-{uuid.uuid4().hex[:8]}@centre.example"
    async with api(platform, "identity") as identity, api(platform, "habilitation") as habilitation:
        body = {"role": "centre_agree", "siret": centre, "email": newcomer}
        preview = await habilitation.post(
            f"/v1/demarches/{CERES}/invitations/apercu", json=body, headers=gestionnaire.headers
        )
        assert preview.status_code == 200, preview.text
        assert preview.json()["objet"] == "Invitation à rejoindre la démarche CERES"
        sent = await habilitation.post(
            f"/v1/demarches/{CERES}/invitations", json=body, headers=gestionnaire.headers
        )
        assert sent.status_code == 201, sent.text
        assert sent.json()["message"] == "Email d'invitation transmis"
        (mail,) = await platform.mail.wait_for(newcomer, subject_contains="CERES", within=120)
        assert mail["subject"] == preview.json()["objet"]
        assert preview.json()["message"] in " ".join(mail["text"].split())
        link = re.search(r"https?://\S+/portail/invitations/([0-9a-f-]{36})", mail["text"])
        assert link, mail["text"]

        # The invitee has no account: signs up (any company), then accepts through the link.
        invitee = await portal_user(
            platform, identity, siret=luhn_siret(), prenom="Nina", nom="Centre", email=newcomer
        )
        stranger = await portal_user(
            platform, identity, siret=luhn_siret(), prenom="Eve", nom="Autre"
        )
        await known_to_habilitation(habilitation, invitee)
        await known_to_habilitation(habilitation, stranger)
        refused = await habilitation.post(
            f"/v1/portail/invitations/{link.group(1)}/acceptation", headers=stranger.headers
        )
        assert refused.status_code == 403, refused.text
        accepted = await habilitation.post(
            f"/v1/portail/invitations/{link.group(1)}/acceptation", headers=invitee.headers
        )
        assert accepted.status_code == 200, accepted.text
        check = await habilitation.get(
            f"/v1/autorisations/{CERES}/{centre}", headers=invitee.headers
        )
        assert (check.json()["autorise"], check.json()["roles"]) == (True, ["centre_agree"])

        # A colleague who has an account is found by name (« commencez à taper le nom »).
        colleague = await portal_user(
            platform, identity, siret=centre, prenom="Hugo", nom="Zéphyrin"
        )
        await known_to_habilitation(habilitation, colleague)
        found = await habilitation.get(
            f"/v1/demarches/{CERES}/comptes", params={"nom": "zephy"}, headers=gestionnaire.headers
        )
        assert [c["account_id"] for c in found.json()] == [colleague.account_id]
        invited = await habilitation.post(
            f"/v1/demarches/{CERES}/invitations",
            json={"role": "centre_agree", "siret": centre, "account_id": colleague.account_id},
            headers=gestionnaire.headers,
        )
        assert invited.status_code == 201, invited.text
        (mail,) = await platform.mail.wait_for(
            colleague.email, subject_contains="CERES", within=120
        )
        accepted = await habilitation.post(
            f"/v1/portail/invitations/{invited.json()['id']}/acceptation", headers=colleague.headers
        )
        assert accepted.status_code == 200, accepted.text


async def delegation_events(
    platform: Platform, delegation_id: str, within: float = 60.0
) -> list[str]:
    """The CloudEvents types published for this delegation, read from the bus."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=platform.kafka_bootstrap_servers,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        partitions = [
            TopicPartition("habilitation.delegation", p)
            for p in consumer.partitions_for_topic("habilitation.delegation") or ()
        ] or [TopicPartition("habilitation.delegation", p) for p in range(4)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        types: list[str] = []
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                types.extend(
                    json.loads(record.value)["type"]
                    for record in batch
                    if record.key is not None and record.key.decode() == delegation_id
                )
            if any(t.endswith((".ended.v1", ".revoked.v1")) for t in types):
                return types
        return types
    finally:
        await consumer.stop()


async def delegated_to_a_third_party(
    platform: Platform, ends_on: date | None
) -> tuple[PortalUser, PortalUser, str]:
    """A gestionnaire delegates the Déclarant role to a third party who signs up and
    accepts: (gestionnaire, tiers, delegation id)."""
    gestionnaire, _ = await first_gestionnaire(platform, MAF)
    tiers_email = f"tiers-{uuid.uuid4().hex[:8]}@fournisseur.example"
    tiers_siret = luhn_siret()
    async with api(platform, "identity") as identity, api(platform, "habilitation") as habilitation:
        body: dict[str, Any] = {
            "siret_tiers": tiers_siret,
            "email_tiers": tiers_email,
            "role": "declarant",
            "siret": gestionnaire.siret,
        }
        if ends_on is not None:
            body["fin"] = ends_on.isoformat()
        preview = await habilitation.post(
            f"/v1/demarches/{MAF}/delegations/apercu", json=body, headers=gestionnaire.headers
        )
        assert preview.status_code == 200, preview.text
        assert tiers_email in preview.json()["confirmation"]
        proposed = await habilitation.post(
            f"/v1/demarches/{MAF}/delegations", json=body, headers=gestionnaire.headers
        )
        assert proposed.status_code == 201, proposed.text
        (mail,) = await platform.mail.wait_for(
            tiers_email, subject_contains="pour le compte", within=60
        )
        assert mail["subject"] == preview.json()["objet"]
        delegation_id = proposed.json()["id"]
        assert f"/portail/delegations/{delegation_id}" in mail["text"]
        tiers = await portal_user(
            platform,
            identity,
            siret=tiers_siret,
            prenom="Tiers",
            nom="Declarant",
            email=tiers_email,
        )
        await known_to_habilitation(habilitation, tiers)
        accepted = await habilitation.post(
            f"/v1/portail/delegations/{delegation_id}/acceptation", headers=tiers.headers
        )
        assert accepted.status_code == 200, accepted.text
        check = await habilitation.get(
            f"/v1/autorisations/{MAF}/{gestionnaire.siret}", headers=tiers.headers
        )
        assert check.json()["autorise"] is True, check.text
        assert check.json()["via"][0]["delegation"] is True
        return gestionnaire, tiers, delegation_id


async def test_a_delegation_ends_by_itself_at_its_date(platform: Platform) -> None:
    gestionnaire, tiers, delegation_id = await delegated_to_a_third_party(
        platform, date.today() + timedelta(days=30)
    )
    # Thirty days later (as a clock would): the end date is moved into the past.
    conn = await asyncpg.connect(platform.database_url("habilitation").replace("+asyncpg", ""))
    try:
        moved = await conn.execute(
            "UPDATE delegation SET ends_on = $1 WHERE id = $2",
            date.today() - timedelta(days=1),
            uuid.UUID(delegation_id),
        )
        assert moved == "UPDATE 1"
    finally:
        await conn.close()
    async with api(platform, "habilitation") as habilitation:
        check = await habilitation.get(
            f"/v1/autorisations/{MAF}/{gestionnaire.siret}", headers=tiers.headers
        )
        assert (check.status_code, check.json()["autorise"]) == (200, False), check.text
    types = await delegation_events(platform, delegation_id)
    assert types[-1] == "fr.cpf.habilitation.delegation.ended.v1", types


async def test_a_revoked_delegation_stops_at_once(platform: Platform) -> None:
    gestionnaire, tiers, delegation_id = await delegated_to_a_third_party(platform, None)
    async with api(platform, "habilitation") as habilitation:
        revoked = await habilitation.delete(
            f"/v1/demarches/{MAF}/delegations/{delegation_id}", headers=gestionnaire.headers
        )
        assert revoked.status_code == 204, revoked.text
        check = await habilitation.get(
            f"/v1/autorisations/{MAF}/{gestionnaire.siret}", headers=tiers.headers
        )
        assert check.json()["autorise"] is False, check.text
        again = await habilitation.post(
            f"/v1/portail/delegations/{delegation_id}/acceptation", headers=tiers.headers
        )
        assert again.status_code == 409, again.text
    types = await delegation_events(platform, delegation_id)
    assert types[-1] == "fr.cpf.habilitation.delegation.revoked.v1", types


async def test_the_code_limits_hold_under_concurrent_attempts(platform: Platform) -> None:
    """Thirty wrong codes and the right one fired together: five are compared (the SIRET's
    limit), every other is refused as locked or over the account's limit, none succeeds."""
    async with (
        api(platform, "identity") as identity,
        api(platform, "demarche") as demarche_api,
    ):
        agent = await authority_agent(platform, identity)
        users = [
            await portal_user(platform, identity, siret=luhn_siret(), prenom="Ana", nom="Lyse")
            for _ in range(3)
        ]
        siret = users[0].siret
        code = (await issue_code(demarche_api, agent, MAF, siret))["code_activation"]
        wrong = "ABCDEFGHJKLM" if code != "ABCDEFGHJKLM" else "MLKJHGFEDCBA"
        attempts = [
            demarche_api.post(
                f"/v1/portail/demarches/{MAF}/activation",
                json={"siret": siret, "code_activation": code if n == 15 else wrong},
                headers=users[n % 3].headers,
            )
            for n in range(31)
        ]
        answers = await asyncio.gather(*attempts)
        statuses = sorted(a.status_code for a in answers)
        print(f"\nDEMARCHES 31 concurrent attempts: {statuses}")
        assert 200 not in statuses
        assert statuses.count(422) == 5, statuses
        assert set(statuses) <= {422, 423, 429}, statuses
        wrong_answers = {a.text for a in answers if a.status_code == 422}
        assert len(wrong_answers) == 1, wrong_answers
        locked = await demarche_api.post(
            f"/v1/portail/demarches/{MAF}/activation",
            json={"siret": siret, "code_activation": code},
            headers=users[0].headers,
        )
        assert locked.status_code in (423, 429), locked.text
