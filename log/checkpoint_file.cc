#include "log/checkpoint_file.h"

#include <charconv>

#include "log/file_util.h"

namespace sluice::log {

namespace {

constexpr std::string_view current_version = "0";

// Splits on '\n'; a final newline does not make an extra empty line.
std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        size_t end = text.find('\n');
        lines.push_back(text.substr(0, end));
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    }
    return lines;
}

std::vector<std::string_view> split_fields(std::string_view line) {
    std::vector<std::string_view> fields;
    size_t start = 0;
    while (start <= line.size()) {
        size_t end = line.find(' ', start);
        if (end == std::string_view::npos) end = line.size();
        fields.push_back(line.substr(start, end - start));
        start = end + 1;
    }
    return fields;
}

template <typename Int>
std::optional<Int> parse_int(std::string_view s) {
    Int value{};
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    return value;
}

// The common frame: version line, count line, then `count` lines of `fields` fields.
std::optional<std::vector<std::vector<std::string_view>>> parse_frame(std::string_view text, size_t fields) {
    auto lines = split_lines(text);
    if (lines.size() < 2 || lines[0] != current_version) return std::nullopt;
    auto count = parse_int<int64_t>(lines[1]);
    if (!count || *count < 0 || static_cast<size_t>(*count) != lines.size() - 2) return std::nullopt;
    std::vector<std::vector<std::string_view>> rows;
    for (size_t i = 2; i < lines.size(); ++i) {
        auto row = split_fields(lines[i]);
        if (row.size() != fields) return std::nullopt;
        rows.push_back(std::move(row));
    }
    return rows;
}

std::string frame_header(size_t count) {
    return std::string(current_version) + "\n" + std::to_string(count) + "\n";
}

}  // namespace

std::string format_offset_checkpoint(const offset_checkpoint& offsets) {
    std::string text = frame_header(offsets.size());
    for (const auto& [tp, offset] : offsets) {
        text += tp.topic + " " + std::to_string(tp.partition) + " " + std::to_string(offset) + "\n";
    }
    return text;
}

std::optional<offset_checkpoint> parse_offset_checkpoint(std::string_view text) {
    auto rows = parse_frame(text, 3);
    if (!rows) return std::nullopt;
    offset_checkpoint offsets;
    for (const auto& row : *rows) {
        auto partition = parse_int<int32_t>(row[1]);
        auto offset = parse_int<int64_t>(row[2]);
        if (row[0].empty() || !partition || *partition < 0 || !offset) return std::nullopt;
        offsets[topic_partition{std::string(row[0]), *partition}] = *offset;
    }
    return offsets;
}

bool write_offset_checkpoint(const std::filesystem::path& file, const offset_checkpoint& offsets) {
    return file_util::write_atomically(file, format_offset_checkpoint(offsets));
}

std::optional<offset_checkpoint> read_offset_checkpoint(const std::filesystem::path& file) {
    std::string text;
    if (!file_util::read_small_file(file, text)) return std::nullopt;
    return parse_offset_checkpoint(text);
}

std::string format_epoch_checkpoint(const std::vector<epoch_entry>& entries) {
    std::string text = frame_header(entries.size());
    for (const auto& e : entries) text += std::to_string(e.epoch) + " " + std::to_string(e.start_offset) + "\n";
    return text;
}

std::optional<std::vector<epoch_entry>> parse_epoch_checkpoint(std::string_view text) {
    auto rows = parse_frame(text, 2);
    if (!rows) return std::nullopt;
    std::vector<epoch_entry> entries;
    for (const auto& row : *rows) {
        auto epoch = parse_int<int32_t>(row[0]);
        auto start = parse_int<int64_t>(row[1]);
        if (!epoch || !start || *epoch < 0 || *start < 0) return std::nullopt;
        // Epochs and their start offsets only grow; anything else is damage.
        if (!entries.empty() && (*epoch <= entries.back().epoch || *start < entries.back().start_offset)) {
            return std::nullopt;
        }
        entries.push_back({*epoch, *start});
    }
    return entries;
}

bool write_epoch_checkpoint(const std::filesystem::path& file, const std::vector<epoch_entry>& entries) {
    return file_util::write_atomically(file, format_epoch_checkpoint(entries));
}

std::optional<std::vector<epoch_entry>> read_epoch_checkpoint(const std::filesystem::path& file) {
    std::string text;
    if (!file_util::read_small_file(file, text)) return std::nullopt;
    return parse_epoch_checkpoint(text);
}

}  // namespace sluice::log
