#include "log/partition_metadata.h"

#include <string>
#include <string_view>

#include "log/file_util.h"
#include "protocol/uuid_text.h"

namespace sluice::log {
namespace {

constexpr std::string_view id_label = "topic_id: ";

}  // namespace

std::optional<protocol::uuid> read_partition_topic_id(const std::filesystem::path& dir) {
    std::string text;
    if (!file_util::read_small_file(dir / partition_metadata_file, text)) return std::nullopt;
    // "version: 0\ntopic_id: <base64url>\n", as Kafka writes it.
    size_t at = text.find(id_label);
    if (at == std::string::npos) return std::nullopt;
    size_t from = at + id_label.size();
    size_t end = text.find('\n', from);
    return protocol::uuid_from_base64url(std::string_view(text).substr(from, end == std::string::npos ? end : end - from));
}

namespace {

std::string content_of(const protocol::uuid& id) { return "version: 0\ntopic_id: " + protocol::to_base64url(id) + "\n"; }

}  // namespace

bool write_partition_topic_id(const std::filesystem::path& dir, const protocol::uuid& id) {
    return file_util::write_atomically(dir / partition_metadata_file, content_of(id));
}

bool write_new_partition_topic_id(const std::filesystem::path& dir, const protocol::uuid& id) {
    return file_util::write_new_file(dir / partition_metadata_file, content_of(id));
}

}  // namespace sluice::log
