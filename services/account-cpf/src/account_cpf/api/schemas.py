"""What the API shows: French records, as the Espace Titulaire names them."""

from pydantic import BaseModel


class SyntheseOut(BaseModel):
    """Synthèse du compte: heures CPF, DIF, dossiers."""

    heures_cpf: int
    heures_cpf_disponibles: int
    heures_dif: int | None
    dif: str
    dossiers_en_cours: int
    dossiers_clos: int
