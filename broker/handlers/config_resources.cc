#include "broker/handlers/config_resources.h"

#include "broker/broker.h"

namespace sluice::broker {

bool names_this_broker(broker& b, const std::string& resource_name) {
    return resource_name.empty() || resource_name == std::to_string(b.config().node_id);
}

op_result refuse_broker_change() {
    return {protocol::error_code::invalid_request,
            "Broker configs are static in Sluice: change server.properties and restart."};
}

void alter_resource(int8_t type, const std::function<void(alter_done)>& change_topic, alter_done done) {
    if (type == resource_type::topic) return change_topic(std::move(done));
    if (type == resource_type::broker) return done(refuse_broker_change());
    done({protocol::error_code::invalid_request, "Unsupported resource type."});
}

}  // namespace sluice::broker
