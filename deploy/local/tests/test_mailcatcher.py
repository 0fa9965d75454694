from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import httpx
import pytest
from cpf_local.mailcatcher import MailCatcher, MailCatcherClient, MailStore
from cpf_local.proc import free_ports, port_is_free, processes_mentioning


def _send(port: int, to: str, subject: str, text: str, html: str | None = None) -> str:
    message = EmailMessage()
    message["From"] = "no-reply@moncompteformation.example"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="moncompteformation.example")
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(message)
    return str(message["Message-ID"])


async def test_messages_survive_a_restart_of_the_catcher(state_dir: Path) -> None:
    smtp_port, http_port = free_ports(2)
    catcher = MailCatcher(
        smtp_port,
        http_port,
        log_file=state_dir / "mailcatcher.log",
        store_dir=state_dir / "mail",
    )
    client = MailCatcherClient(catcher.http_url)
    await catcher.start()
    try:
        message_id = await asyncio.to_thread(
            _send,
            smtp_port,
            "Léa Martin <lea@example.org>",
            "Activez votre compte — été",
            "Bonjour Léa,\nvotre code : 123456\n",
            "<p>Bonjour <b>Léa</b></p>",
        )
        [caught] = await client.wait_for("lea@example.org", within=10)
        assert caught["subject"] == "Activez votre compte — été"
        assert caught["to"] == ["lea@example.org"]
        assert caught["envelope_to"] == ["lea@example.org"]
        assert caught["headers"]["Message-ID"] == message_id
        assert caught["message_id"] == message_id
        assert caught["text"] == "Bonjour Léa,\nvotre code : 123456\n"
        assert caught["html"].strip() == "<p>Bonjour <b>Léa</b></p>"
        assert await client.messages(to="someone-else@example.org") == []

        async with httpx.AsyncClient(base_url=catcher.http_url) as http:
            one = (await http.get(f"/api/messages/{caught['id']}")).json()
            assert one["text"] == caught["text"]
            assert (await http.get("/api/messages/999999")).status_code == 404
            page = await http.get("/")
            assert page.status_code == 200
            assert "Activez votre compte" in page.text and "123456" in page.text

        # An SMTP outage: the catcher is killed, then comes back on the same ports.
        catcher.stop()
        assert processes_mentioning(f"--smtp-port {smtp_port}") == []
        with pytest.raises(OSError):
            await asyncio.to_thread(_send, smtp_port, "x@example.org", "lost", "lost")
        await catcher.start()
        [again] = await client.messages()
        assert again["id"] == caught["id"] and again["text"] == caught["text"]

        await client.clear()
        assert await client.messages() == []
        await asyncio.to_thread(_send, smtp_port, "b@example.org", "after", "after")
        [newer] = await client.messages()
        assert int(newer["id"]) > int(caught["id"])  # ids are never reused
    finally:
        catcher.stop()
    assert port_is_free(smtp_port) and port_is_free(http_port)


async def test_the_page_escapes_what_it_shows(state_dir: Path) -> None:
    smtp_port, http_port = free_ports(2)
    catcher = MailCatcher(smtp_port, http_port, log_file=state_dir / "mailcatcher.log")
    await catcher.start()
    try:
        await asyncio.to_thread(_send, smtp_port, "a@example.org", "<script>x</script>", "<b>")
        async with httpx.AsyncClient() as http:
            page = (await http.get(f"{catcher.http_url}/")).text
        assert "<script>x</script>" not in page
        assert "&lt;script&gt;x&lt;/script&gt;" in page
    finally:
        catcher.stop()


def test_a_half_written_message_is_ignored_at_reload(state_dir: Path) -> None:
    store = MailStore(state_dir / "mail")
    store.add("a@example.org", ["b@example.org"], b"Subject: kept\r\n\r\nbody\r\n")
    (state_dir / "mail" / "00000002.json").write_text("{}")  # crash before the .eml
    reloaded = MailStore(state_dir / "mail")
    assert [m.to_json()["subject"] for m in reloaded.list()] == ["kept"]
    assert reloaded.add("a@example.org", ["c@example.org"], b"\r\n").id == "2"
