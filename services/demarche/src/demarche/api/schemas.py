"""What demarche's API shows: nothing yet (the catalogue and activation codes arrive in
their issue, one router per resource beside this module)."""
