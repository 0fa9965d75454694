"""Sign a titulaire up on a running platform (`make up`), as the portal's page would:
fetch identity's anti-robot challenge, solve its proof of work, post the form.

    uv run python scripts/demo_signup.py [--email jeanne@example.fr] [--identity URL]

Then read the activation e-mail in Mailpit's web UI, http://127.0.0.1:8025, and follow its link.
"""

from __future__ import annotations

import argparse
import hashlib
import random

import httpx

PASSWORD = "Formation2026!xyz"  # noqa: S105  (a demo account on a local platform)


def new_nir() -> str:
    body = f"2{random.randint(50, 99):02d}{random.randint(1, 12):02d}"
    body += f"{random.randint(1, 95):02d}{random.randint(1, 999):03d}{random.randint(1, 999):03d}"
    return body + f"{97 - int(body) % 97:02d}"  # the key: 97 - (13 digits mod 97)


def solve(defi: str, difficulty: int) -> str:
    """The first nonce whose sha256(defi + nonce) starts with ``difficulty`` zero bits."""
    nonce = 0
    while True:
        digest = hashlib.sha256(f"{defi}{nonce:x}".encode()).digest()
        if int.from_bytes(digest, "big") >> (256 - difficulty) == 0:
            return f"{nonce:x}"
        nonce += 1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--identity", default="http://127.0.0.1:8001")
    parser.add_argument("--email", default=f"jeanne.{random.randint(1000, 9999)}@example.fr")
    args = parser.parse_args()
    with httpx.Client(base_url=args.identity, timeout=30) as identity:
        challenge = identity.get("/v1/anti-robot/defi").raise_for_status().json()
        nir = new_nir()
        response = identity.post(
            "/v1/titulaires",
            json={
                "cgu_acceptees": True,
                "nir": nir,
                "civilite": "MME",
                "prenom": "Jeanne",
                "nom_naissance": "Martin",
                "email": args.email,
                "email_confirmation": args.email,
                "mot_de_passe": PASSWORD,
                "mot_de_passe_confirmation": PASSWORD,
                "anti_robot": {
                    "defi": challenge["defi"],
                    "solution": solve(challenge["defi"], challenge["difficulte"]),
                },
            },
        )
    print(response.status_code, response.json())
    print(f"NIR {nir}, password {PASSWORD}: the e-mail to {args.email} is at http://127.0.0.1:8025")


if __name__ == "__main__":
    main()
