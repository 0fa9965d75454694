from identity.store.tables import metadata
from cpf_runtime.migrations import run_env

run_env(metadata)
