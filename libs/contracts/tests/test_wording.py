"""The invitation texts are the guides' words (004 for Ceres, 002 for a delegation)."""

from cpf_contracts.wording import delegation_confirmation, delegation_text, invitation_text


def test_the_ceres_invitation_reads_as_guide_004() -> None:
    text = invitation_text(
        demarche_label="CERES",
        inviter="Guy Duponttest",
        role_label="Centre agréé",
        raison_sociale="CFI ATLANTIQUE",
    )
    assert text.objet == "Invitation à rejoindre la démarche CERES"
    assert text.message == (
        "Bonjour, Guy Duponttest vous invite à accéder au service CERES avec le rôle Centre "
        "agréé pour l'entreprise CFI ATLANTIQUE. Pour valider cette invitation, veuillez vous "
        "connecter sur le portail Mes Démarches Emploi et Formation Professionnelle en "
        "suivant le lien ci-dessous."
    )


def test_the_delegation_reads_as_guide_002() -> None:
    text = delegation_text(
        demarche_label="Mon Activité Formation",
        delegator="AMANDINE MUNOZ ORTEGA",
        raison_sociale="EKYSS",
    )
    assert text.objet == (
        "Invitation à rejoindre la démarche Mon Activité Formation pour le compte de EKYSS"
    )
    assert text.message == (
        "Bonjour, AMANDINE MUNOZ ORTEGA vous invite à accéder au service Mon Activité "
        "Formation pour agir au nom de EKYSS. Pour valider cette délégation, veuillez vous "
        "connecter sur le portail Mes Démarches Emploi et Formation Professionnelle en "
        "suivant le lien ci-dessous."
    )


def test_the_confirmation_names_the_address_twice() -> None:
    warning = delegation_confirmation(
        email="prenom.nom@fournisseur.fr", demarche_label="Mon Activité Formation"
    )
    assert warning.startswith(
        "Vous allez habiliter l'utilisateur prenom.nom@fournisseur.fr sur Mon Activité Formation."
    )
    assert warning.count("prenom.nom@fournisseur.fr") == 2


def test_the_confirmation_reads_as_guide_002() -> None:
    assert delegation_confirmation(email="a@b.fr", demarche_label="Mon Activité Formation") == (
        "Vous allez habiliter l'utilisateur a@b.fr sur Mon Activité Formation. Afin de compléter "
        "la procédure, nous allons envoyer un e-mail de confirmation à a@b.fr pour qu'il accepte "
        "la délégation. Après avoir accepté il aura accès à la démarche en votre nom. Vous "
        "pourrez révoquer cette délégation ultérieurement."
    )
