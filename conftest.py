"""Fixtures shared by every test folder: real PostgreSQL and Kafka, see cpf_local.testing."""

pytest_plugins = ["cpf_local.testing"]
