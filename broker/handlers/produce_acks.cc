#include "broker/handlers/produce_acks.h"

namespace sluice::broker {

using protocol::error_code;
using protocol::to_wire;

pending_produce::pending_produce(broker& b, response_t response, int16_t version)
    : b_(b), response_(std::move(response)), version_(version) {}

void pending_produce::add(size_t topic_index, size_t partition_index, partition_ref ref, int64_t required) {
    outs_.push_back(&response_.responses.at(topic_index).partition_responses.at(partition_index));
    targets_.push_back({std::move(ref), required});
}

void pending_produce::start(respond_fn respond, int32_t timeout_ms) {
    await_commits(b_, std::move(targets_), timeout_ms,
                  [self = shared_from_this(), respond = std::move(respond)](std::vector<commit_outcome> outcomes) {
                      for (size_t i = 0; i < outcomes.size(); ++i) {
                          if (outcomes[i] != commit_outcome::committed) {
                              self->outs_[i]->error_code = to_wire(acks_all_error(outcomes[i]));
                          }
                      }
                      protocol::writer w;
                      self->response_.encode(w, self->version_);
                      respond(std::move(w));
                  });
}

}  // namespace sluice::broker
