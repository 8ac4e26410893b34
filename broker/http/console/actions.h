#pragma once
// The console API's changes. Each goes through the operation the Kafka
// handler uses, with its checks (topic names, counts, configs, "a group
// must be empty", this broker coordinating the group), so the console can
// do nothing a Kafka admin client could not:
//   create_topic     topic_registry::create        (CreateTopics)
//   delete_topic     topic_registry::remove        (DeleteTopics, delete.topic.enable)
//   add_partitions   topic_registry::add_partitions (CreatePartitions)
//   alter_configs    topic_registry::update_configs + apply_incremental
//                    (IncrementalAlterConfigs SET/DELETE)
//   reset_offsets    coordinator::commit_offsets without a generation, as
//                    kafka-consumer-groups.sh --reset-offsets commits them
//   delete_group     coordinator::delete_group     (DeleteGroups)
// `reply` runs once, on the I/O thread, when the metadata store or the
// offsets topic has answered. Bodies are JSON objects (api README).
#include <string>

#include "broker/http/router.h"

namespace sluice::broker {
class broker;
}

namespace sluice::broker::http::console {

using reply_fn = routes::reply_fn;

void create_topic(broker& b, const std::string& body, reply_fn reply);
void delete_topic(broker& b, const std::string& topic, reply_fn reply);
void add_partitions(broker& b, const std::string& topic, const std::string& body, reply_fn reply);
void alter_configs(broker& b, const std::string& topic, const std::string& body, reply_fn reply);
void reset_offsets(broker& b, const std::string& group_id, const std::string& body, reply_fn reply);
void delete_group(broker& b, const std::string& group_id, reply_fn reply);

}  // namespace sluice::broker::http::console
