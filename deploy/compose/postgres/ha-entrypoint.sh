#!/usr/bin/env bash
# Entry point of both PostgreSQL nodes (official postgres:15 image).
#
# With PG_CLONE_FROM set and an empty data directory, the node is bootstrapped
# as a streaming standby of that host: it waits for it, then runs
#   pg_basebackup -R -X stream -C -S "$PG_SLOT_NAME"
# (-R writes standby.signal and primary_conninfo, -C -S create a physical
# replication slot on the upstream so it keeps the WAL this node still needs).
# Without PG_CLONE_FROM, or once the data directory exists, it is the image's
# usual entry point: initdb + /docker-entrypoint-initdb.d on first start, then
# postgres with the arguments from the compose file.
#
# The same script rebuilds a failed old primary as a standby of the new one:
# remove its volume and start it with PG_CLONE_FROM pointing at the new primary
# (see the comment at the top of docker-compose.yml).
set -Eeuo pipefail

: "${PGDATA:=/var/lib/postgresql/data}"

if [ -n "${PG_CLONE_FROM:-}" ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${REPLICATION_PASSWORD:?REPLICATION_PASSWORD must be set}"
  : "${PG_SLOT_NAME:?PG_SLOT_NAME must be set}"
  export PGPASSWORD="$REPLICATION_PASSWORD" PGCONNECT_TIMEOUT=5

  echo "[ha-entrypoint] waiting for $PG_CLONE_FROM to accept connections"
  until pg_isready -q -h "$PG_CLONE_FROM" -p 5432; do sleep 1; done

  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 0700 "$PGDATA"

  clone() {
    gosu postgres pg_basebackup -h "$PG_CLONE_FROM" -p 5432 -U replicator -D "$PGDATA" \
      -R -X stream -C -S "$PG_SLOT_NAME" --checkpoint=fast --no-password
  }
  echo "[ha-entrypoint] cloning $PG_CLONE_FROM into $PGDATA (slot $PG_SLOT_NAME)"
  if ! clone; then
    # Most likely the slot is left over from an earlier clone of this node
    # (its volume was removed): drop it on the upstream and try once more.
    echo "[ha-entrypoint] clone failed; dropping slot $PG_SLOT_NAME on $PG_CLONE_FROM and retrying"
    gosu postgres pg_receivewal -h "$PG_CLONE_FROM" -p 5432 -U replicator --no-password \
      --drop-slot -S "$PG_SLOT_NAME" || true
    find "$PGDATA" -mindepth 1 -delete
    clone
  fi
  echo "[ha-entrypoint] clone done; starting as a standby of $PG_CLONE_FROM"
fi

exec docker-entrypoint.sh "$@"
