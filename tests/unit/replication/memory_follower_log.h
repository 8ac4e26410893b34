#pragma once
// An in-memory follower_log for the fetcher's tests, and the batch builder
// the fake leader shares with it. It is strict where a real log is: batches
// must be whole, pass their CRC and start exactly at the log end offset, so
// a fetcher that appends twice or skips records fails the append.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "log/leader_epoch_cache.h"
#include "protocol/record_batch.h"
#include "replication/follower_log.h"

namespace sluice::replication::testing {

// `count` records at `base` stamped with leader `epoch`; `tag` makes the
// values differ between logs that diverged.
inline protocol::bytes make_epoch_batch(int64_t base, int count, int32_t epoch, char tag) {
    std::vector<protocol::record> records;
    for (int i = 0; i < count; ++i) {
        protocol::record r;
        r.offset = base + i;
        r.timestamp = 1'000 + base + i;
        r.value =
            protocol::bytes{static_cast<uint8_t>(tag), static_cast<uint8_t>(epoch), static_cast<uint8_t>(base + i)};
        records.push_back(std::move(r));
    }
    protocol::batch_builder_options options;
    options.base_offset = base;
    options.partition_leader_epoch = epoch;
    return protocol::build_batch(records, options);
}

struct stored_batch {
    int64_t base = 0;
    int64_t last = 0;
    int32_t epoch = -1;
    protocol::bytes data;
    bool operator==(const stored_batch&) const = default;
};

// Batches and epochs, as a leader or a follower keeps them.
class memory_log_state {
public:
    std::vector<stored_batch> batches;
    int64_t start = 0;
    int64_t end = 0;
    int64_t hw = 0;
    log::leader_epoch_cache epochs{"/nonexistent/leader-epoch-checkpoint"};  // never written

    void add(int count, int32_t epoch, char tag) {
        protocol::bytes b = make_epoch_batch(end, count, epoch, tag);
        EXPECT_EQ(append(b), protocol::error_code::none);
    }

    protocol::error_code append(protocol::bytes_view data) {
        std::vector<stored_batch> parsed;
        int64_t next = end;
        protocol::batch_iterator it(data);
        while (auto batch = it.next()) {
            auto h = protocol::read_batch_header(*batch);
            if (!h || protocol::check_batch_crc(*batch) != protocol::error_code::none) {
                return protocol::error_code::corrupt_message;
            }
            if (h->base_offset != next) return protocol::error_code::invalid_record;
            parsed.push_back({h->base_offset, h->last_offset(), h->partition_leader_epoch,
                              protocol::bytes(batch->begin(), batch->end())});
            next = h->last_offset() + 1;
        }
        if (it.consumed() != data.size()) return protocol::error_code::corrupt_message;
        for (auto& b : parsed) {
            epochs.assign(b.epoch, b.base);
            end = b.last + 1;
            batches.push_back(std::move(b));
        }
        return protocol::error_code::none;
    }

    void truncate_to(int64_t to) {
        if (to >= end) return;
        while (!batches.empty() && batches.back().base >= to)
            batches.pop_back();
        // The tests cut at batch boundaries only, as a real log does.
        if (!batches.empty()) {
            EXPECT_LT(batches.back().last, to) << "truncation inside a batch";
        }
        end = to;
        hw = std::min(hw, to);
        epochs.truncate_from_end(to);
    }

    void advance_log_start(int64_t to) {
        EXPECT_GT(to, start);
        EXPECT_LE(to, hw);
        while (!batches.empty() && batches.front().last < to)
            batches.erase(batches.begin());
        start = to;
        epochs.truncate_from_start(to);
    }

    void truncate_fully_and_start_at(int64_t at) {
        batches.clear();
        start = end = hw = at;
        epochs.clear();
    }
};

class memory_follower_log : public follower_log {
public:
    memory_log_state state;
    int appends = 0;
    int truncations = 0;

    protocol::offset log_start_offset() const override { return protocol::offset(state.start); }
    protocol::offset log_end_offset() const override { return protocol::offset(state.end); }
    protocol::offset high_watermark() const override { return protocol::offset(state.hw); }
    std::optional<protocol::leader_epoch> latest_epoch() const override {
        auto e = state.epochs.latest_epoch();
        if (!e) return std::nullopt;
        return protocol::leader_epoch(*e);
    }
    epoch_end_offset end_offset_for(protocol::leader_epoch epoch) const override {
        auto e = state.epochs.end_offset_for(epoch.value(), state.end);
        return {protocol::leader_epoch(e.epoch), protocol::offset(e.start_offset)};
    }
    protocol::error_code append_as_is(protocol::bytes_view batches) override {
        ++appends;
        return state.append(batches);
    }
    void truncate_to(protocol::offset end) override {
        ++truncations;
        state.truncate_to(end.value());
    }
    void truncate_fully_and_start_at(protocol::offset start) override {
        ++truncations;
        state.truncate_fully_and_start_at(start.value());
    }
    void advance_log_start(protocol::offset start) override { state.advance_log_start(start.value()); }
    void set_high_watermark(protocol::offset hw) override {
        EXPECT_LE(hw.value(), state.end);
        state.hw = hw.value();
    }
};

}  // namespace sluice::replication::testing
