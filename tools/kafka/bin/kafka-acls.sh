#!/usr/bin/env bash
# Kafka's kafka-acls.sh, served by `sluice kafka-compat kafka-acls`.
source "$(dirname "${BASH_SOURCE[0]}")/sluice-cli.sh"
run_kafka_compat kafka-acls "$@"
