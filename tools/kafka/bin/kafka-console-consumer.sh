#!/usr/bin/env bash
# Kafka's kafka-console-consumer.sh, served by `sluice kafka-compat kafka-console-consumer`.
source "$(dirname "${BASH_SOURCE[0]}")/sluice-cli.sh"
run_kafka_compat kafka-console-consumer "$@"
