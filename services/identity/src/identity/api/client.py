"""The client's address: the TCP peer, or X-Forwarded-For when the peer is a trusted proxy."""

from __future__ import annotations

from fastapi import Request


def client_address(request: Request, trusted_proxies: frozenset[str]) -> str | None:
    """The peer's address; when the peer is one of ``trusted_proxies``, the rightmost
    address of ``X-Forwarded-For`` that is not itself a trusted proxy (the left part of
    the header is written by the client and proves nothing)."""
    peer = request.client.host if request.client else None
    if peer is None or peer not in trusted_proxies:
        return peer
    forwarded = request.headers.get("x-forwarded-for", "")
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    for hop in reversed(hops):
        if hop not in trusted_proxies:
            return hop[:64]
    return peer
