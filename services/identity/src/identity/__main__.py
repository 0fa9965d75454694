from cpf_runtime.cli import main_for
from cpf_runtime.service import migrations_of

import identity
from identity.main import build

main_for(build, migrations_of(identity.__file__))
