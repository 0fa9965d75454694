from cpf_runtime.cli import main_for
from cpf_runtime.service import migrations_of

import account_cpf
from account_cpf.main import build

main_for(build, migrations_of(account_cpf.__file__))
