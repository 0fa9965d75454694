-- One database and one role per service: no service reads another's data.
CREATE ROLE identity LOGIN PASSWORD 'identity';
CREATE DATABASE identity OWNER identity;
CREATE ROLE habilitation LOGIN PASSWORD 'habilitation';
CREATE DATABASE habilitation OWNER habilitation;
CREATE ROLE demarche LOGIN PASSWORD 'demarche';
CREATE DATABASE demarche OWNER demarche;
CREATE ROLE account_cpf LOGIN PASSWORD 'account_cpf';
CREATE DATABASE account_cpf OWNER account_cpf;
CREATE ROLE notifier LOGIN PASSWORD 'notifier';
CREATE DATABASE notifier OWNER notifier;
