from cpf_runtime.cli import main_for
from cpf_runtime.service import migrations_of

import habilitation
from habilitation.main import build

main_for(build, migrations_of(habilitation.__file__))
