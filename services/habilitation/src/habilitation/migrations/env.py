from cpf_runtime.migrations import run_env
from habilitation.store.tables import metadata

run_env(metadata)
