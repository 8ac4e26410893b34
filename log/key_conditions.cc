#include "log/key_conditions.h"

#include <fmt/format.h>

#include <cstring>
#include <string>
#include <unordered_map>

#include "log/key_corrections.h"
#include "log/key_read.h"
#include "log/partition_log.h"
#include "log/producer_state.h"
#include "protocol/record_batch.h"

namespace sluice::log {

using protocol::error_code;

namespace {

bool is_named(protocol::bytes_view name, std::string_view header) {
    return name.size() == header.size() && std::memcmp(name.data(), header.data(), name.size()) == 0;
}

bool is_header_name(protocol::bytes_view name) {
    return is_named(name, expected_offset_header) || is_named(name, corrects_offset_header);
}

bool payload_names_one(protocol::bytes_view payload) {
    for (std::string_view header : {expected_offset_header, corrects_offset_header}) {
        if (::memmem(payload.data(), payload.size(), header.data(), header.size()) != nullptr) return true;
    }
    return false;
}

bool is_checked_header(const std::string& name) {
    return name == expected_offset_header || name == corrects_offset_header;
}

// Whether a record's encoded header section names the header. Bounded: the
// batch was validated, but a short read simply ends the search.
bool headers_name_it(protocol::bytes_view headers, int32_t count) {
    protocol::reader r(headers);
    for (int32_t i = 0; i < count && r.ok(); ++i) {
        const int32_t key_length = r.read_varint();
        if (!r.ok() || key_length < 0 || static_cast<size_t>(key_length) > r.remaining()) return false;
        if (is_header_name(r.read_raw(static_cast<size_t>(key_length)))) return true;
        const int32_t value_length = r.read_varint();
        if (!r.ok() || value_length > static_cast<int32_t>(r.remaining())) return false;
        if (value_length > 0) r.skip(static_cast<size_t>(value_length));
    }
    return false;
}

// Whether any record of one validated batch carries the header. An
// uncompressed batch is searched as bytes (a name that is not a header
// name only costs the walk that follows); a compressed one is walked only
// where the answer matters (`walk_compressed`).
bool batch_may_carry_header(protocol::bytes_view batch, const protocol::batch_header& h, bool walk_compressed) {
    if (h.codec() == protocol::compression::none) {
        return payload_names_one(batch.subspan(protocol::batch_header_size));
    }
    if (!walk_compressed) return false;
    bool found = false;
    (void)protocol::for_each_record(batch, [&](const protocol::record_view& r) {
        if (!found && r.header_count > 0) found = headers_name_it(r.headers, r.header_count);
    });
    return found;
}

// A retry the producer state will answer with its first offsets, or a batch
// it will refuse: either way prepare_append decides, not the key check.
bool producer_state_decides(const protocol::batch_header& h, const partition_log& log, int64_t base_offset) {
    if (h.producer_id < 0) return false;
    protocol::batch_header assigned = h;
    assigned.base_offset = base_offset;
    producer_state::append scratch(log.producers());
    auto checked = scratch.check_client(assigned);
    return checked.duplicate.has_value() || checked.error != error_code::none;
}

std::string shown(protocol::bytes_view value) {
    std::string out;
    for (size_t i = 0; i < value.size() && i < 32; ++i) {
        const auto c = static_cast<char>(value[i]);
        out += (c >= 0x20 && c < 0x7f) ? std::string(1, c) : fmt::format("\\x{:02x}", value[i]);
    }
    if (value.size() > 32) out += "...";
    return out;
}

std::string key_text(const protocol::bytes& key) { return shown(protocol::bytes_view(key)); }

struct batch_checker {
    const partition_log& log;
    key_condition_verdict& verdict;
    // The keys of this append's records so far, and their newest offset.
    std::unordered_map<std::string, int64_t> in_batch;
    std::unordered_map<std::string, std::optional<int64_t>> looked_up;
    int64_t log_end = 0;  // before this append: a corrected record is below it

