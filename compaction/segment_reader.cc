#include "compaction/segment_reader.h"

#include <algorithm>
#include <cstring>

#include "log/file_util.h"
#include "protocol/record_batch.h"

namespace sluice::compaction {

segment_reader::segment_reader(const segment_snapshot& segment, protocol::bytes& buffer, size_t chunk_bytes,
                               throttler* throttle)
    : segment_(segment), buffer_(buffer), chunk_bytes_(std::max<size_t>(chunk_bytes, 4096)), throttle_(throttle) {}

bool segment_reader::ensure(size_t bytes) {
    if (cursor_ + bytes <= length_) return true;
    if (window_start_ + cursor_ + bytes > segment_.size) return false;
    // Keep the unread tail, refill behind it.
    size_t keep = length_ - cursor_;
    if (keep > 0 && cursor_ > 0) std::memmove(buffer_.data(), buffer_.data() + cursor_, keep);
    window_start_ += cursor_;
    cursor_ = 0;
    length_ = keep;
    size_t want = std::max(chunk_bytes_, bytes);
    if (buffer_.size() < want) buffer_.resize(want);
    size_t to_read = static_cast<size_t>(std::min<uint64_t>(buffer_.size() - length_,
                                                            segment_.size - window_start_ - length_));
    int64_t n = log::file_util::pread_full(segment_.seg->fd(), buffer_.data() + length_, to_read,
                                           window_start_ + length_);
    if (n != static_cast<int64_t>(to_read)) {
        failed_ = true;
        return false;
    }
    length_ += to_read;
    bytes_read_ += to_read;
    if (throttle_) throttle_->acquire(to_read);
    return cursor_ + bytes <= length_;
}

std::optional<protocol::bytes_view> segment_reader::next() {
    if (failed_ || window_start_ + cursor_ >= segment_.size) return std::nullopt;
    if (!ensure(protocol::batch_header_size)) {
        failed_ = true;  // a torn header inside a closed segment
        return std::nullopt;
    }
    auto header = protocol::read_batch_header(protocol::bytes_view(buffer_.data() + cursor_, protocol::batch_header_size));
    if (!header || header->magic != protocol::current_magic || header->batch_length < 49 ||
        !ensure(header->total_size())) {
        failed_ = true;
        return std::nullopt;
    }
    protocol::bytes_view batch(buffer_.data() + cursor_, header->total_size());
    cursor_ += header->total_size();
    return batch;
}

}  // namespace sluice::compaction
