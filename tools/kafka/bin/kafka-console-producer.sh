#!/usr/bin/env bash
# Kafka's kafka-console-producer.sh, served by `sluice kafka-compat kafka-console-producer`.
source "$(dirname "${BASH_SOURCE[0]}")/sluice-cli.sh"
run_kafka_compat kafka-console-producer "$@"
