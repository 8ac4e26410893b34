#include "broker/topics/partition_ref.h"

#include "broker/topics/topic_registry.h"

namespace sluice::broker {

partition_ref ref_of(const std::string& topic, const partition_state& p) {
    return {topic, p.index, p.log->incarnation()};
}

partition_state* find_live(topic_registry& topics, const partition_ref& ref) {
    partition_state* p = topics.find(ref.topic, ref.partition);
    if (p == nullptr || p->log == nullptr || p->log->incarnation() != ref.incarnation) return nullptr;
    return p;
}

}  // namespace sluice::broker
