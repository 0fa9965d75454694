from cpf_runtime.migrations import run_env
from demarche.store.tables import metadata

run_env(metadata)
