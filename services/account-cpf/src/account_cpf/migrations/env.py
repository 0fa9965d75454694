from account_cpf.store.tables import metadata
from cpf_runtime.migrations import run_env

run_env(metadata)
