#include "log/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <string>

#include "log/format.h"

namespace sluice::log::file_util {

int open_file(const std::filesystem::path& path, int flags, int mode) {
    int fd;
    do {
        fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
    } while (fd < 0 && errno == EINTR);
    return fd;
}

bool pwrite_all(int fd, const void* data, size_t size, uint64_t offset) {
    const auto* p = static_cast<const uint8_t*>(data);
    while (size > 0) {
        ssize_t n = ::pwrite(fd, p, size, static_cast<off_t>(offset));
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        p += n;
        size -= static_cast<size_t>(n);
        offset += static_cast<uint64_t>(n);
    }
    return true;
}

int64_t pread_full(int fd, void* data, size_t size, uint64_t offset) {
    auto* p = static_cast<uint8_t*>(data);
    size_t done = 0;
    while (done < size) {
        ssize_t n = ::pread(fd, p + done, size - done, static_cast<off_t>(offset + done));
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (n == 0) break;
        done += static_cast<size_t>(n);
    }
    return static_cast<int64_t>(done);
}

int64_t file_size(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return -1;
    return st.st_size;
}

bool create_file(const std::filesystem::path& path, bool truncate) {
    int fd = open_file(path, O_WRONLY | O_CREAT | (truncate ? O_TRUNC : 0));
    if (fd < 0) return false;
    return ::close(fd) == 0;
}

bool write_file_at(const std::filesystem::path& path, const void* data, size_t size, uint64_t offset) {
    int fd = open_file(path, O_WRONLY);
    if (fd < 0) return false;
    bool ok = pwrite_all(fd, data, size, offset);
    return (::close(fd) == 0) && ok;
}

bool truncate_file(const std::filesystem::path& path, uint64_t size) {
    int rc;
    do {
        rc = ::truncate(path.c_str(), static_cast<off_t>(size));
    } while (rc != 0 && errno == EINTR);
    return rc == 0;
}

bool sync_file(const std::filesystem::path& path) {
    int fd = open_file(path, O_RDONLY);
    if (fd < 0) return errno == ENOENT;
    bool ok = ::fdatasync(fd) == 0;
    return (::close(fd) == 0) && ok;
}

bool fsync_dir(const std::filesystem::path& dir) {
    int fd = open_file(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0) return false;
    bool ok = ::fsync(fd) == 0;
    ::close(fd);
    return ok;
}

bool remove_files(const std::vector<std::filesystem::path>& paths) {
    bool ok = true;
    for (const auto& path : paths) {
        if (::unlink(path.c_str()) != 0 && errno != ENOENT) ok = false;
    }
    return ok;
}

std::optional<directory> directory::open(const std::filesystem::path& path) {
    int fd = open_file(path, O_RDONLY | O_DIRECTORY);
    if (fd < 0) return std::nullopt;
    return directory(fd);
}

directory& directory::operator=(directory&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
}

directory::~directory() {
    if (fd_ >= 0) ::close(fd_);
}

bool directory::rename(const std::string& from, const std::string& to) const {
    return ::renameat(fd_, from.c_str(), fd_, to.c_str()) == 0;
}

bool directory::remove(const std::string& name) const {
    return ::unlinkat(fd_, name.c_str(), 0) == 0 || errno == ENOENT;
}

bool directory::sync() const { return ::fsync(fd_) == 0; }

bool directory::is_at(const std::filesystem::path& path) const {
    struct stat mine {}, there {};
    return ::fstat(fd_, &mine) == 0 && ::stat(path.c_str(), &there) == 0 && mine.st_dev == there.st_dev &&
           mine.st_ino == there.st_ino;
}

bool directory::holds(const std::string& name, int fd) const {
    struct stat named {}, opened {};
    return ::fstatat(fd_, name.c_str(), &named, 0) == 0 && ::fstat(fd, &opened) == 0 &&
           named.st_dev == opened.st_dev && named.st_ino == opened.st_ino;
}

bool write_atomically(const std::filesystem::path& path, std::string_view content) {
    std::filesystem::path tmp = path;
    tmp += std::string(format::temp_suffix);
    int fd = open_file(tmp, O_WRONLY | O_CREAT | O_TRUNC);
    if (fd < 0) return false;
    bool ok = pwrite_all(fd, content.data(), content.size(), 0) && ::fsync(fd) == 0;
    ok = (::close(fd) == 0) && ok;
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        ::unlink(tmp.c_str());
        return false;
    }
    return fsync_dir(path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path());
}

bool write_new_file(const std::filesystem::path& path, std::string_view content) {
    int fd = open_file(path, O_WRONLY | O_CREAT | O_TRUNC);
    if (fd < 0) return false;
    bool ok = pwrite_all(fd, content.data(), content.size(), 0);
    ok = (::close(fd) == 0) && ok;
    if (!ok) ::unlink(path.c_str());
    return ok;
}

bool read_small_file(const std::filesystem::path& path, std::string& out) {
    int fd = open_file(path, O_RDONLY);
    if (fd < 0) return false;
    int64_t size = file_size(fd);
    bool ok = size >= 0;
    if (ok) {
        out.resize(static_cast<size_t>(size));
        ok = pread_full(fd, out.data(), out.size(), 0) == size;
    }
    ::close(fd);
    return ok;
}

std::vector<int64_t> offset_named_files(const std::filesystem::path& dir, std::string_view suffix) {
    std::vector<int64_t> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        const auto name = entry.path().filename().string();
        if (name.size() != 20 + suffix.size() || !name.ends_with(suffix)) continue;
        if (auto offset = format::parse_file_stem(std::string_view(name).substr(0, 20))) out.push_back(*offset);
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace sluice::log::file_util