    void malformed(int32_t index, std::string message) {
        verdict.errors.push_back({index, std::move(message), false, -2, -1});
    }

    std::optional<int64_t> latest_of(const protocol::bytes& key) {
        std::string k(key.begin(), key.end());
        if (auto it = in_batch.find(k); it != in_batch.end()) return it->second;
        auto [it, inserted] = looked_up.try_emplace(k);
        if (inserted) it->second = latest_key_offset(log, protocol::bytes_view(key));
        return it->second;
    }

    void check(const std::vector<protocol::record>& records, int64_t batch_base, int64_t wire_base) {
        for (size_t i = 0; i < records.size(); ++i) {
            const protocol::record& rec = records[i];
            const auto index = static_cast<int32_t>(i);
            const int64_t own = batch_base + (rec.offset - wire_base);
            const std::optional<protocol::bytes>* value = nullptr;
            bool twice = false;
            for (const auto& [name, v] : rec.headers) {
                if (name != expected_offset_header) continue;
                twice = value != nullptr;
                value = &v;
            }
            if (value != nullptr) judge(rec, index, own, *value, twice);
            judge_correction(rec, index);
            if (rec.key) in_batch[std::string(rec.key->begin(), rec.key->end())] = own;
        }
    }

    void judge_correction(const protocol::record& rec, int32_t index) {
        const std::optional<protocol::bytes>* value = nullptr;
        bool twice = false;
        for (const auto& [name, v] : rec.headers) {
            if (name != corrects_offset_header) continue;
            twice = value != nullptr;
            value = &v;
        }
        if (value == nullptr) return;
        if (twice) return malformed(index, fmt::format("Header {} appears more than once.", corrects_offset_header));
        std::optional<int64_t> target;
        if (*value) target = parse_corrects_offset(protocol::bytes_view(**value));
        if (!target) {
            return malformed(index, fmt::format("Header {} must be a decimal offset, not '{}'.", corrects_offset_header,
                                                *value ? shown(protocol::bytes_view(**value)) : "null"));
        }
        if (!rec.key) {
            return malformed(index, fmt::format("A record with header {} needs a key.", corrects_offset_header));
        }
        if (*target >= log_end) {
            return malformed(index, fmt::format("Header {} names offset {}, not below the log end {}: only an "
                                                "appended record can be corrected.",
                                                corrects_offset_header, *target, log_end));
        }
        std::optional<bool> ours = key_has_record_at(log, protocol::bytes_view(*rec.key), *target);
        if (!ours) {
            verdict.code = error_code::kafka_storage_error;
            return;
        }
        if (!*ours) {
            malformed(index, fmt::format("Header {} names offset {}, which is not a record of key '{}'.",
                                         corrects_offset_header, *target, key_text(*rec.key)));
        }
    }

