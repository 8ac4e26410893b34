#pragma once
// A fresh directory under /tmp for one test, removed with everything in it.
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace sluice::testing {

class temp_dir {
public:
    explicit temp_dir(const std::string& prefix = "sluice-test") {
        std::string pattern = "/tmp/" + prefix + "-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) std::abort();
        path_ = pattern;
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

}  // namespace sluice::testing
