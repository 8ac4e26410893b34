#!/usr/bin/env bash
# Kafka's kafka-configs.sh, served by `sluice kafka-compat kafka-configs`.
source "$(dirname "${BASH_SOURCE[0]}")/sluice-cli.sh"
run_kafka_compat kafka-configs "$@"
