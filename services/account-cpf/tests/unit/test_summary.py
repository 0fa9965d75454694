from account_cpf.domain.model import DossierStatus, summarise


def test_a_new_titulaire_has_no_hours_no_dif_and_no_dossier() -> None:
    summary = summarise(movements=[], committed_hours=0, dif_hours=None, dossier_statuses=[])
    assert (summary.cpf_hours, summary.cpf_hours_available) == (0, 0)
    assert summary.dif_label == "Non renseigné"
    assert (summary.dossiers_en_cours, summary.dossiers_clos) == (0, 0)


def test_hours_committed_to_dossiers_in_progress_are_not_available() -> None:
    summary = summarise(
        movements=[24, 24, 12],
        committed_hours=35,
        dif_hours=0,
        dossier_statuses=[DossierStatus.EN_COURS_ELABORATION, DossierStatus.CLOS],
    )
    assert (summary.cpf_hours, summary.cpf_hours_available) == (60, 25)
    assert summary.dif_label == "0 heures"
    assert (summary.dossiers_en_cours, summary.dossiers_clos) == (1, 1)
