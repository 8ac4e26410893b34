#!/usr/bin/env bash
# Kafka's kafka-dump-log.sh, served by `sluice kafka-compat kafka-dump-log`.
source "$(dirname "${BASH_SOURCE[0]}")/sluice-cli.sh"
run_kafka_compat kafka-dump-log "$@"
