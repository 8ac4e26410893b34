#pragma once
// The work behind `sluice produce`/`consume` and kafka-console-producer.sh /
// kafka-console-consumer.sh: both front ends parse their own flags into these
// settings, so the two spellings behave the same.
#include <chrono>
#include <cstdint>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "protocol/record_batch.h"

namespace sluice::tools {

struct produce_settings {
    std::string bootstrap;
    std::chrono::milliseconds timeout{10000};
    std::string topic;
    std::optional<int32_t> partition;  // else by key (murmur2), or one partition per run for unkeyed records
    int16_t acks = -1;                 // Kafka's console producer default: all
    protocol::compression codec = protocol::compression::none;
    std::optional<std::string> key_separator;      // split each line into key and value
    std::optional<std::string> headers_delimiter;  // split "headers<delim>rest" (parse.headers)
    std::string headers_separator = ",";
    std::string headers_key_separator = ":";
    std::vector<std::pair<std::string, std::string>> headers;  // added to every record
    std::optional<std::string> value;                          // one record with this value instead of stdin lines
    std::optional<std::string> key;                            // key for --value
    bool ignore_error = false;  // a line without the separators is not an error (ignore.error)
    std::string null_marker;    // a key/value equal to it is sent as null (empty: off)
    size_t batch_size = 500;    // records per Produce request
    bool quiet = false;         // no summary line
    bool json = false;          // the summary as a JSON document on stdout (sluice produce --json)
};

// Reads lines from `in` (or the one --value) and produces them. Returns the
// number of records sent; throws cli_error/usage_error on failure (with the
// count already sent in the message).
size_t produce_records(const produce_settings& s, std::istream& in, std::ostream& err);

enum class start_at { latest, earliest, offset, committed };

struct consume_settings {
    std::string bootstrap;
    std::chrono::milliseconds request_timeout{10000};
    std::string topic;
    std::optional<int32_t> partition;  // else every partition
    start_at start = start_at::latest;
    int64_t start_offset = 0;           // with start_at::offset
    std::optional<std::string> group;   // read from and commit to this group's offsets
    bool group_reset_earliest = false;  // no committed offset: earliest (else latest)
    std::optional<long long> max_messages;
    std::optional<std::chrono::milliseconds> idle_timeout;  // exit after this long without a record
    bool read_committed = false;
    bool print_key = false, print_value = true, print_headers = false, print_timestamp = false;
    bool print_offset = false, print_partition = false;
    std::string key_separator = "\t";
    std::string line_separator = "\n";
    std::string headers_separator = ",";
    std::string headers_key_separator = ":";
    std::string null_literal = "null";
    // One JSON object per record and line (every field; --print ignored),
    // for `sluice consume --json`.
    bool json = false;
};

// Fetches and prints records until max_messages, the idle timeout, or (with
// neither) forever. Returns the number printed.
long long consume_records(const consume_settings& s, std::ostream& out, std::ostream& err);

}  // namespace sluice::tools
