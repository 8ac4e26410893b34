#pragma once
// POST /v1/query: the records of one topic that pass a filter
// (http/query_filter.h has the body), as newline-delimited JSON streamed
// chunked as they are found, one record per line (the JSON of key reads plus
// "partition"), then one summary line:
//   {"summary": {"records": n, "scanned_bytes": n, "truncated": bool,
//                "reason": null | "limit" | "max_bytes_scanned" | "error",
//                "next": {"<partition>": offset, ...}}}
// "next" names where each partition not finished would go on; sending the
// same body with "resume": next finishes the rest.
//
// What is read: per partition, from max(from_offset, log start, the time
// index's first offset at event_time.from, resume) up to min(to_offset, the
// last stable offset at the start of the query): committed data only, as a
// read_committed consumer sees it (aborted transactions and control batches
// left out). Partitions one after another, ascending, offsets ascending in
// each. With `keys` on a topic with the key index, only the batches the
// index names are read (in the keys' default partitions unless `partitions`
// is given); otherwise every batch is read and decoded (keys without the
// index only with allow_scan). scanned_bytes counts the bytes of batches read
// (records read alone: their bytes); the query stops at the first step past
// max_bytes_scanned, so it may pass it by up to one batch.
//
// Refused before anything is streamed, as the console API does: 400
// INVALID_REQUEST (body not JSON, unknown field, wrong type, keys without
// the key index and without allow_scan, ingestion_time "not supported yet"),
// 403 POLICY_VIOLATION (max_bytes_scanned above
// sluice.http.query.max.bytes.scanned.limit), 404 UNKNOWN_TOPIC_OR_PARTITION,
// 421 NOT_LEADER_OR_FOLLOWER (a partition with no replica here), 405 for
// another method. Trouble once streaming (a storage error, the partition
// deleted) ends the stream with a summary whose reason is "error", with
// "error" (a Kafka error name) and "message".
//
// Threading: everything runs on the I/O thread in bounded steps (about
// 256 KiB of batches, or 500 records per key, each), posted one after
// another so other work interleaves. A step plans its reads on the log's
// owner (the I/O thread) without waiting for the disk, has the page cache
// warmer read in what is cold, and only then reads and decodes. While the
// client has more than 1 MiB unread the query waits for it.
#include <string>
#include <string_view>

#include "broker/http/router.h"

namespace sluice::broker {
class broker;
}

namespace sluice::broker::http {

void serve_query(broker& b, std::string_view method, std::string body, routes::reply_fn reply);

}  // namespace sluice::broker::http
