#!/bin/sh
# tsredis container entrypoint. Configuration comes from a mounted redis.conf
# (/usr/local/etc/tsredis/redis.conf), from environment variables, or both (env wins):
#   TSREDIS_PORT (6379)         TSREDIS_CLUSTER=yes         TSREDIS_NODE_TIMEOUT (5000)
#   TSREDIS_ANNOUNCE_HOSTNAME (or TSREDIS_PUBLIC_HOST)       TSREDIS_ANNOUNCE_IP         TSREDIS_ANNOUNCE_PORT / _BUS_PORT
#   TSREDIS_PREFERRED_ENDPOINT  (ip | hostname)             TSREDIS_APPENDONLY (yes)
#   TSREDIS_REPLICAOF=host port TSREDIS_MAXMEMORY           REDIS_PASSWORD (requirepass + masterauth)
#   TSREDIS_ROLE=sentinel with TSREDIS_SENTINEL_MASTER=host port quorum (see below)
# Any other command (tsredis …, sh) runs as given.
set -eu

CONF=/usr/local/etc/tsredis/redis.conf

if [ -n "${REDIS_PASSWORD:-}" ] && [ -z "${REDISCLI_AUTH:-}" ]; then
  # The tsredis CLI (cluster create/check) reads the password from here.
  export REDISCLI_AUTH="$REDIS_PASSWORD"
fi

sentinel() {
  # Sentinel rewrites its config file, so it gets a writable copy under /data.
  file=/data/sentinel.conf
  if [ ! -f "$file" ]; then
    set -- ${TSREDIS_SENTINEL_MASTER:?TSREDIS_SENTINEL_MASTER=host port quorum is required}
    {
      echo "port ${TSREDIS_SENTINEL_PORT:-26379}"
      echo "dir /data"
      echo "sentinel resolve-hostnames yes"
      echo "sentinel announce-hostnames yes"
      if [ -n "${TSREDIS_ANNOUNCE_HOSTNAME:-}" ]; then echo "sentinel announce-ip ${TSREDIS_ANNOUNCE_HOSTNAME}"; fi
      echo "sentinel monitor ${TSREDIS_SENTINEL_NAME:-mymaster} $1 $2 $3"
      echo "sentinel down-after-milliseconds ${TSREDIS_SENTINEL_NAME:-mymaster} ${TSREDIS_DOWN_AFTER:-5000}"
      echo "sentinel failover-timeout ${TSREDIS_SENTINEL_NAME:-mymaster} ${TSREDIS_FAILOVER_TIMEOUT:-60000}"
      if [ -n "${REDIS_PASSWORD:-}" ]; then echo "sentinel auth-pass ${TSREDIS_SENTINEL_NAME:-mymaster} ${REDIS_PASSWORD}"; fi
    } > "$file"
  fi
  exec tsredis-sentinel "$file"
}

server() {
  set -- --port "${TSREDIS_PORT:-6379}" --dir /data --bind 0.0.0.0 \
    --protected-mode "${TSREDIS_PROTECTED_MODE:-no}" \
    --appendonly "${TSREDIS_APPENDONLY:-yes}"
  if [ "${TSREDIS_CLUSTER:-no}" = yes ]; then
    # The env file names one public host for all nodes; a node may still set its own.
    TSREDIS_ANNOUNCE_HOSTNAME="${TSREDIS_ANNOUNCE_HOSTNAME:-${TSREDIS_PUBLIC_HOST:-}}"
    set -- "$@" --cluster-enabled yes --cluster-config-file /data/nodes.conf \
      --cluster-node-timeout "${TSREDIS_NODE_TIMEOUT:-5000}"
    if [ -n "${TSREDIS_ANNOUNCE_HOSTNAME:-}" ]; then set -- "$@" --cluster-announce-hostname "$TSREDIS_ANNOUNCE_HOSTNAME"; fi
    if [ -n "${TSREDIS_ANNOUNCE_IP:-}" ]; then set -- "$@" --cluster-announce-ip "$TSREDIS_ANNOUNCE_IP"; fi
    if [ -n "${TSREDIS_ANNOUNCE_PORT:-}" ]; then set -- "$@" --cluster-announce-port "$TSREDIS_ANNOUNCE_PORT"; fi
    if [ -n "${TSREDIS_ANNOUNCE_BUS_PORT:-}" ]; then set -- "$@" --cluster-announce-bus-port "$TSREDIS_ANNOUNCE_BUS_PORT"; fi
    if [ -n "${TSREDIS_PREFERRED_ENDPOINT:-}" ]; then set -- "$@" --cluster-preferred-endpoint-type "$TSREDIS_PREFERRED_ENDPOINT"; fi
  fi
  if [ -n "${TSREDIS_REPLICAOF:-}" ]; then set -- "$@" --replicaof $TSREDIS_REPLICAOF; fi
  if [ -n "${TSREDIS_MAXMEMORY:-}" ]; then set -- "$@" --maxmemory "$TSREDIS_MAXMEMORY"; fi
  if [ -n "${REDIS_PASSWORD:-}" ]; then set -- "$@" --requirepass "$REDIS_PASSWORD" --masterauth "$REDIS_PASSWORD"; fi
  if [ -f "$CONF" ]; then
    exec tsredis-server "$CONF" "$@"
  fi
  exec tsredis-server "$@"
}

if [ "$#" -eq 0 ] || [ "$1" = tsredis-server ]; then
  if [ "$#" -gt 0 ]; then shift; fi
  if [ "${TSREDIS_ROLE:-server}" = sentinel ]; then sentinel; fi
  if [ "$#" -gt 0 ]; then exec tsredis-server "$@"; fi
  server
fi
if [ "$1" = tsredis-sentinel ] && [ "$#" -eq 1 ]; then sentinel; fi
exec "$@"
