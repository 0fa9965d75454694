from cpf_runtime.cli import main_for
from cpf_runtime.service import migrations_of

import demarche
from demarche.main import build

main_for(build, migrations_of(demarche.__file__))
