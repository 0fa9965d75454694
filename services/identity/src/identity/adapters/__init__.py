"""Every outbound client and crypto adapter: password hashing (argon2id), token signing
(ES256), the anti-robot check, the company register."""
