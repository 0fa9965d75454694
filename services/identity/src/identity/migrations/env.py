from cpf_runtime.migrations import run_env
from identity.store.tables import metadata

run_env(metadata)
