#!/usr/bin/env bash
# Kafka's kafka-topics.sh, served by `sluice kafka-compat kafka-topics`.
source "$(dirname "${BASH_SOURCE[0]}")/sluice-cli.sh"
run_kafka_compat kafka-topics "$@"
