#include "log/log_manager.h"

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <set>

#include "log/checkpoint_file.h"
#include "log/file_util.h"
#include "log/format.h"
#include "log/partition_metadata.h"

namespace sluice::log {

namespace {

std::string random_hex_id() {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    static constexpr char digits[] = "0123456789abcdef";
    std::string id;
    for (int i = 0; i < 32; ++i) id += digits[rng() % 16];
    return id;
}

bool is_pending_delete(const std::string& name) {
    return name.size() > format::delete_dir_suffix.size() &&
           name.ends_with(format::delete_dir_suffix) && name.find('.') != std::string::npos;
}

}  // namespace

log_manager::log_manager(std::vector<std::filesystem::path> dirs, background_executor background)
    : dirs_(std::move(dirs)), background_(std::move(background)) {}

std::vector<partition_log*> log_manager::load(const std::function<log_config(const std::string&)>& config_for) {
    std::lock_guard lock(mutex_);
    std::vector<partition_log*> opened;
    for (size_t d = 0; d < dirs_.size(); ++d) {
        const auto& dir = dirs_[d];
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        const auto marker = dir / format::clean_shutdown_file;
        const bool clean = std::filesystem::exists(marker, ec);
        // A damaged or missing checkpoint just means more recovery work.
        auto recovery_points = read_offset_checkpoint(dir / format::recovery_point_file).value_or(offset_checkpoint{});
        auto start_offsets = read_offset_checkpoint(dir / format::log_start_offset_file).value_or(offset_checkpoint{});
        auto high_watermarks = read_offset_checkpoint(dir / format::replication_offset_file).value_or(offset_checkpoint{});
        // A data dir that never held a partition (first start) has no marker either; it is not a crash.
        bool holds_partitions = false;
        for (const auto& item : std::filesystem::directory_iterator(dir, ec)) {
            holds_partitions = holds_partitions || (item.is_directory(ec) && topic_partition::from_dir_name(
                                                                                  item.path().filename().string()));
        }
        spdlog::info("log: loading {} {}", dir.string(),
                     clean ? "after a clean shutdown" : holds_partitions ? "after an unclean shutdown" : "(new)");

        for (const auto& item : std::filesystem::directory_iterator(dir, ec)) {
            if (!item.is_directory(ec)) continue;
            std::string name = item.path().filename().string();
            if (is_pending_delete(name)) {
                std::filesystem::remove_all(item.path(), ec);
                continue;
            }
            auto tp = topic_partition::from_dir_name(name);
            if (!tp || logs_.contains(*tp)) continue;
            partition_log::open_options options;
            options.clean_shutdown = clean;
            options.background = background_;
            if (auto it = recovery_points.find(*tp); it != recovery_points.end()) options.recovery_point = it->second;
            if (auto it = start_offsets.find(*tp); it != start_offsets.end()) options.log_start_offset = it->second;
            if (auto it = high_watermarks.find(*tp); it != high_watermarks.end()) {
                options.high_watermark = protocol::offset(it->second);
            }
            protocol::error_code error;
            auto log = partition_log::open(item.path(), *tp, config_for(tp->topic), options, error);
            if (!log) {
                spdlog::error("log: cannot open {}: {}", item.path().string(), protocol::error_name(error));
                continue;
            }
            opened.push_back(log.get());
            logs_[*tp] = entry{std::move(log), d};
        }
        if (ec) spdlog::error("log: cannot list {}: {}", dir.string(), ec.message());
        // From here on a crash must be seen as unclean.
        if (clean) {
            std::filesystem::remove(marker, ec);
            file_util::fsync_dir(dir);
        }
    }
    return opened;
}

size_t log_manager::least_loaded_dir() const {
    std::vector<size_t> counts(dirs_.size(), 0);
    for (const auto& [tp, e] : logs_) ++counts[e.dir_index];
    return static_cast<size_t>(std::min_element(counts.begin(), counts.end()) - counts.begin());
}

partition_log* log_manager::create(const topic_partition& tp, const log_config& config) {
    std::lock_guard lock(mutex_);
    if (auto it = logs_.find(tp); it != logs_.end()) return it->second.log.get();
    size_t d = least_loaded_dir();
    partition_log::open_options options;
    options.clean_shutdown = true;  // a new directory has nothing to recover
    options.background = background_;
    protocol::error_code error;
    const auto dir = dirs_[d] / tp.dir_name();
    std::error_code ec;
    bool existed = std::filesystem::exists(dir, ec);
    auto log = partition_log::open(dir, tp, config, options, error);
    if (!log) {
        // Leave no empty partition dir behind for the next startup to load.
        int saved = errno;
        if (!existed) std::filesystem::remove_all(dir, ec);
        errno = saved;
        return nullptr;
    }
    unsynced_.push_back(dir);
    partition_log* raw = log.get();
    logs_[tp] = entry{std::move(log), d};
    return raw;
}

void log_manager::sync_created(std::function<void(bool ok)> done) {
    std::vector<std::filesystem::path> made;
    {
        std::lock_guard lock(mutex_);
        made.swap(unsynced_);
    }
    if (made.empty() && !done) return;
    run_in_background(background_, [made = std::move(made), done = std::move(done)] {
        int error = 0;
        auto note = [&error](bool ok) {
            if (!ok && error == 0) error = errno;
        };
        std::set<std::filesystem::path> parents;
        for (const auto& dir : made) {
            std::error_code ec;
            if (!std::filesystem::exists(dir, ec)) continue;  // deleted (renamed away) meanwhile
            // Only partition.metadata has content; the segment and index
            // files are empty, and the directory's fsync makes them exist.
            int fd = ::open((dir / partition_metadata_file).c_str(), O_RDONLY | O_CLOEXEC);
            if (fd >= 0) {
                note(::fsync(fd) == 0);
                ::close(fd);
            }
            note(file_util::fsync_dir(dir));
            parents.insert(dir.parent_path());
        }
        for (const auto& parent : parents) note(file_util::fsync_dir(parent));
        bool ok = error == 0;
        if (!ok) spdlog::error("log: cannot make newly created partition directories durable: {}", std::strerror(error));
        if (done) done(ok);
    });
}

std::optional<std::filesystem::path> log_manager::detach(const topic_partition& tp) {
    return detach_as(tp, format::delete_dir_suffix);
}

bool log_manager::set_aside(const topic_partition& tp) {
    auto path = detach_as(tp, format::stray_dir_suffix);
    if (!path) return false;
    file_util::fsync_dir(path->parent_path());
    spdlog::warn("log: {} belongs to no topic the metadata knows; set aside as {} (delete it once looked at)",
                 tp.dir_name(), path->string());
    return true;
}

std::optional<std::filesystem::path> log_manager::detach_as(const topic_partition& tp, std::string_view suffix) {
    std::unique_ptr<partition_log> log;
    {
        std::lock_guard lock(mutex_);
        auto it = logs_.find(tp);
        if (it == logs_.end()) return std::nullopt;
        log = std::move(it->second.log);
        logs_.erase(it);
    }
    std::filesystem::path from = log->dir();
    std::filesystem::path to =
        from.parent_path() / (from.filename().string() + "." + random_hex_id() + std::string(suffix));
    log.reset();  // its segments stay open while read slices hold them
    std::error_code ec;
    std::filesystem::rename(from, to, ec);
    if (ec) {
        spdlog::error("log: cannot rename {} to {}: {}", from.string(), to.string(), ec.message());
        return std::nullopt;
    }
    return to;
}

void log_manager::remove(const topic_partition& tp) {
    auto path = detach(tp);
    if (!path) return;
    run_in_background(background_, [this, path = std::move(*path)] {
        file_util::fsync_dir(path.parent_path());
        delete_or_retry_later(path);
    });
}

void log_manager::delete_or_retry_later(const std::filesystem::path& path) {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
    if (!ec) return;
    spdlog::warn("log: cannot delete {} yet: {}", path.string(), ec.message());
    std::lock_guard lock(mutex_);
    undeleted_.push_back(path);
}

void log_manager::retry_deletions() {
    std::vector<std::filesystem::path> paths;
    {
        std::lock_guard lock(mutex_);
        paths.swap(undeleted_);
    }
    for (const auto& path : paths) delete_or_retry_later(path);
}

partition_log* log_manager::get(const topic_partition& tp) {
    std::lock_guard lock(mutex_);
    auto it = logs_.find(tp);
    return it == logs_.end() ? nullptr : it->second.log.get();
}

std::vector<partition_log*> log_manager::all() {
    std::lock_guard lock(mutex_);
    std::vector<partition_log*> result;
    for (auto& [tp, e] : logs_) result.push_back(e.log.get());
    return result;
}

bool log_manager::checkpoint() {
    // Values and files under one writer lock: a later checkpoint reads its
    // values only after the earlier one's files are written.
    std::lock_guard writer(checkpoint_mutex_);
    dir_checkpoints values;
    {
        std::lock_guard lock(mutex_);
        values = snapshot_locked();
    }
    return write_checkpoints(values);
}

log_manager::dir_checkpoints log_manager::snapshot_locked() const {
    dir_checkpoints values;
    values.recovery_points.assign(dirs_.size(), {});
    values.start_offsets.assign(dirs_.size(), {});
    values.high_watermarks.assign(dirs_.size(), {});
    for (const auto& [tp, e] : logs_) {
        values.recovery_points[e.dir_index][tp] = e.log->recovery_point();
        values.start_offsets[e.dir_index][tp] = e.log->log_start_offset();
        values.high_watermarks[e.dir_index][tp] = e.log->high_watermark();
    }
    return values;
}

bool log_manager::write_checkpoints(const dir_checkpoints& values) {
    bool ok = true;
    for (size_t d = 0; d < dirs_.size(); ++d) {
        ok = write_offset_checkpoint(dirs_[d] / format::recovery_point_file, values.recovery_points[d]) && ok;
        ok = write_offset_checkpoint(dirs_[d] / format::log_start_offset_file, values.start_offsets[d]) && ok;
        ok = write_offset_checkpoint(dirs_[d] / format::replication_offset_file, values.high_watermarks[d]) && ok;
    }
    if (!ok) spdlog::error("log: writing checkpoint files failed");
    return ok;
}

void log_manager::shutdown() {
    // The last checkpoint: after any a background thread still writes.
    std::lock_guard writer(checkpoint_mutex_);
    dir_checkpoints values;
    {
        std::lock_guard lock(mutex_);
        for (auto& [tp, e] : logs_) e.log->close();
        values = snapshot_locked();
    }
    if (!write_checkpoints(values)) return;  // no marker: the next start recovers
    for (const auto& dir : dirs_) {
        int fd = file_util::open_file(dir / format::clean_shutdown_file, O_WRONLY | O_CREAT | O_TRUNC);
        if (fd >= 0) {
            ::fsync(fd);
            ::close(fd);
        }
        file_util::fsync_dir(dir);
    }
}

}  // namespace sluice::log
