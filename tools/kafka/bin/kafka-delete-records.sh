#!/usr/bin/env bash
# Kafka's kafka-delete-records.sh, served by `sluice kafka-compat kafka-delete-records`.
source "$(dirname "${BASH_SOURCE[0]}")/sluice-cli.sh"
run_kafka_compat kafka-delete-records "$@"
