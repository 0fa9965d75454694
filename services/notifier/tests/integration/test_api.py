"""The ops API: delivery state, latest first, filtered and paged; never a body or a secret."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from cpf_runtime.service import Runtime
from cpf_runtime.testing import TokenMint

from .support import account_registered


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    mint = TokenMint.for_runtime(runtime)
    app = runtime.create_app()
    # ASGITransport does not run the lifespan: no broker, no jobs, only the routes.
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://notifier",
        headers=mint.headers(kind="operateur"),
    ) as client:
        client.mint = mint  # type: ignore[attr-defined]
        yield client


@pytest.mark.parametrize("kind", ["titulaire", "gestionnaire", "portail", None])
async def test_only_the_operators_agents_read_the_messages(
    client: httpx.AsyncClient, kind: str | None
) -> None:
    mint: TokenMint = client.mint  # type: ignore[attr-defined]
    headers = mint.headers(kind=kind) if kind else {"Authorization": ""}
    response = await client.get("/v1/messages", headers=headers)
    assert response.status_code == (403 if kind else 401)
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_list_filter_and_page(
    runtime: Runtime, client: httpx.AsyncClient, keypair: tuple[str, str]
) -> None:
    for i in range(3):
        event = account_registered(keypair[1], email=f"t{i}@example.test")
        await runtime.consumers[0].handle(event.to_cloudevent().to_bytes())

    response = await client.get("/v1/messages", params={"limit": 2})
    assert response.status_code == 200
    page = response.json()
    assert page["total"] == 3 and page["limit"] == 2 and page["offset"] == 0
    assert [m["recipient"] for m in page["items"]] == ["t2@example.test", "t1@example.test"]
    item = page["items"][0]
    assert set(item) == {
        "id",
        "cause_event_id",
        "template",
        "recipient",
        "status",
        "attempts",
        "rejections",
        "last_error",
        "created_at",
        "next_attempt_at",
        "last_attempt_at",
        "sent_at",
    }
    assert item["status"] == "queued" and item["template"] == "titulaire_activation"
    assert "sealed" not in response.text and "TOKEN" not in response.text

    second = (await client.get("/v1/messages", params={"limit": 2, "offset": 2})).json()
    assert [m["recipient"] for m in second["items"]] == ["t0@example.test"]

    by_recipient = (
        await client.get("/v1/messages", params={"recipient": "T1@Example.test"})
    ).json()
    assert [m["recipient"] for m in by_recipient["items"]] == ["t1@example.test"]
    assert (await client.get("/v1/messages", params={"status": "sent"})).json()["total"] == 0

    one = await client.get(f"/v1/messages/{item['id']}")
    assert one.status_code == 200 and one.json() == item


async def test_errors_are_problems(client: httpx.AsyncClient) -> None:
    missing = await client.get(f"/v1/messages/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    bad = await client.get("/v1/messages", params={"status": "lost"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "status"
