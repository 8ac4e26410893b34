#pragma once
// Plain aligned text tables for command output: no colors, no borders, so
// the output stays easy to read and to cut/awk.
#include <ostream>
#include <string>
#include <vector>

namespace sluice::tools {

class table {
public:
    explicit table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
    void add_row(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
    bool empty() const { return rows_.empty(); }
    const std::vector<std::string>& headers() const { return headers_; }
    const std::vector<std::vector<std::string>>& rows() const { return rows_; }
    // A column whose cells are comma-separated lists ("0,1,2"); --json
    // renders them as arrays.
    void mark_list_column(std::string header) { list_columns_.push_back(std::move(header)); }
    bool is_list_column(const std::string& header) const {
        for (const auto& h : list_columns_) {
            if (h == header) return true;
        }
        return false;
    }
    // Columns separated by two spaces; the last column is not padded.
    void print(std::ostream& out) const;

private:
    std::vector<std::string> headers_;
    std::vector<std::vector<std::string>> rows_;
    std::vector<std::string> list_columns_;
};

}  // namespace sluice::tools
