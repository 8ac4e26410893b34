// Opening a partition directory whose files hold arbitrary bytes: segment
// recovery (re-validating every batch, rebuilding the indexes, truncating
// the rest) and the trusted open after a clean shutdown (loading and
// checking the index files).
//
// Input: one control byte, then the file content.
//   control & 7 (mod 6) picks where the content goes:
//     0  the .log of the only segment; opened after a crash (recovery)
//     1  the .log, opened as after a clean shutdown, empty index files
//     2  the .index of a valid segment (clean shutdown)
//     3  the .timeindex of a valid segment (clean shutdown)
//     4  the leader-epoch-checkpoint of a valid segment (clean shutdown)
//     5  the .log of a second segment after a valid one (crash)
//   (control >> 3) & 3 picks index.interval.bytes: 4096, 64, 1, 512.
//
// Checks: the log opens (bad content is cut, never fatal); every batch a
// read returns has a plausible header and offsets that increase, and after
// recovery a good CRC; a batch appends after the recovered data and reads
// back; the log, closed and reopened as after a clean shutdown, is trusted
// as it is, with the same offsets.
#include <spdlog/spdlog.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "fuzz/sample_log.h"
#include "log/file_util.h"
#include "log/format.h"
#include "log/partition_log.h"
#include "protocol/record_batch.h"

namespace {

using namespace sluice;
using protocol::bytes;
using protocol::bytes_view;
using protocol::error_code;

constexpr int64_t now_ms = fuzz::sample_now_ms;

std::filesystem::path scratch;  // this process's directory
std::filesystem::path dir;      // the partition directory, rebuilt for every input

// The files of the sample partition (fuzz/sample_log.h), as the log wrote them.
struct template_segment {
    bytes log, index, timeindex, epochs;
    int64_t next_offset = 0;
};
template_segment valid;

bytes read_file(const std::filesystem::path& path) {
    std::string raw;
    if (!log::file_util::read_small_file(path, raw)) std::abort();
    return bytes(raw.begin(), raw.end());
}

void write_file(const std::filesystem::path& path, bytes_view content) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr || std::fwrite(content.data(), 1, content.size(), f) != content.size()) std::abort();
    std::fclose(f);
}

std::filesystem::path segment_file(int64_t base, std::string_view suffix) {
    return dir / (log::format::file_stem(base) + std::string(suffix));
}

void fresh_dir() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    std::filesystem::create_directories(dir);
}

void make_template() {
    fresh_dir();
    valid.next_offset = fuzz::write_sample_partition(dir);
    if (valid.next_offset <= 0) std::abort();
    valid.log = read_file(segment_file(0, log::format::log_suffix));
    valid.index = read_file(segment_file(0, log::format::offset_index_suffix));
    valid.timeindex = read_file(segment_file(0, log::format::time_index_suffix));
    valid.epochs = read_file(dir / log::format::leader_epoch_file);
    if (valid.index.empty() || valid.timeindex.empty() || valid.epochs.empty()) std::abort();
}

void write_valid_segment(bool with_index, bool with_timeindex, bool with_epochs) {
    write_file(segment_file(0, log::format::log_suffix), valid.log);
    if (with_index) write_file(segment_file(0, log::format::offset_index_suffix), valid.index);
    if (with_timeindex) write_file(segment_file(0, log::format::time_index_suffix), valid.timeindex);
    if (with_epochs) write_file(dir / log::format::leader_epoch_file, valid.epochs);
}

