#!/usr/bin/env bash
# Runs once, from /docker-entrypoint-initdb.d, when the official postgres image
# initialises an empty data directory on the first primary (pg-primary). A
# node cloned with pg_basebackup copies these roles and pg_hba.conf, so a
# promoted standby accepts the same logins and replication connections.
#
#   replicator     REPLICATION login used by pg_basebackup and the standby's WAL receiver
#   billing        owner of the `billing` database: the service logs in as this role
#   role_check  login without privileges: pg-role-check asks each node whether it is primary
set -Eeuo pipefail

: "${REPLICATION_PASSWORD:?REPLICATION_PASSWORD must be set}"
: "${BILLING_DB_PASSWORD:?BILLING_DB_PASSWORD must be set}"
: "${PG_ROLE_CHECK_PASSWORD:?PG_ROLE_CHECK_PASSWORD must be set}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v repl_pw="$REPLICATION_PASSWORD" \
  -v app_pw="$BILLING_DB_PASSWORD" \
  -v check_pw="$PG_ROLE_CHECK_PASSWORD" \
  -v db="$POSTGRES_DB" <<'SQL'
CREATE ROLE replicator WITH LOGIN REPLICATION PASSWORD :'repl_pw';
CREATE ROLE billing WITH LOGIN PASSWORD :'app_pw';
CREATE ROLE role_check WITH LOGIN PASSWORD :'check_pw' CONNECTION LIMIT 8;
-- PostgreSQL 15: the public schema belongs to pg_database_owner, so the
-- database owner may create the service's tables there (migrations).
ALTER DATABASE :"db" OWNER TO billing;
SQL

# Replication connections from the other node(s), with a password. The image's
# default pg_hba.conf already ends with `host all all all scram-sha-256`.
echo 'host replication replicator all scram-sha-256' >>"$PGDATA/pg_hba.conf"
