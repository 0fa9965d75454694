from cpf_runtime.migrations import run_env
from notifier.store.tables import metadata

run_env(metadata)
