#pragma once
// Strong types for the numbers that replication and transactions multiply:
// a log offset, a leader epoch and a broker id are all plain integers on the
// wire, and mixing them up compiles silently unless each has its own type.
// value() is the way back to the wire (generated code keeps plain integers).
#include <compare>
#include <cstdint>
#include <functional>

namespace sluice::protocol {

template <typename Tag, typename Rep>
class strong_id {
public:
    using rep = Rep;
    constexpr strong_id() = default;
    constexpr explicit strong_id(Rep v) : value_(v) {}
    constexpr Rep value() const { return value_; }
    constexpr auto operator<=>(const strong_id&) const = default;

private:
    Rep value_{};
};

// A position in a partition's log: the offset of a record (or the next one).
class offset : public strong_id<offset, int64_t> {
public:
    using strong_id::strong_id;
    constexpr offset operator+(int64_t n) const { return offset(value() + n); }
    constexpr int64_t operator-(offset o) const { return value() - o.value(); }
};

// Bumped by the controller each time a partition's leadership moves.
using leader_epoch = strong_id<struct leader_epoch_tag, int32_t>;
// node.id of a broker.
using node_id = strong_id<struct node_id_tag, int32_t>;
// An idempotent or transactional producer, as InitProducerId handed it out.
using producer_id = strong_id<struct producer_id_tag, int64_t>;
// Bumped each time a producer id is fenced or re-initialised.
using producer_epoch = strong_id<struct producer_epoch_tag, int16_t>;

}  // namespace sluice::protocol

template <typename Tag, typename Rep>
struct std::hash<sluice::protocol::strong_id<Tag, Rep>> {
    size_t operator()(const sluice::protocol::strong_id<Tag, Rep>& v) const noexcept { return std::hash<Rep>{}(v.value()); }
};
