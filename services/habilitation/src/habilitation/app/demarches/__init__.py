"""Use cases of the démarches of the *Mes Démarches* portal (guides 002 and 004): the
directory of portal accounts, démarche habilitations, access requests, invitations,
delegations to a third party, the users screen and the authorization check."""
