#include "tools/cli/dump_output.h"

#include <filesystem>

#include "tools/cli/file_input.h"

namespace sluice::tools {

namespace {

std::string_view codec_name(protocol::compression c) {
    switch (c) {
        case protocol::compression::none: return "none";
        case protocol::compression::gzip: return "gzip";
        case protocol::compression::snappy: return "snappy";
        case protocol::compression::lz4: return "lz4";
        case protocol::compression::zstd: return "zstd";
    }
    return "unknown";
}

std::string_view time_type(const protocol::batch_header& h) {
    return h.log_append_time() ? "LogAppendTime" : "CreateTime";
}

int64_t last_sequence(const protocol::batch_header& h) {
    return h.base_sequence < 0 ? -1 : h.base_sequence + h.last_offset_delta;
}

int64_t sequence_of(const protocol::batch_header& h, const protocol::record& r) {
    return h.base_sequence < 0 ? -1 : h.base_sequence + (r.offset - h.base_offset);
}

int64_t size_of(const std::optional<protocol::bytes>& b) { return b ? static_cast<int64_t>(b->size()) : -1; }

std::string header_name(const std::string& name) { return printable(protocol::bytes(name.begin(), name.end())); }

class text_output final : public dump_output {
public:
    explicit text_output(std::ostream& out) : out_(out) {}

    void begin_file(const std::string& path, std::string_view kind, std::optional<int64_t> base) override {
        out_ << "Dumping " << path << '\n';
        if (kind == "log") {
            if (base) out_ << "Log starting offset: " << *base << '\n';
        } else if (!base) {
            out_ << "(name is not <20-digit base offset>" << std::filesystem::path(path).extension().string()
                 << "; offsets shown relative to 0)\n";
        }
    }

    void batch(const protocol::batch_header& h, uint64_t pos, uint64_t size, bool crc_ok) override {
        out_ << "baseOffset: " << h.base_offset << " lastOffset: " << h.last_offset() << " count: " << h.record_count
             << " baseSequence: " << h.base_sequence << " lastSequence: " << last_sequence(h)
             << " producerId: " << h.producer_id << " producerEpoch: " << h.producer_epoch
             << " partitionLeaderEpoch: " << h.partition_leader_epoch
             << " isTransactional: " << (h.is_transactional() ? "true" : "false")
             << " isControl: " << (h.is_control() ? "true" : "false") << " position: " << pos << ' ' << time_type(h)
             << ": " << h.max_timestamp << " size: " << size << " magic: " << int{h.magic}
             << " compresscodec: " << codec_name(h.codec()) << " crc: " << h.crc
             << " isvalid: " << (crc_ok ? "true" : "false") << '\n';
    }

    void legacy_batch(int64_t base_offset, uint64_t pos, uint64_t size, int magic) override {
        out_ << "baseOffset: " << base_offset << " position: " << pos << " size: " << size << " magic: " << magic
             << " (legacy message set, not decoded)\n";
    }

    void record(const protocol::batch_header& h, const protocol::record& r) override {
        out_ << "| offset: " << r.offset << ' ' << time_type(h) << ": " << r.timestamp << " keySize: " << size_of(r.key)
             << " valueSize: " << size_of(r.value) << " sequence: " << sequence_of(h, r) << " headers: [";
        for (size_t i = 0; i < r.headers.size(); ++i) {
            out_ << (i ? ", " : "") << header_name(r.headers[i].first) << '=' << printable(r.headers[i].second);
        }
        out_ << "] key: " << printable(r.key) << " payload: " << printable(r.value) << '\n';
    }

    void offset_entry(int64_t offset, uint32_t position) override {
        out_ << "offset: " << offset << " position: " << position << '\n';
    }

    void time_entry(int64_t timestamp, int64_t offset) override {
        out_ << "timestamp: " << timestamp << " offset: " << offset << '\n';
    }

    void problem(const std::string& message) override { out_ << message << '\n'; }
    void note(const std::string& message) override { out_ << message << '\n'; }

    void verified(size_t items, std::string_view what, std::optional<uint64_t> bytes, uint64_t file_size,
                  size_t problems) override {
        out_ << "Verified " << items << ' ';
        if (what == "entries") {
            out_ << (items == 1 ? "entry" : "entries");
        } else {
            out_ << what;
        }
        if (bytes) out_ << " in " << *bytes << " of " << file_size << " bytes";
        out_ << ": " << (problems == 0 ? "no problems" : std::to_string(problems) + " problem(s)") << '\n';
    }

