#pragma once
// GET /api/v1/topics/{t}/partitions/{p}/records: the message browser's
// reads. Starts at an offset, at the first record at or after a timestamp,
// or `limit` records before the end; returns committed records (below the
// high watermark; control batches left out) and the offset to ask for next,
// which is how the page follows new records (it polls from there).
//
// Bounded so a read cannot hold the I/O thread: at most max_limit records
// and about max_read_bytes of batches read; and nothing waits for the disk
// on it (cold pages are read in on the page cache warmer first).
#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "broker/http/router.h"
#include "protocol/record_batch.h"

namespace sluice::broker {
class broker;
}

namespace sluice::broker::http::console {

struct record_query {
    enum class start { offset, timestamp, end, beginning } from = start::beginning;
    int64_t value = 0;  // the offset or the timestamp
    int32_t limit = 50;
};

inline constexpr int32_t max_limit = 500;
inline constexpr size_t max_read_bytes = 1 << 20;

// offset=N | timestamp=ms | from=end|beginning (one of them; none is
// beginning), limit=1..max_limit. nullopt with `error` on anything else.
std::optional<record_query> parse_record_query(const std::map<std::string, std::string, std::less<>>& query,
                                               std::string& error);

// One record as the API shows it (offset, timestamp and its type, key,
// value and headers as {"text"} or {"base64"}, null when absent).
boost::json::object record_json(const protocol::record& r, bool log_append_time);

// Answers through `reply`, on the I/O executor, maybe after it returns.
void read_records(broker& b, const std::string& topic, int32_t partition, const record_query& q,
                  routes::reply_fn reply);

}  // namespace sluice::broker::http::console
