#!/bin/sh
# Init container of each Redis pod: writes this pod's redis.conf and
# sentinel.conf into /run-config (an emptyDir; Sentinel rewrites its file).
#
# The master is whatever a running Sentinel of another pod reports; if none
# answers (first start, or every pod restarted at once) redis-0 is the master.
# Addresses are stable DNS names (<pod>.redis-headless.<ns>.svc...), so a pod
# that comes back with a new IP keeps its identity.
set -eu

domain="redis-headless.${POD_NAMESPACE}.svc.${CLUSTER_DOMAIN:-cluster.local}"
me="$(hostname).${domain}"
master=""

i=0
while [ "$i" -lt "${REDIS_PODS:-3}" ]; do
  peer="redis-${i}.${domain}"
  if [ "redis-${i}" != "$(hostname)" ]; then
    answer="$(timeout 3 redis-cli -h "$peer" -p 26379 sentinel get-master-addr-by-name "$SENTINEL_MASTER" 2>/dev/null | head -n 1 || true)"
    if [ -n "$answer" ]; then
      master="$answer"
      echo "sentinel on $peer reports master $master"
      break
    fi
  fi
  i=$((i + 1))
done
if [ -z "$master" ]; then
  master="redis-0.${domain}"
  echo "no sentinel answered: $master is the master"
fi

# Sentinel refuses to start when it cannot resolve the host it monitors, and a
# pod's record in the headless Service can lag its start by a moment.
wait_for_dns() {
  n=0
  until getent hosts "$1" >/dev/null 2>&1; do
    n=$((n + 1))
    if [ "$n" -ge 60 ]; then
      echo "cannot resolve $1" >&2
      exit 1
    fi
    sleep 1
  done
}
wait_for_dns "$me"
wait_for_dns "$master"

cp /config/redis.conf /run-config/redis.conf
echo "replica-announce-ip ${me}" >>/run-config/redis.conf
if [ "$master" != "$me" ]; then
  echo "replicaof ${master} 6379" >>/run-config/redis.conf
fi

sed "s/MASTER_HOST/${master}/" /config/sentinel.conf >/run-config/sentinel.conf
echo "sentinel announce-ip ${me}" >>/run-config/sentinel.conf
echo "this pod: ${me}; master: ${master}"
