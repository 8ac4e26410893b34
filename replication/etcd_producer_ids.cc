#include "replication/etcd_producer_ids.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

namespace sluice::replication {

using protocol::error_code;
using protocol::producer_id;

std::string producer_ids_value(producer_id next) {
    return boost::json::serialize(boost::json::object{{"next_producer_id", next.value()}});
}

std::optional<producer_id> producer_ids_from_value(const std::string& value) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(value, ec);
    if (ec || !v.is_object()) return std::nullopt;
    const boost::json::value* next = v.as_object().if_contains("next_producer_id");
    if (next == nullptr || !next->is_int64() || next->as_int64() < 0) return std::nullopt;
    return producer_id(next->as_int64());
}

void etcd_producer_ids::attempt(int attempts_left, block_fn done) {
    const seen expected = last_;
    const int64_t first = expected.next.value();
    constexpr int64_t size = producer_id_block::default_size;
    if (!producer_ids_left(first, size)) {
        return done(write_result{error_code::unknown_server_error, "Every producer id has been handed out.", false, 0},
                    {});
    }
    const std::string key = keys_.producer_ids();
    etcd::txn_request txn;
    txn.compares.push_back(expected.mod_revision == 0 ? etcd::compare::absent(key)
                                                      : etcd::compare::mod_revision_is(key, expected.mod_revision));
    txn.success.push_back(etcd::put_op{key, producer_ids_value(producer_id(first + size)), 0});
    txn.failure.push_back(etcd::range_op{key, ""});
    std::weak_ptr<bool> alive = alive_;
    client_.txn(txn, [this, alive, first, attempts_left, key,
                      done = std::move(done)](etcd::result<etcd::txn_response> r) mutable {
        if (alive.expired()) return;
        if (!r) {
            return done(write_result{error_code::request_timed_out,
                                     "cluster metadata store unavailable: " + r.err().message, false, 0},
                        {});
        }
        if (r->succeeded) {
            // The put is the txn's only write: its revision is the key's.
            last_ = seen{r->head.revision, producer_id(first + size)};
            return done(write_result{error_code::none, "", false, r->head.revision},
                        producer_id_block{producer_id(first), size});
        }
        // Lost: the failure branch read what won.
        const bool absent = r->results.empty() || r->results[0].empty();
        if (absent) {
            last_ = seen{};
        } else {
            const etcd::key_value& kv = r->results[0][0];
            auto next = producer_ids_from_value(kv.value);
            if (!next) {
                spdlog::error("cluster: unreadable producer id counter at {}: {}", key, kv.value);
                return done(write_result{error_code::unknown_server_error,
                                         "The producer id counter at " + key + " is unreadable.", false, 0},
                            {});
            }
            last_ = seen{kv.mod_revision, *next};
        }
        if (attempts_left <= 1) {
            return done(write_result{error_code::none, "Producer ids were taken concurrently; try again.", true, 0},
                        {});
        }
        attempt(attempts_left - 1, std::move(done));
    });
}

}  // namespace sluice::replication
