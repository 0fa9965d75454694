"""demarche's outbound clients: none yet."""
