"""demarche's HTTP API: one router per resource (none yet, beyond the runtime's ops routes)."""

from fastapi import APIRouter

ROUTERS: list[APIRouter] = []
