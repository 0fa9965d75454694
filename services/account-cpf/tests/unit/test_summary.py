import uuid

from account_cpf.domain.dossiers import Dossier, StatutDossier
from account_cpf.domain.titulaires import Compteur, Mouvement, NatureMouvement, synthese
from cpf_runtime.clock import utcnow

T = uuid.uuid4()


def credit(heures: int, compteur: Compteur = Compteur.CPF) -> Mouvement:
    return Mouvement(uuid.uuid4(), T, compteur, NatureMouvement.CREDIT_CPF, heures, "x", utcnow())


def dossier(statut: StatutDossier, heures: int) -> Dossier:
    return Dossier(uuid.uuid4(), T, "Anglais", heures, statut)


def test_a_new_titulaire_has_no_hours_no_dif_and_no_dossier() -> None:
    summary = synthese(mouvements=[], heures_dif=None, dossiers=[])
    assert (summary.heures_cpf, summary.heures_cpf_disponibles) == (0, 0)
    assert summary.libelle_dif == "Non renseigné"
    assert (summary.dossiers_en_cours, summary.dossiers_clos) == (0, 0)


def test_drafts_reserve_the_dif_first_then_cpf_hours() -> None:
    summary = synthese(
        mouvements=[credit(24), credit(24), credit(12), credit(13, Compteur.DIF)],
        heures_dif=10,
        dossiers=[
            dossier(StatutDossier.EN_COURS_ELABORATION, 45),  # 10 on the DIF, 35 on the CPF
            dossier(StatutDossier.VALIDE, 20),  # already debited by its movements
            dossier(StatutDossier.CLOS, 100),
        ],
    )
    assert (summary.heures_cpf, summary.heures_cpf_disponibles) == (60, 25)
    assert summary.libelle_dif == "10 heures"
    assert (summary.dossiers_en_cours, summary.dossiers_clos) == (2, 1)


def test_a_zero_dif_is_entered_not_missing() -> None:
    assert synthese(mouvements=[], heures_dif=0, dossiers=[]).libelle_dif == "0 heures"
