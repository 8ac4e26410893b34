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
                          switch (outcomes[i]) {
                              case commit_outcome::committed:
                                  break;
                              case commit_outcome::timed_out:
                                  self->outs_[i]->error_code = to_wire(error_code::request_timed_out);
                                  break;
                              case commit_outcome::not_enough_replicas_after_append:
                                  self->outs_[i]->error_code = to_wire(error_code::not_enough_replicas_after_append);
                                  break;
                              case commit_outcome::not_leader:
                                  self->outs_[i]->error_code = to_wire(error_code::not_leader_or_follower);
                                  break;
                          }
                      }
                      protocol::writer w;
                      self->response_.encode(w, self->version_);
                      respond(std::move(w));
                  });
}

}  // namespace sluice::broker