    void judge(const protocol::record& rec, int32_t index, int64_t own, const std::optional<protocol::bytes>& value,
               bool twice) {
        if (twice) return malformed(index, fmt::format("Header {} appears more than once.", expected_offset_header));
        std::optional<int64_t> expected;
        if (value) expected = parse_expected_offset(protocol::bytes_view(*value));
        if (!expected) {
            return malformed(index, fmt::format("Header {} must be a decimal offset or -1, not '{}'.",
                                                expected_offset_header,
                                                value ? shown(protocol::bytes_view(*value)) : "null"));
        }
        if (!rec.key) {
            return malformed(index, fmt::format("A record with header {} needs a key.", expected_offset_header));
        }
        if (*expected >= own) {
            return malformed(index, fmt::format("Header {} names offset {}, beyond the log end: this record would "
                                                "get offset {}.",
                                                expected_offset_header, *expected, own));
        }
        std::optional<int64_t> latest = latest_of(*rec.key);
        if (!latest) {
            verdict.code = error_code::kafka_storage_error;
            return;
        }
        if (*latest == *expected) return;
        verdict.errors.push_back(
            {index,
             fmt::format("Expected offset {} is not the latest offset of key '{}': the latest is {}.", *expected,
                         key_text(*rec.key), *latest == -1 ? std::string("-1 (no record)") : std::to_string(*latest)),
             true, *expected, *latest});
    }
};

}  // namespace

std::optional<int64_t> parse_expected_offset(protocol::bytes_view value) {
    size_t i = 0;
    const bool negative = !value.empty() && value[0] == '-';
    if (negative) ++i;
    const size_t digits = value.size() - i;
    if (digits == 0 || digits > 19) return std::nullopt;
    uint64_t n = 0;
    for (; i < value.size(); ++i) {
        if (value[i] < '0' || value[i] > '9') return std::nullopt;
        n = n * 10 + (value[i] - '0');
    }
    if (n > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    if (negative) return n == 1 ? std::optional<int64_t>(-1) : std::nullopt;
    return static_cast<int64_t>(n);
}

std::optional<int64_t> latest_key_offset(const partition_log& log, protocol::bytes_view key) {
    key_read_options options;
    options.newest_first = true;
    options.max_offset = -1;  // the log end, not the high watermark: what the next append follows
    // No byte bound: `more` then only means entries past the limit, so the
    // loop ends (a byte bound could stop short of any record of the key
    // forever behind a colliding key's batches).
    options.max_bytes = SIZE_MAX;
    // Usually the first entry is the key's; a hash collision needs more.
    for (options.limit = 1;; options.limit *= 16) {
        key_read_result r = read_key(log, key, options);
        if (r.error != error_code::none) return std::nullopt;
        if (!r.records.empty()) return r.records.front().record.offset;
        if (!r.more) return -1;
    }
}

std::optional<bool> key_has_record_at(const partition_log& log, protocol::bytes_view key, int64_t offset) {
    key_read_options options;
    options.from_offset = offset;
    options.max_offset = offset + 1;  // the one index entry at that offset, if any
    options.limit = 1;
    options.max_bytes = SIZE_MAX;
    key_read_result r = read_key(log, key, options);
    if (r.error != error_code::none) return std::nullopt;
    return !r.records.empty() && r.records.front().record.offset == offset;
}

key_condition_verdict check_key_conditions(std::span<const uint8_t> batches, const partition_log& log) {
    key_condition_verdict verdict;
    const bool indexed = log.config().key_index;
    const protocol::bytes_view all(batches.data(), batches.size());
    // First the cheap question, so that records without the header cost
    // one search (or walk) and nothing else.
    bool carried = false;
    protocol::batch_iterator scan{all};
    while (auto batch = scan.next()) {
        auto h = protocol::read_batch_header(*batch);
        if (!h) break;  // prepare_append refuses it
        if (batch_may_carry_header(*batch, *h, indexed)) {
            carried = true;
            break;
        }
    }
    if (!carried) return verdict;

    batch_checker checker{log, verdict, {}, {}, log.log_end_offset()};
    int64_t base = log.log_end_offset();
    protocol::batch_iterator it{all};
    while (auto batch = it.next()) {
        auto h = protocol::read_batch_header(*batch);
        if (!h) break;
        const int64_t batch_base = base;
        base += int64_t{h->last_offset_delta} + 1;
        if (producer_state_decides(*h, log, batch_base)) return {};
        std::vector<protocol::record> records;
        if (protocol::decode_records(*batch, records) != error_code::none) break;
        if (!indexed) {
            for (size_t i = 0; i < records.size(); ++i) {
                for (const auto& header : records[i].headers) {
                    if (!is_checked_header(header.first)) continue;
                    checker.malformed(static_cast<int32_t>(i),
                                      fmt::format("The topic has no key index (sluice.key.index.enable=false): "
                                                  "header {} cannot be checked.",
                                                  header.first));
                    break;
                }
            }
            continue;
        }
        checker.check(records, batch_base, h->base_offset);
        if (verdict.code != error_code::none) return verdict;
    }
    if (!verdict.errors.empty()) verdict.code = error_code::invalid_record;
    return verdict;
}

}  // namespace sluice::log
