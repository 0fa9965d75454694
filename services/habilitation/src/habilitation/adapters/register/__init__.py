"""The company register (SIRET look-up) behind the port ``app.ports.CompanyRegister``: a
file for development and tests, the public company search API in production. Both adapters
pass the same contract tests (``tests/unit/test_register.py``)."""
