#!/usr/bin/env bash
# Kafka's kafka-get-offsets.sh, served by `sluice kafka-compat kafka-get-offsets`.
source "$(dirname "${BASH_SOURCE[0]}")/sluice-cli.sh"
run_kafka_compat kafka-get-offsets "$@"
