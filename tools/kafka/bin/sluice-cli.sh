#!/usr/bin/env bash
# Sourced by the kafka-*.sh scripts: runs `sluice kafka-compat <script> ARGS...`
# with the `sluice` binary found as $SLUICE_CLI, else build/bin/sluice of this
# repository, else `sluice` on PATH.
sluice_cli() {
    local here repo
    here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
    repo="$(cd "$here/../../.." && pwd)"
    if [[ -n "${SLUICE_CLI:-}" ]]; then
        if [[ ! -x "$SLUICE_CLI" ]]; then
            echo "sluice-cli.sh: SLUICE_CLI=$SLUICE_CLI is not an executable file" >&2
            return 1
        fi
        echo "$SLUICE_CLI"
    elif [[ -x "$repo/build/bin/sluice" ]]; then
        echo "$repo/build/bin/sluice"
    elif command -v sluice >/dev/null 2>&1; then
        command -v sluice
    else
        echo "sluice-cli.sh: cannot find the sluice binary (set SLUICE_CLI, build the repository, or put sluice on PATH)" >&2
        return 1
    fi
}

run_kafka_compat() {
    local cli
    cli="$(sluice_cli)" || exit 1
    exec "$cli" kafka-compat "$@"
}
