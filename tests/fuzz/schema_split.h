#pragma once
// Several texts from one fuzz input: the parts between 0xFF bytes (a byte
// that valid UTF-8, so JSON, Avro and .proto text, never holds).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

inline std::vector<std::string> split_schema_input(const uint8_t* data, size_t size) {
    std::vector<std::string> parts(1);
    for (size_t i = 0; i < size; ++i) {
        if (data[i] == 0xFF) {
            parts.emplace_back();
        } else {
            parts.back() += static_cast<char>(data[i]);
        }
    }
    return parts;
}
