#pragma once
// GET /v1/topics/{topic}/keys/{key}/records?follow=true: the key's records
// as server-sent events (text/event-stream), first those from from_offset
// (or after Last-Event-ID) up to the high watermark, then each new one as
// the high watermark passes it, until the client disconnects.
//
//   id: <offset>
//   data: <the record as JSON, as in the GET's "records">
//   (blank line)
//
// A comment line ": keep-alive" every 15 s of quiet. A client resumes with
// the Last-Event-ID header (the next record after that offset) or
// from_offset. Refused as the GET is (its status and JSON error), plus: 400
// for follow=true with order=newest, view=corrected or format=ndjson, or a
// bad Last-Event-ID; 503 BROKER_NOT_AVAILABLE past sluice.http.key.follow.max
// streams on this broker. A partition deleted or whose log is gone ends
// the stream (the connection is closed).
//
// Waiting costs nothing: the stream parks a fetch_waiter on the partition
// (woken by whatever moves the high watermark, as long-poll fetches are)
// and reads only when woken, as the GET reads (index lookups on the I/O
// thread, cold batches read in on the page cache warmer first), at most
// 1000 records per read. A client too slow to take what is sent (4 MiB
// queued) is disconnected.
#include <optional>
#include <string_view>

#include "broker/http/router.h"

namespace sluice::broker {
class broker;
}

namespace sluice::broker::http {

inline constexpr int keep_alive_seconds = 15;

void serve_key_follow(broker& b, std::string_view target, std::optional<std::string_view> last_event_id,
                      routes::reply_fn reply);

}  // namespace sluice::broker::http
