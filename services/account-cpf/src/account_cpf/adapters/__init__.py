"""account-cpf's outbound clients: none yet (the training catalogue arrives with dossiers)."""
