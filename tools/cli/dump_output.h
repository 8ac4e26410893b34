#pragma once
// Where `sluice dump-log` puts what it finds in a file: Kafka's
// kafka-dump-log text, or (--json) one JSON object per file. The readers in
// segment_dump.cc and index_dump.cc report events here and never format
// anything themselves, so both forms always show the same facts.
#include <boost/json.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "protocol/record_batch.h"

namespace sluice::tools {

class dump_output {
public:
    virtual ~dump_output() = default;

    // kind: "log", "index" or "timeindex".
    virtual void begin_file(const std::string& path, std::string_view kind, std::optional<int64_t> base_offset) = 0;
    virtual void batch(const protocol::batch_header& h, uint64_t position, uint64_t size, bool crc_ok) = 0;
    // A pre-0.11 message set, shown but not decoded.
    virtual void legacy_batch(int64_t base_offset, uint64_t position, uint64_t size, int magic) = 0;
    virtual void record(const protocol::batch_header& h, const protocol::record& r) = 0;
    virtual void offset_entry(int64_t offset, uint32_t position) = 0;
    virtual void time_entry(int64_t timestamp, int64_t offset) = 0;
    // Something wrong with the file (counted as a problem by the caller).
    virtual void problem(const std::string& message) = 0;
    // Something worth knowing that is not wrong.
    virtual void note(const std::string& message) = 0;
    // --verify's closing count; `what` is "batch(es)" or "entries".
    virtual void verified(size_t items, std::string_view what, std::optional<uint64_t> bytes, uint64_t file_size,
                          size_t problems) = 0;
    virtual void end_file() = 0;
};

// kafka-dump-log's lines on `out`.
std::unique_ptr<dump_output> text_dump_output(std::ostream& out);

// Collects {"files": [...], "problems": N} for print_json; call document()
// with the readers' total count (a batch with a bad CRC counts as one but
// shows only as "crc_valid": false, not among a file's "problems" messages).
class json_dump_output : public dump_output {
public:
    void begin_file(const std::string& path, std::string_view kind, std::optional<int64_t> base_offset) override;
    void batch(const protocol::batch_header& h, uint64_t position, uint64_t size, bool crc_ok) override;
    void legacy_batch(int64_t base_offset, uint64_t position, uint64_t size, int magic) override;
    void record(const protocol::batch_header& h, const protocol::record& r) override;
    void offset_entry(int64_t offset, uint32_t position) override;
    void time_entry(int64_t timestamp, int64_t offset) override;
    void problem(const std::string& message) override;
    void note(const std::string& message) override;
    void verified(size_t items, std::string_view what, std::optional<uint64_t> bytes, uint64_t file_size,
                  size_t problems) override;
    void end_file() override;

    boost::json::object document(size_t problems);

private:
    boost::json::array& list(std::string_view key);

    boost::json::array files_;
    boost::json::object file_;
};

}  // namespace sluice::tools
