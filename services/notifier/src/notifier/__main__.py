from cpf_runtime.cli import main_for
from cpf_runtime.service import migrations_of

import notifier
from notifier.main import build

main_for(build, migrations_of(notifier.__file__))
