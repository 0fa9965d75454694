from account_cpf.domain.titulaires import Dossier, StatutDossier, synthese


def test_a_new_titulaire_has_no_hours_no_dif_and_no_dossier() -> None:
    summary = synthese(mouvements=[], heures_dif=None, dossiers=[])
    assert (summary.heures_cpf, summary.heures_cpf_disponibles) == (0, 0)
    assert summary.libelle_dif == "Non renseigné"
    assert (summary.dossiers_en_cours, summary.dossiers_clos) == (0, 0)


def test_hours_committed_to_dossiers_in_progress_are_not_available() -> None:
    summary = synthese(
        mouvements=[24, 24, 12],
        heures_dif=0,
        dossiers=[
            Dossier(StatutDossier.EN_COURS_ELABORATION, 35),
            Dossier(StatutDossier.CLOS, 100),  # closed: its heures are no longer engaged
        ],
    )
    assert (summary.heures_cpf, summary.heures_cpf_disponibles) == (60, 25)
    assert summary.libelle_dif == "0 heures"
    assert (summary.dossiers_en_cours, summary.dossiers_clos) == (1, 1)
