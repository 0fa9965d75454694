"""demarche's HTTP API: one router per resource."""

from fastapi import APIRouter

from demarche.api import codes, demarches, portail

ROUTERS: list[APIRouter] = [demarches.router, codes.router, portail.router]
