#!/bin/sh
# preStop of the redis container: if this pod is the master, ask Sentinel to
# fail over first and wait (up to 20 s) until it is a replica, so a rolling
# update or drain moves the master deliberately instead of waiting for
# down-after-milliseconds.
role() { redis-cli info replication 2>/dev/null | tr -d '\r' | sed -n 's/^role://p'; }
[ "$(role)" = master ] || exit 0
redis-cli -p 26379 sentinel failover "$SENTINEL_MASTER" || exit 0
i=0
while [ "$i" -lt 20 ] && [ "$(role)" = master ]; do
  sleep 1
  i=$((i + 1))
done