// Reads every batch from the log start to the log end through the public
// read path and checks what comes back.
void check_contents(const log::partition_log& plog, bool crc_checked) {
    const int64_t end = plog.log_end_offset();
    int64_t offset = plog.log_start_offset();
    SLUICE_FUZZ_CHECK(offset <= end, "log start <= log end");
    int64_t previous_last = -1;
    for (int rounds = 0; offset < end; ++rounds) {
        SLUICE_FUZZ_CHECK(rounds < 100000, "reading the log terminates");
        auto result = plog.read(offset, 4096, end);
        SLUICE_FUZZ_CHECK(result.error == error_code::none, "reads inside the log succeed");
        SLUICE_FUZZ_CHECK(!result.slices.empty(), "a read below the log end returns data");
        for (const auto& slice : result.slices) {
            bytes data(slice.length);
            SLUICE_FUZZ_CHECK(log::file_util::pread_full(slice.fd, data.data(), data.size(), slice.offset) ==
                                  static_cast<int64_t>(data.size()),
                              "slices lie inside their file");
            protocol::batch_iterator it(data);
            while (auto batch = it.next()) {
                auto h = protocol::read_batch_header(*batch);
                SLUICE_FUZZ_CHECK(h && h->magic == protocol::current_magic, "reads return batches v2");
                SLUICE_FUZZ_CHECK(h->last_offset_delta >= 0, "batches end at or after their start");
                SLUICE_FUZZ_CHECK(h->base_offset > previous_last, "offsets increase from batch to batch");
                if (crc_checked) {
                    SLUICE_FUZZ_CHECK(protocol::check_batch_crc(*batch) == error_code::none,
                                      "recovery keeps only batches with a good CRC");
                }
                previous_last = h->last_offset();
            }
            SLUICE_FUZZ_CHECK(it.consumed() == data.size(), "slices hold whole batches");
        }
        SLUICE_FUZZ_CHECK(previous_last >= offset, "reads make progress");
        offset = previous_last + 1;
    }
    (void)plog.offset_for_timestamp(0);
    (void)plog.offset_for_timestamp(now_ms + 50);
    (void)plog.max_timestamp();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    spdlog::set_level(spdlog::level::off);
    // tmpfs when there is one: every input writes and reads a few files.
    // One directory per process, named by its pid: libFuzzer ends with
    // _Exit, so no exit handler removes it; the next run removes those of
    // processes that are gone.
    const std::filesystem::path base = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
    constexpr std::string_view prefix = "sluice-fuzz-";
    std::error_code ec;
    for (const auto& item : std::filesystem::directory_iterator(base, ec)) {
        std::string name = item.path().filename().string();
        if (name.rfind(prefix, 0) != 0) continue;
        long pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
        if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
            std::filesystem::remove_all(item.path(), ec);
        }
    }
    scratch = base / (std::string(prefix) + std::to_string(::getpid()));
    std::filesystem::remove_all(scratch, ec);
    dir = scratch / "t-0";
    make_template();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const int mode = (data[0] & 7) % 6;
    static constexpr int32_t intervals[] = {4096, 64, 1, 512};
    log::log_config config;
    config.index_interval_bytes = intervals[(data[0] >> 3) & 3];
    bytes_view content(data + 1, size - 1);

    fresh_dir();
    bool clean = false;
    switch (mode) {
        case 0:
            write_file(segment_file(0, log::format::log_suffix), content);
            break;
        case 1:
            write_file(segment_file(0, log::format::log_suffix), content);
            write_file(segment_file(0, log::format::offset_index_suffix), {});
            write_file(segment_file(0, log::format::time_index_suffix), {});
            clean = true;
            break;
        case 2:
            write_valid_segment(false, true, true);
            write_file(segment_file(0, log::format::offset_index_suffix), content);
            clean = true;
            break;
        case 3:
            write_valid_segment(true, false, true);
            write_file(segment_file(0, log::format::time_index_suffix), content);
            clean = true;
            break;
        case 4:
            write_valid_segment(true, true, false);
            write_file(dir / log::format::leader_epoch_file, content);
            clean = true;
            break;
        case 5:
            write_valid_segment(true, true, true);
            write_file(segment_file(valid.next_offset, log::format::log_suffix), content);
            break;
    }

    log::partition_log::open_options options;
    options.clean_shutdown = clean;
    options.recovery_point = 0;
    options.now_ms = now_ms;
    error_code error;
    auto plog = log::partition_log::open(dir, {"t", 0}, config, options, error);
    SLUICE_FUZZ_CHECK(plog != nullptr && error == error_code::none, "a log with bad content still opens");
    // Mode 1 trusts a clean shutdown: batch CRCs are not re-read then, as in Kafka.
    check_contents(*plog, mode != 1);

    // Offsets near INT64_MAX leave no room for more; Kafka would fail there too.
    const int64_t end = plog->log_end_offset();
    bytes batch = fuzz::sample_batch(3, now_ms);
    if (end <= INT64_MAX / 2) {
        auto appended = plog->append(batch, 7, now_ms);
        SLUICE_FUZZ_CHECK(appended.error == error_code::none, "a batch appends after recovered data");
        SLUICE_FUZZ_CHECK(appended.base_offset == end && plog->log_end_offset() == end + 3,
                          "the append takes the next offsets");
        auto back = plog->read(end, 1 << 20, plog->log_end_offset());
        SLUICE_FUZZ_CHECK(back.error == error_code::none && back.bytes == batch.size(), "the append reads back");
    }
    check_contents(*plog, mode != 1);

    const int64_t start = plog->log_start_offset();
    const int64_t final_end = plog->log_end_offset();
    plog->close();
    plog.reset();
    options.clean_shutdown = true;
    auto reopened = log::partition_log::open(dir, {"t", 0}, config, options, error);
    SLUICE_FUZZ_CHECK(reopened != nullptr, "a cleanly closed log reopens");
    SLUICE_FUZZ_CHECK(!reopened->recovered(), "a cleanly closed log is trusted as it is");
    SLUICE_FUZZ_CHECK(reopened->log_start_offset() == start && reopened->log_end_offset() == final_end,
                      "a clean reopen keeps the offsets");
    return 0;
}
