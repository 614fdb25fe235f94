#!/bin/sh
# Registers reins' custom search attributes on one Temporal namespace.
#
# Safe to run again and again: an attribute that already exists with the expected type counts as registered; one
# that exists with another type is an error (the workflows would fail to upsert it).
#
#   TEMPORAL_ADDRESS=temporal.example.com:7233 TEMPORAL_NAMESPACE=agents sh deploy/register-search-attributes.sh
#
# Needs the Temporal CLI (`temporal`, or set TEMPORAL_CLI). The CLI's own TEMPORAL_* variables (TEMPORAL_API_KEY,
# TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY, ...) apply as usual. The list below must match common/search-attributes.ts;
# test/unit/docker-compose.test.ts checks that it does.
set -eu

ADDRESS="${TEMPORAL_ADDRESS:-localhost:7233}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
WAIT_SECONDS="${REINS_SETUP_WAIT_SECONDS:-300}"
CLI="${TEMPORAL_CLI:-temporal}"

log() {
  printf 'register-search-attributes: %s\n' "$*" >&2
}

server_serving() {
  "$CLI" operator cluster health --address "$ADDRESS" 2>/dev/null | grep -q SERVING
}

namespace_exists() {
  "$CLI" operator namespace describe --namespace "$NAMESPACE" --address "$ADDRESS" >/dev/null 2>&1
}

# A fresh server takes a while to come up, and the auto-setup image creates the namespace only after that.
wait_until() {
  description=$1
  shift
  deadline=$(($(date +%s) + WAIT_SECONDS))
  until "$@"; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "gave up after ${WAIT_SECONDS}s waiting for $description"
      exit 1
    fi
    log "waiting for $description"
    sleep 3
  done
}

# Prints the registered type of a search attribute (e.g. Keyword), or nothing when it is not registered.
registered_type() {
  "$CLI" operator search-attribute list --namespace "$NAMESPACE" --address "$ADDRESS" |
    awk -v name="$1" '$1 == name { print $2 }'
}

register() {
  name=$1
  type=$2
  if output=$("$CLI" operator search-attribute create --namespace "$NAMESPACE" --address "$ADDRESS" \
    --name "$name" --type "$type" 2>&1); then
    log "$name ($type): registered"
    return 0
  fi
  # Older servers refuse to re-create an existing attribute even with the same type; that is success for us.
  current=$(registered_type "$name")
  if [ "$current" = "$type" ]; then
    log "$name ($type): already registered"
    return 0
  fi
  if [ -n "$current" ]; then
    log "$name is already registered as $current, but reins needs $type; rename or remove it first"
  else
    log "$name ($type): $output"
  fi
  return 1
}

wait_until "the Temporal server at $ADDRESS" server_serving
wait_until "namespace $NAMESPACE" namespace_exists

failed=0
register ReinsAgent Keyword || failed=1
register ReinsUser Keyword || failed=1
register ReinsStatus Keyword || failed=1
register ReinsCostUsd Double || failed=1
register ReinsTokens Int || failed=1
register ReinsPendingApprovals Int || failed=1
register ReinsTeam Keyword || failed=1

if [ "$failed" -ne 0 ]; then
  log "some search attributes could not be registered on namespace $NAMESPACE"
  exit 1
fi
log "all search attributes are registered on namespace $NAMESPACE at $ADDRESS"
