#!/usr/bin/env bash
# kafka-consumer-groups.sh for Sluice: Kafka's flags, run by `sluice groups`.
#   --list | --describe | --reset-offsets | --delete | --delete-offsets
#     ->  sluice groups list|describe|reset-offsets|delete|delete-offsets
# Every other flag Kafka's script takes for those actions is passed through
# under the same name (--timeout becomes --timeout-ms). A flag this script
# does not know, or one it cannot honor, is an error naming the flag, with
# Kafka's exit code 1 — never silently dropped.
#
# The sluice binary: $SLUICE_CLI, else build/bin/sluice of this repository,
# else `sluice` on PATH.
set -u

die() {
    echo "Error: $*" >&2
    echo "Run '$(basename "$0") --help' for the options (Kafka's kafka-consumer-groups.sh flags)." >&2
    exit 1
}

usage() {
    cat <<'USAGE'
kafka-consumer-groups.sh (Sluice): list, describe, delete consumer groups and reset their offsets.

Actions (exactly one):
  --list                 list the consumer groups (with --state [STATES]: GROUP STATE, filtered)
  --describe             describe groups: --offsets (default), --members [--verbose], --state
  --reset-offsets        reset offsets: --topic T[:P,...] | --all-topics, one of --to-earliest,
                         --to-latest, --to-current, --to-offset N, --shift-by N,
                         --to-datetime YYYY-MM-DDTHH:mm:SS.sss, --by-duration PnDTnHnMnS,
                         --from-file CSV; --dry-run (default) or --execute; --export prints CSV
  --delete               delete groups
  --delete-offsets       delete a group's committed offsets: --group G --topic T[:P,...]

Options:
  --bootstrap-server HOST:PORT[,...]   required
  --group G (repeatable) | --all-groups
  --timeout MS           how long to wait for the brokers (default 10000)
USAGE
}

locate_sluice() {
    if [[ -n "${SLUICE_CLI:-}" ]]; then
        if [[ ! -x "$SLUICE_CLI" ]]; then
            echo "Error: SLUICE_CLI=$SLUICE_CLI is not an executable file" >&2
            exit 1
        fi
        echo "$SLUICE_CLI"
        return
    fi
    local here
    here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
    local built="$here/../../../build/bin/sluice"
    if [[ -x "$built" ]]; then
        echo "$built"
        return
    fi
    if command -v sluice >/dev/null 2>&1; then
        command -v sluice
        return
    fi
    echo "Error: cannot find the sluice binary (set SLUICE_CLI, build build/bin/sluice, or put sluice on PATH)" >&2
    exit 1
}

action=""
actions=0
bootstrap=""
args=()
set_action() {
    action="$1"
    actions=$((actions + 1))
}

while [[ $# -gt 0 ]]; do
    flag="$1"
    value=""
    has_inline=0
    if [[ "$flag" == --*=* ]]; then
        value="${flag#*=}"
        flag="${flag%%=*}"
        has_inline=1
    fi
    shift
    take_value() {
        if [[ $has_inline -eq 1 ]]; then
            return 0
        fi
        if [[ $# -eq 0 ]]; then
            die "option $flag requires an argument"
        fi
        value="$1"
        return 1
    }
    case "$flag" in
        -h | --help)
            usage
            exit 0
            ;;
        --list) set_action list ;;
        --describe) set_action describe ;;
        --reset-offsets) set_action reset-offsets ;;
        --delete) set_action delete ;;
        --delete-offsets) set_action delete-offsets ;;
        --bootstrap-server)
            take_value "$@" || shift
            bootstrap="$value"
            ;;
        --group | --topic | --to-offset | --shift-by | --to-datetime | --by-duration | --from-file)
            take_value "$@" || shift
            args+=("$flag" "$value")
            ;;
        --timeout)
            take_value "$@" || shift
            args+=(--timeout-ms "$value")
            ;;
        --all-groups | --all-topics | --to-earliest | --to-latest | --to-current | --dry-run | --execute | \
            --members | --offsets | --verbose | --export)
            [[ $has_inline -eq 0 ]] || die "option $flag takes no value"
            args+=("$flag")
            ;;
        --state)
            # Kafka's --state takes an optional value: with --list, the
            # states to keep (sluice's --states).
            if [[ $has_inline -eq 1 ]]; then
                args+=(--states "$value")
            elif [[ $# -gt 0 && "$1" != -* ]]; then
                args+=(--states "$1")
                shift
            else
                args+=(--state)
            fi
            ;;
        --command-config)
            die "--command-config is not supported: the sluice CLI speaks PLAINTEXT only and has no client properties to apply (point --bootstrap-server at a PLAINTEXT listener)"
            ;;
        --version)
            die "$flag is not supported by this script"
            ;;
        *)
            die "unrecognized option '$flag'"
            ;;
    esac
done

if [[ $actions -ne 1 ]]; then
    die "Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets"
fi
[[ -n "$bootstrap" ]] || die "Missing required argument \"[bootstrap-server]\""

sluice="$(locate_sluice)" || exit 1
"$sluice" groups "$action" --bootstrap-server "$bootstrap" ${args[@]+"${args[@]}"}
rc=$?
# Kafka's tools exit 1 on any failure, a bad command line included.
if [[ $rc -eq 2 ]]; then
    exit 1
fi
exit $rc
