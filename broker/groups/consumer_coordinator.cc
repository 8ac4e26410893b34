// KIP-848 consumer groups: ConsumerGroupHeartbeat, ConsumerGroupDescribe,
// their timeouts, and their records in __consumer_offsets. A heartbeat
// updates the member, bumps the group epoch when membership, subscriptions
// or the subscribed topics change, computes a new target assignment with
// the server-side assignor, and reconciles the member towards its target.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <regex>

#include "broker/broker.h"
#include "broker/groups/assignors.h"
#include "broker/groups/consumer_group_records.h"
#include "broker/groups/coordinator.h"
#include "broker/groups/member_replies.h"
#include "broker/topics/topic_registry.h"

namespace sluice::broker::groups {

using protocol::error_code;
using protocol::to_wire;
using heartbeat_response = protocol::consumer_group_heartbeat_response;

namespace {

// A group's own consumer.session.timeout.ms / consumer.heartbeat.interval.ms
// (GROUP configs) when it has one, else the broker's.
int32_t group_interval(const coordinator_settings& s, const std::string& group, std::string_view name,
                       int32_t fallback) {
    return s.group_config ? s.group_config(group, name, fallback) : fallback;
}

// Java's Pattern syntax is close enough to ECMAScript for the regexes
// clients subscribe with ("topic-.*", "orders|payments"); a topic matches
// when the whole name does, as with Pattern.matches.
std::optional<std::regex> compile_regex(const std::string& pattern) {
    try {
        return std::regex(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error&) {
        return std::nullopt;
    }
}

// Kafka's error answers carry the code and the message only.
heartbeat_response heartbeat_error(error_code e, std::string message) {
    heartbeat_response r;
    r.error_code = to_wire(e);
    r.error_message = std::move(message);
    return r;
}

partition_set to_partition_set(
    const std::vector<protocol::consumer_group_heartbeat_request::topic_partitions_data>& in) {
    partition_set out;
    for (const auto& t : in) {
        if (!t.partitions.empty()) out[t.topic_id].insert(t.partitions.begin(), t.partitions.end());
    }
    return out;
}

// Kafka's request checks, with its messages; nullopt when the request is valid.
std::optional<std::string> invalid_heartbeat(const protocol::consumer_group_heartbeat_request& req, int16_t version) {
    if (req.group_id.empty()) return "GroupId can't be empty.";
    if (req.instance_id && req.instance_id->empty()) return "InstanceId can't be empty.";
    if (req.rack_id && req.rack_id->empty()) return "RackId can't be empty.";
    if ((version >= 1 || req.member_epoch != 0) && req.member_id.empty()) return "MemberId can't be empty.";
    if (req.member_epoch == 0) {
        if (req.rebalance_timeout_ms == -1) return "RebalanceTimeoutMs must be provided in first request.";
        if (!req.topic_partitions || !req.topic_partitions->empty()) {
            return "TopicPartitions must be empty when (re-)joining.";
        }
        // Kafka 4 takes an empty subscription (KAFKA-18095); only an
        // absent one is refused.
        if (!req.subscribed_topic_names && !req.subscribed_topic_regex) {
            return "Either SubscribedTopicNames or SubscribedTopicRegex must be non-null when (re-)joining.";
        }
    } else if (req.member_epoch == leave_static_group_epoch) {
        if (!req.instance_id) return "InstanceId can't be null.";
    } else if (req.member_epoch < leave_static_group_epoch) {
        return "MemberEpoch is invalid.";
    }
    return std::nullopt;
}

}  // namespace

// ---- ConsumerGroupHeartbeat ----

heartbeat_response coordinator::consumer_heartbeat(const protocol::consumer_group_heartbeat_request& req,
                                                   int16_t version, const std::string& client_id,
                                                   const std::string& client_host) {
    if (auto why = invalid_heartbeat(req, version)) return heartbeat_error(error_code::invalid_request, *why);
    if (req.server_assignor &&
        std::find(settings_.consumer_assignors.begin(), settings_.consumer_assignors.end(), *req.server_assignor) ==
            settings_.consumer_assignors.end()) {
        std::string known;
        for (const auto& a : settings_.consumer_assignors)
            known += (known.empty() ? "" : ", ") + a;
        return heartbeat_error(
            error_code::unsupported_assignor,
            "ServerAssignor " + *req.server_assignor + " is not supported. Supported assignors: " + known + ".");
    }
    if (req.subscribed_topic_regex && !req.subscribed_topic_regex->empty() &&
        !compile_regex(*req.subscribed_topic_regex)) {
        return heartbeat_error(
            error_code::invalid_regular_expression,
            "SubscribedTopicRegex `" + *req.subscribed_topic_regex + "` is not a valid regular expression.");
    }
    if (ensure_offsets_topic() != error_code::none) {
        return heartbeat_error(error_code::coordinator_not_available, "The coordinator is not available.");
    }
    if (error_code e = serving(req.group_id); e != error_code::none) {
        return heartbeat_error(e, "This broker does not coordinate group " + req.group_id + " now.");
    }

    const bool joining = req.member_epoch == 0;
    group* g = find(req.group_id);
    if (g == nullptr) {
        if (!joining) {
            return heartbeat_error(error_code::group_id_not_found, "Consumer group " + req.group_id + " not found.");
        }
        g = groups_.emplace(req.group_id, std::make_unique<group>(req.group_id)).first->second.get();
        g->set_state(group_state::empty, now_ms());
    }
    if (g->consumer() == nullptr) {
        // An empty classic group becomes a consumer group; a live one does
        // when the migration policy allows and its members' embedded
        // protocol reads (they stay, as classic members); otherwise it
        // keeps its protocol.
        if (!joining) {
            return heartbeat_error(error_code::group_id_not_found,
                                   "Group " + req.group_id + " is not a consumer group.");
        }
        if (g->empty() && g->state() == group_state::empty) {
            g->make_consumer();
            // The classic group's metadata record goes; its offsets stay.
            persist(g->id(), {{group_metadata_key(g->id()), std::nullopt}});
        } else if (!upgrade_to_consumer(*g)) {
            return heartbeat_error(error_code::group_id_not_found,
                                   "Group " + req.group_id + " is not a consumer group.");
        }
    }
    consumer_group& cg = *g->consumer();
    const int64_t now = now_ms();
    std::vector<keyed_value> records;
    bool bump = false;

    // Leaving: -1 for good, -2 for a static member that will be back.
    if (req.member_epoch == leave_group_epoch || req.member_epoch == leave_static_group_epoch) {
        consumer_member* m = cg.find(req.member_id);
        if (m == nullptr) {
            return heartbeat_error(error_code::unknown_member_id,
                                   "Member " + req.member_id + " is not a member of group " + req.group_id + ".");
        }
        heartbeat_response r;
        r.member_id = req.member_id;
        r.member_epoch = req.member_epoch;
        if (req.member_epoch == leave_static_group_epoch && m->instance_id) {
            // Kept, with its assignment, until it rejoins or its session ends.
            m->member_epoch = leave_static_group_epoch;
            records.push_back(current_assignment_record(cg.id(), m->id, m));
        } else if (maybe_downgrade(*g, req.member_id)) {
            return r;
        } else {
            fence_consumer_member(cg, req.member_id, records);
        }
        persist(g->id(), records);
        return r;
    }

    consumer_member* m = nullptr;
    if (joining) {
        std::string member_id = req.member_id.empty() ? random_member_id() : req.member_id;
        consumer_member* existing = cg.find(member_id);
        consumer_member* holder = req.instance_id ? cg.find_static(*req.instance_id) : nullptr;
        if (holder != nullptr && holder->id != member_id) {
            if (holder->member_epoch != leave_static_group_epoch) {
                return heartbeat_error(
                    error_code::unreleased_instance_id,
                    "Static member " + holder->id + " with instance id " + *req.instance_id + " is not released yet.");
            }
            // A static member comes back under a new member id: it takes
            // over the old one's assignment, with no rebalance.
            auto replacement = std::make_unique<consumer_member>(*holder);
            replacement->id = member_id;
            partition_set target = cg.target_of(holder->id);
            std::string old_id = holder->id;
            records.push_back(current_assignment_record(cg.id(), old_id, nullptr));
            records.push_back(target_member_record(cg.id(), old_id, nullptr));
            records.push_back(member_metadata_record(cg.id(), old_id, nullptr));
            cg.remove(old_id);
            replacement->member_epoch = 0;
            replacement->previous_member_epoch = 0;
            m = &cg.add(std::move(replacement));
            cg.target()[member_id] = target;
            records.push_back(target_member_record(cg.id(), member_id, &cg.target()[member_id]));
        } else if (existing != nullptr) {
            // Rejoining with epoch 0: the member has given up what it had.
            m = existing;
            m->member_epoch = 0;
            m->state = member_state::stable;
            cg.set_member_assignment(*m, {}, {});
        } else {
            if (static_cast<int32_t>(cg.members().size()) >= settings_.consumer_max_size) {
                return heartbeat_error(error_code::group_max_size_reached,
                                       "The consumer group has reached its maximum capacity of " +
                                           std::to_string(settings_.consumer_max_size) + " members.");
            }
            auto fresh = std::make_unique<consumer_member>();
            fresh->id = member_id;
            fresh->instance_id = req.instance_id;
            m = &cg.add(std::move(fresh));
            bump = true;
        }
    } else {
        m = cg.find(req.member_id);
        if (m == nullptr) {
            return heartbeat_error(error_code::unknown_member_id,
                                   "Member " + req.member_id + " is not a member of group " + req.group_id + ".");
        }
        std::optional<partition_set> owned;
        if (req.topic_partitions) owned = to_partition_set(*req.topic_partitions);
        // A member one epoch behind that owns only what it is assigned may
        // simply have missed our last answer.
        bool behind_ok = req.member_epoch == m->previous_member_epoch && owned && is_subset(*owned, m->assigned);
        if (req.member_epoch > m->member_epoch || (req.member_epoch < m->member_epoch && !behind_ok)) {
            return heartbeat_error(
                error_code::fenced_member_epoch,
                "The consumer group member has a " +
                    std::string(req.member_epoch > m->member_epoch ? "greater" : "smaller") + " member epoch (" +
                    std::to_string(req.member_epoch) + ") than the one known by the group coordinator (" +
                    std::to_string(m->member_epoch) + "). The member must abandon all its partitions and rejoin.");
        }
    }

    const partition_set assigned_before = m->assigned;
    admit_consumer_member(cg, *m, req, client_id, client_host, joining, records, bump);
    if (refresh_subscriptions(cg, records)) bump = true;
    if (bump) bump_and_assign(cg, records);

    std::optional<partition_set> owned;
    if (joining) {
        owned = partition_set{};
    } else if (req.topic_partitions) {
        owned = to_partition_set(*req.topic_partitions);
    }
    if (cg.reconcile(*m, owned) || joining) records.push_back(current_assignment_record(cg.id(), m->id, m));

    m->session_deadline_ms =
        now + group_interval(settings_, g->id(), "consumer.session.timeout.ms", settings_.consumer_session_timeout_ms);
    if (m->state == member_state::unrevoked_partitions) {
        if (m->revocation_deadline_ms == 0) m->revocation_deadline_ms = now + std::max(m->rebalance_timeout_ms, 0);
    } else {
        m->revocation_deadline_ms = 0;
    }

    if (persist(g->id(), records) != error_code::none) {
        return heartbeat_error(error_code::coordinator_not_available, "Writing the group's records failed.");
    }

    heartbeat_response r;
    r.member_id = m->id;
    r.member_epoch = m->member_epoch;
    r.heartbeat_interval_ms = group_interval(settings_, g->id(), "consumer.heartbeat.interval.ms",
                                             settings_.consumer_heartbeat_interval_ms);
    // A full request (what a member sends after an error or a lost
    // answer: timeout, subscription and owned partitions) gets the
    // assignment again, as does any change of it.
    bool full_request = req.rebalance_timeout_ms != -1 &&
                        (req.subscribed_topic_names || req.subscribed_topic_regex) && req.topic_partitions;
    if (joining || full_request || m->assigned != assigned_before) {
        heartbeat_response::assignment_data a;
        for (const auto& [topic, parts] : m->assigned) {
            heartbeat_response::topic_partitions_data t;
            t.topic_id = topic;
            t.partitions.assign(parts.begin(), parts.end());
            a.topic_partitions.push_back(std::move(t));
        }
        r.assignment = std::move(a);
    }
    return r;
}

// Takes what the request says about the member (null fields: unchanged).
void coordinator::admit_consumer_member(consumer_group& cg, consumer_member& m,
                                        const protocol::consumer_group_heartbeat_request& req,
                                        const std::string& client_id, const std::string& client_host, bool joining,
                                        std::vector<keyed_value>& records, bool& bump) {
    consumer_member before = m;
    m.classic.reset();  // a member heartbeating this way uses the consumer protocol
    m.join_deadline_ms = 0;
    m.sync_deadline_ms = 0;
    m.client_id = client_id;
    m.client_host = client_host;
    if (joining && req.instance_id) m.instance_id = req.instance_id;
    if (req.rack_id) m.rack_id = req.rack_id;
    if (req.rebalance_timeout_ms != -1) m.rebalance_timeout_ms = req.rebalance_timeout_ms;
    if (req.subscribed_topic_names) {
        std::vector<std::string> names = *req.subscribed_topic_names;
        std::sort(names.begin(), names.end());
        names.erase(std::unique(names.begin(), names.end()), names.end());
        m.subscribed_topic_names = std::move(names);
    }
    if (req.subscribed_topic_regex) {
        m.subscribed_topic_regex = req.subscribed_topic_regex->empty() ? std::nullopt : req.subscribed_topic_regex;
    }
    if (req.server_assignor) m.server_assignor = req.server_assignor->empty() ? std::nullopt : req.server_assignor;

    bool subscription_changed = m.subscribed_topic_names != before.subscribed_topic_names ||
                                m.subscribed_topic_regex != before.subscribed_topic_regex ||
                                m.server_assignor != before.server_assignor;
    if (subscription_changed) bump = true;
    if (bump || subscription_changed || m.rack_id != before.rack_id || m.client_id != before.client_id ||
        m.client_host != before.client_host || m.rebalance_timeout_ms != before.rebalance_timeout_ms ||
        m.instance_id != before.instance_id || m.classic != before.classic || joining) {
        records.push_back(member_metadata_record(cg.id(), m.id, &m));
    }
}

bool coordinator::refresh_subscriptions(consumer_group& cg, std::vector<keyed_value>& records) {
    std::map<std::string, subscribed_topic> now;
    auto take = [&](const topic_state& t) {
        now[t.meta.name] = subscribed_topic{t.meta.topic_id, static_cast<int32_t>(t.partitions.size())};
    };
    for (const auto& [id, m] : cg.members()) {
        for (const auto& name : m->subscribed_topic_names) {
            if (const topic_state* t = broker_.topics().find(name)) take(*t);
        }
        if (!m->subscribed_topic_regex) continue;
        auto re = compile_regex(*m->subscribed_topic_regex);
        if (!re) continue;
        for (const auto& [name, t] : broker_.topics().all()) {
            if (!t->internal() && std::regex_match(name, *re)) take(*t);
        }
    }
    if (now == cg.subscribed_topics()) return false;
    cg.subscribed_topics() = std::move(now);
    records.push_back(subscribed_topics_record(cg.id(), cg.subscribed_topics()));
    return true;
}

void coordinator::bump_and_assign(consumer_group& cg, std::vector<keyed_value>& records) {
    cg.set_group_epoch(cg.group_epoch() + 1);
    records.push_back(group_epoch_record(cg.id(), cg.group_epoch()));

    assignor_input input;
    for (const auto& [name, t] : cg.subscribed_topics())
        input.partitions[t.id] = t.partitions;
    for (const auto& [id, m] : cg.members()) {
        assignor_member am;
        for (const auto& name : m->subscribed_topic_names) {
            if (auto it = cg.subscribed_topics().find(name); it != cg.subscribed_topics().end()) {
                am.topics.insert(it->second.id);
            }
        }
        if (m->subscribed_topic_regex) {
            if (auto re = compile_regex(*m->subscribed_topic_regex)) {
                for (const auto& [name, t] : cg.subscribed_topics()) {
                    if (std::regex_match(name, *re)) am.topics.insert(t.id);
                }
            }
        }
        am.current = cg.target_of(id);
        input.members.emplace(id, std::move(am));
    }
    std::string assignor = cg.preferred_assignor().value_or(settings_.consumer_assignors.front());
    assignor_output out = run_assignor(assignor, input).value_or(assignor_output{});

    for (const auto& [id, m] : cg.members()) {
        partition_set& next = out[id];
        if (cg.target().contains(id) && cg.target()[id] == next) continue;
        cg.target()[id] = next;
        records.push_back(target_member_record(cg.id(), id, &cg.target()[id]));
    }
    cg.set_assignment_epoch(cg.group_epoch());
    records.push_back(target_epoch_record(cg.id(), cg.assignment_epoch()));
}

void coordinator::fence_consumer_member(consumer_group& cg, const std::string& member_id,
                                        std::vector<keyed_value>& records) {
    records.push_back(current_assignment_record(cg.id(), member_id, nullptr));
    records.push_back(target_member_record(cg.id(), member_id, nullptr));
    records.push_back(member_metadata_record(cg.id(), member_id, nullptr));
    cg.remove(member_id);
    refresh_subscriptions(cg, records);
    bump_and_assign(cg, records);
}

// Sessions that ended, revocations that took longer than the member's
// rebalance timeout, and topics that appeared, went or grew.
void coordinator::tick_consumer_groups(int64_t now) {
    bool check_topics = now - last_subscription_check_ms_ >= settings_.subscription_check_ms;
    if (check_topics) last_subscription_check_ms_ = now;
    for (auto& [id, g] : groups_) {
        consumer_group* cg = g->consumer();
        if (cg == nullptr) continue;
        std::vector<keyed_value> records;
        std::vector<std::pair<std::string, const char*>> expired;
        for (const auto& [mid, m] : cg->members()) {
            auto over = [now](int64_t deadline) { return deadline != 0 && now > deadline; };
            // Classic members have no revocation timer: they must rejoin
            // and sync within their rebalance timeout instead (Kafka's
            // join and sync timeouts).
            if (over(m->session_deadline_ms)) {
                expired.emplace_back(mid, "its session timed out");
            } else if (!m->classic && over(m->revocation_deadline_ms)) {
                expired.emplace_back(mid, "it did not revoke its partitions within its rebalance timeout");
            } else if (m->classic && over(m->join_deadline_ms)) {
                expired.emplace_back(mid, "the classic member failed to join within the rebalance timeout");
            } else if (m->classic && over(m->sync_deadline_ms)) {
                expired.emplace_back(mid, "the member failed to sync within timeout");
            }
        }
        bool downgraded = false;
        for (const auto& [mid, why] : expired) {
            spdlog::info("group {}: member {} removed ({})", id, mid, why);
            // Earlier removals are written first: the conversion's records follow them.
            if (!records.empty()) persist(id, records);
            records.clear();
            if (maybe_downgrade(*g, mid)) {
                downgraded = true;
                break;
            }
            fence_consumer_member(*cg, mid, records);
        }
        if (downgraded) continue;
        if (check_topics && !cg->empty() && refresh_subscriptions(*cg, records)) bump_and_assign(*cg, records);
        if (!records.empty()) persist(id, records);
    }
}

// ---- ConsumerGroupDescribe ----

protocol::consumer_group_describe_response::described_group coordinator::describe_consumer(
    const std::string& group_id) {
    using described = protocol::consumer_group_describe_response::described_group;
    using response_t = protocol::consumer_group_describe_response;
    described out;
    out.group_id = group_id;
    if (error_code e = serving(group_id); e != error_code::none) {
        out.error_code = to_wire(e);
        return out;
    }
    group* g = find(group_id);
    if (g == nullptr || g->state() == group_state::dead) {
        out.error_code = to_wire(error_code::group_id_not_found);
        out.error_message = "Group " + group_id + " not found.";
        return out;
    }
    const consumer_group* cg = g->consumer();
    if (cg == nullptr) {
        out.error_code = to_wire(error_code::group_id_not_found);
        out.error_message = "Group " + group_id + " is not a consumer group.";
        return out;
    }
    out.group_state = cg->state_name();
    out.group_epoch = cg->group_epoch();
    out.assignment_epoch = cg->assignment_epoch();
    out.assignor_name = cg->preferred_assignor().value_or(settings_.consumer_assignors.front());
    auto assignment_of = [&](const partition_set& set) {
        response_t::assignment_data a;
        for (const auto& [topic, parts] : set) {
            response_t::topic_partitions_data t;
            t.topic_id = topic;
            if (const topic_state* ts = broker_.topics().find(topic)) t.topic_name = ts->meta.name;
            t.partitions.assign(parts.begin(), parts.end());
            a.topic_partitions.push_back(std::move(t));
        }
        return a;
    };
    for (const auto& [id, m] : cg->members()) {
        response_t::member rm;
        rm.member_id = id;
        rm.instance_id = m->instance_id;
        rm.rack_id = m->rack_id;
        rm.member_epoch = m->member_epoch;
        rm.client_id = m->client_id;
        rm.client_host = m->client_host;
        rm.subscribed_topic_names = m->subscribed_topic_names;
        rm.subscribed_topic_regex = m->subscribed_topic_regex;
        rm.assignment = assignment_of(m->assigned);
        rm.target_assignment = assignment_of(cg->target_of(id));
        out.members.push_back(std::move(rm));
    }
    return out;
}

// ---- loading, deleting, committing ----

void coordinator::restore_consumer_group(group& g, consumer_group_image image, int64_t now) {
    consumer_group& cg = g.make_consumer();
    cg.set_group_epoch(image.group_epoch.value_or(0));
    cg.set_assignment_epoch(image.assignment_epoch);
    cg.subscribed_topics() = std::move(image.subscribed);
    cg.target() = std::move(image.target);
    for (auto& [id, loaded] : image.members) {
        auto m = std::make_unique<consumer_member>(std::move(loaded));
        // Members loaded from the log get a full session to come back.
        m->session_deadline_ms =
            now + (m->classic ? m->classic->session_timeout_ms
                              : group_interval(settings_, g.id(), "consumer.session.timeout.ms",
                                               settings_.consumer_session_timeout_ms));
        m->revocation_deadline_ms =
            m->state == member_state::unrevoked_partitions ? now + std::max(m->rebalance_timeout_ms, 0) : 0;
        cg.add(std::move(m));
    }
}

std::vector<keyed_value> coordinator::consumer_group_tombstones(const consumer_group& cg) const {
    std::vector<keyed_value> out;
    for (const auto& [id, m] : cg.members()) {
        out.push_back(current_assignment_record(cg.id(), id, nullptr));
        out.push_back(target_member_record(cg.id(), id, nullptr));
        out.push_back(member_metadata_record(cg.id(), id, nullptr));
    }
    out.push_back(target_epoch_record(cg.id(), std::nullopt));
    out.push_back(subscribed_topics_record(cg.id(), std::nullopt));
    out.push_back(group_epoch_record(cg.id(), std::nullopt));  // last: it ends the group
    return out;
}

// Kafka's rules for OffsetCommit against a consumer group: the member and
// its current epoch (v9+); older versions cannot name a member epoch.
error_code coordinator::validate_consumer_commit(group& g, const std::string& member_id, int32_t member_epoch,
                                                 int16_t version) {
    consumer_group& cg = *g.consumer();
    if (member_epoch < 0 && cg.empty()) return error_code::none;
    consumer_member* m = cg.find(member_id);
    if (m == nullptr) return error_code::unknown_member_id;
    // A classic member commits with its member epoch as the generation.
    if (!m->classic && version < 9) return error_code::unsupported_version;
    if (member_epoch != m->member_epoch) {
        return m->classic ? error_code::illegal_generation : error_code::stale_member_epoch;
    }
    return error_code::none;
}

error_code coordinator::check_offset_fetch_member(const std::string& group_id,
                                                  const std::optional<std::string>& member_id, int32_t member_epoch) {
    if (error_code e = serving(group_id); e != error_code::none) return e;
    group* g = find(group_id);
    if (g == nullptr || g->consumer() == nullptr) return error_code::none;
    // Without a member (admin tools, assign() users) anyone may read.
    if (!member_id && member_epoch < 0) return error_code::none;
    consumer_member* m = member_id ? g->consumer()->find(*member_id) : nullptr;
    if (m == nullptr) return error_code::unknown_member_id;
    if (member_epoch != m->member_epoch) {
        return m->classic ? error_code::illegal_generation : error_code::stale_member_epoch;
    }
    return error_code::none;
}

}  // namespace sluice::broker::groups
