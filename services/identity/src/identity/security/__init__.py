"""Cryptography adapters: password hashing (argon2id) and token signing (ES256 JWT)."""
