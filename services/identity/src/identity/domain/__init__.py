"""The identity rules, pure: no I/O, no framework.

Business words kept in French: a *titulaire* is a worker holding a CPF account (Compte
Personnel de Formation), whose login is the *NIR* (numéro de sécurité sociale); a
*gestionnaire* is an employer-side user of the CPF space; a *portail* user signs in to the
Mes Démarches portal with an e-mail address. The *CGU* are the conditions générales
d'utilisation (terms of use); *civilité* is M or MME; the *nom de naissance* is the birth
name (not the married name).
"""
