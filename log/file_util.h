#pragma once
// Thin, retrying wrappers over the POSIX file calls the log uses. They report
// failure through their return value (errno is left set for the log line);
// none throws.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::log::file_util {

// open(2) with O_CLOEXEC; -1 on failure.
int open_file(const std::filesystem::path& path, int flags, int mode = 0644);

// Writes all of [data, data+size) at `offset`, retrying short writes and EINTR.
bool pwrite_all(int fd, const void* data, size_t size, uint64_t offset);

// Reads up to `size` bytes at `offset`, retrying short reads and EINTR;
// returns the number read (less than `size` only at EOF), -1 on error.
int64_t pread_full(int fd, void* data, size_t size, uint64_t offset);

// Size of an open file, -1 on error.
int64_t file_size(int fd);

// By path, for files the log does not keep open (the indexes): each opens,
// acts and closes. sync_file() treats a file already gone as synced.
bool create_file(const std::filesystem::path& path, bool truncate);
bool write_file_at(const std::filesystem::path& path, const void* data, size_t size, uint64_t offset);
bool truncate_file(const std::filesystem::path& path, uint64_t size);
bool sync_file(const std::filesystem::path& path);

// fsync of a directory, so a create/rename/unlink inside it is durable.
bool fsync_dir(const std::filesystem::path& dir);

// Unlinks each path (a path already gone counts as removed); false if any
// other unlink failed.
bool remove_files(const std::vector<std::filesystem::path>& paths);

// An open directory. Renames, unlinks and fsyncs made through it stay in
// that directory even when it is renamed or replaced meanwhile (a partition
// deleted and re-created under the same name while work on it is queued).
class directory {
public:
    // nullopt if `path` cannot be opened as a directory.
    static std::optional<directory> open(const std::filesystem::path& path);
    directory(directory&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    directory& operator=(directory&& other) noexcept;
    directory(const directory&) = delete;
    directory& operator=(const directory&) = delete;
    ~directory();

    bool rename(const std::string& from, const std::string& to) const;  // renameat(2), names in this dir
    bool remove(const std::string& name) const;                         // unlinkat(2); gone counts as removed
    bool sync() const;                                                  // fsync(2) of the directory
    // Whether `path` still names this directory (same device and inode).
    bool is_at(const std::filesystem::path& path) const;
    // Whether `name` in this directory is the file open as `fd`.
    bool holds(const std::string& name, int fd) const;

private:
    explicit directory(int fd) : fd_(fd) {}
    int fd_ = -1;
};

// Replaces `path` with `content` so a crash leaves either the old or the new
// file, never a mix: write `path`.tmp, fsync, rename over `path`, fsync dir.
bool write_atomically(const std::filesystem::path& path, std::string_view content);
// Writes `path` (created or truncated), not waiting for the disk: for a
// file in a directory just made, which nothing reads until it is synced.
bool write_new_file(const std::filesystem::path& path, std::string_view content);

// The offsets of the files in `dir` named "<offset, 20 digits><suffix>"
// (producer snapshots, transaction indexes), ascending.
std::vector<int64_t> offset_named_files(const std::filesystem::path& dir, std::string_view suffix);

// The whole content of a small file; false if it cannot be read.
bool read_small_file(const std::filesystem::path& path, std::string& out);

}  // namespace sluice::log::file_util