    void end_file() override {}

private:
    std::ostream& out_;
};

boost::json::value nullable_text(const std::optional<protocol::bytes>& b) {
    if (!b) return nullptr;
    return boost::json::value(printable(b));
}

std::string trimmed(const std::string& s) {
    size_t start = s.find_first_not_of(' ');
    return start == std::string::npos ? std::string() : s.substr(start);
}

}  // namespace

std::unique_ptr<dump_output> text_dump_output(std::ostream& out) { return std::make_unique<text_output>(out); }

boost::json::array& json_dump_output::list(std::string_view key) {
    auto it = file_.find(key);
    if (it == file_.end()) it = file_.emplace(key, boost::json::array()).first;
    return it->value().as_array();
}

void json_dump_output::begin_file(const std::string& path, std::string_view kind, std::optional<int64_t> base) {
    file_ = boost::json::object{{"path", path}, {"kind", kind}};
    file_["base_offset"] = base ? boost::json::value(*base) : boost::json::value(nullptr);
    file_["problems"] = boost::json::array();
}

void json_dump_output::batch(const protocol::batch_header& h, uint64_t pos, uint64_t size, bool crc_ok) {
    list("batches").push_back(boost::json::object{
        {"base_offset", h.base_offset},
        {"last_offset", h.last_offset()},
        {"count", h.record_count},
        {"base_sequence", h.base_sequence},
        {"last_sequence", last_sequence(h)},
        {"producer_id", h.producer_id},
        {"producer_epoch", h.producer_epoch},
        {"partition_leader_epoch", h.partition_leader_epoch},
        {"is_transactional", h.is_transactional()},
        {"is_control", h.is_control()},
        {"position", pos},
        {"timestamp_type", time_type(h)},
        {"max_timestamp", h.max_timestamp},
        {"size", size},
        {"magic", int{h.magic}},
        {"compression", codec_name(h.codec())},
        {"crc", h.crc},
        {"crc_valid", crc_ok},
    });
}

void json_dump_output::legacy_batch(int64_t base_offset, uint64_t pos, uint64_t size, int magic) {
    list("batches").push_back(boost::json::object{
        {"base_offset", base_offset}, {"position", pos}, {"size", size}, {"magic", magic}, {"decoded", false}});
}

void json_dump_output::record(const protocol::batch_header& h, const protocol::record& r) {
    auto& batches = list("batches");
    if (batches.empty()) return;
    auto& batch = batches.back().as_object();
    auto it = batch.find("records");
    if (it == batch.end()) it = batch.emplace("records", boost::json::array()).first;
    boost::json::array headers;
    for (const auto& [name, value] : r.headers) {
        headers.push_back(boost::json::object{{"key", header_name(name)}, {"value", nullable_text(value)}});
    }
    it->value().as_array().push_back(boost::json::object{
        {"offset", r.offset},
        {"timestamp", r.timestamp},
        {"key_size", size_of(r.key)},
        {"value_size", size_of(r.value)},
        {"sequence", sequence_of(h, r)},
        {"headers", std::move(headers)},
        {"key", nullable_text(r.key)},
        {"value", nullable_text(r.value)},
    });
}

void json_dump_output::offset_entry(int64_t offset, uint32_t position) {
    list("entries").push_back(boost::json::object{{"offset", offset}, {"position", position}});
}

void json_dump_output::time_entry(int64_t timestamp, int64_t offset) {
    list("entries").push_back(boost::json::object{{"timestamp", timestamp}, {"offset", offset}});
}

void json_dump_output::problem(const std::string& message) {
    list("problems").push_back(boost::json::string(trimmed(message)));
}

void json_dump_output::note(const std::string& message) { list("notes").push_back(boost::json::string(message)); }

void json_dump_output::verified(size_t items, std::string_view what, std::optional<uint64_t> bytes, uint64_t file_size,
                                size_t problems) {
    boost::json::object v{{what == "entries" ? "entries" : "batches", items}, {"problems", problems}};
    if (bytes) {
        v["bytes"] = *bytes;
        v["file_size"] = file_size;
    }
    file_["verified"] = std::move(v);
}

void json_dump_output::end_file() { files_.push_back(std::exchange(file_, {})); }

boost::json::object json_dump_output::document(size_t problems) {
    return boost::json::object{{"files", std::exchange(files_, {})}, {"problems", problems}};
}

}  // namespace sluice::tools
