#pragma once
// The partitions of one broker's log dirs (`log.dirs`): finds and opens them
// at startup, creates and deletes them, writes the per-dir checkpoint files
// (recovery points, log start offsets, high watermarks in Kafka's
// replication-offset-checkpoint) and the clean-shutdown marker. load() hands
// each log its checkpointed high watermark (checkpointed_high_watermark()).
//
// Several dirs are supported; a new partition goes to the dir holding the
// fewest. A dir's clean-shutdown marker is deleted as soon as the dir is
// loaded, so a crash at any later point is seen as unclean next time.
//
// Threading: the partition table is guarded by a mutex, so every function
// may be called from any thread; the partition_logs themselves keep their
// owner-executor rule (log/partition_log.h). The mutex is never held during
// disk I/O, so the owner never waits on a checkpoint's fsyncs. checkpoint()
// reads only the atomics of each log; checkpoints are serialized (a second
// one waits for the first), and each takes its values after the previous
// one wrote, so a file never goes back to older values. remove() leaves the
// recursive delete to the background executor; a delete that fails is
// tried again by retry_deletions(). shutdown() closes every log
// and so must not race with their owners (stop them first).
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "log/background.h"
#include "log/partition_log.h"
#include "log/types.h"

namespace sluice::log {

class log_manager {
public:
    // `background` deletes removed partitions' directories (empty: inline).
    explicit log_manager(std::vector<std::filesystem::path> dirs, background_executor background = {});
    log_manager(const log_manager&) = delete;
    log_manager& operator=(const log_manager&) = delete;
    ~log_manager() = default;  // no shutdown(): a destroyed manager looks like a crash

    // Scans the dirs (creating missing ones), finishes pending deletions,
    // opens every partition directory found (recovering after an unclean
    // shutdown) and returns them. `config_for(topic)` gives each topic's
    // config. A partition that cannot be opened is logged and skipped.
    std::vector<partition_log*> load(const std::function<log_config(const std::string& topic)>& config_for);

    // A new empty partition (or the existing one, if already there). Its
    // directory and files reach the disk with the next sync_created().
    partition_log* create(const topic_partition& tp, const log_config& config);
    // On the background executor (after every job posted before it): fsyncs
    // the files and directories create() made since the last call, then the
    // log dirs holding them, and calls `done(ok)` there. Creating a topic
    // of 1,000 partitions made 3,000 fsyncs on its caller's thread, the
    // broker's I/O thread. A directory deleted meanwhile is skipped.
    void sync_created(std::function<void(bool ok)> done);
    // Forgets the partition and renames its dir to
    // <topic>-<partition>.<32 hex>-delete; returns that path so the caller
    // can delete it off-thread (nullopt if unknown). Readers holding slices
    // keep their fds. The rename is made durable by whoever deletes the dir.
    std::optional<std::filesystem::path> detach(const topic_partition& tp);
    // Forgets the partition and renames its dir to
    // <topic>-<partition>.<32 hex>-stray: a directory the metadata does not
    // account for (its topic is gone, or is another topic of that name).
    // Kept for an operator to look at, never loaded again; false if unknown
    // or the rename failed.
    bool set_aside(const topic_partition& tp);
    // detach(), then on the background executor: fsync the parent (the
    // rename is durable) and delete the renamed dir. A crash before that ends
    // leaves a -delete dir that the next load() deletes, or (rename lost) the
    // old dir, which the metadata store no longer names.
    void remove(const topic_partition& tp);
    partition_log* get(const topic_partition& tp);
    std::vector<partition_log*> all();

    // Recovery points, log start offsets and high watermarks to each dir's
    // checkpoint files.
    bool checkpoint();
    // Deletes again what remove() could not (out of descriptors, say).
    void retry_deletions();
    // close() every log, checkpoint, and write each dir's clean-shutdown marker.
    void shutdown();

    const std::vector<std::filesystem::path>& dirs() const { return dirs_; }

private:
    struct entry {
        std::unique_ptr<partition_log> log;
        size_t dir_index = 0;
    };
    using checkpoint_values = std::vector<offset_checkpoint>;  // per dir
    struct dir_checkpoints {
        checkpoint_values recovery_points, start_offsets, high_watermarks;
    };
    size_t least_loaded_dir() const;
    std::optional<std::filesystem::path> detach_as(const topic_partition& tp, std::string_view suffix);
    // remove_all, or remember the dir for retry_deletions().
    void delete_or_retry_later(const std::filesystem::path& path);
    // Under mutex_: the values to write.
    dir_checkpoints snapshot_locked() const;
    // Under checkpoint_mutex_, without mutex_: the files.
    bool write_checkpoints(const dir_checkpoints& values);

    std::vector<std::filesystem::path> dirs_;
    background_executor background_;
    std::mutex checkpoint_mutex_;  // taken before mutex_, never after it
    mutable std::mutex mutex_;
    std::map<topic_partition, entry> logs_;
    std::vector<std::filesystem::path> undeleted_;
    std::vector<std::filesystem::path> unsynced_;  // made by create(), not yet synced
};

}  // namespace sluice::log
