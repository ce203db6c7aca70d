// The measurement of a Wasm module: lower-case hex SHA-256 of its bytes (OpenSSL EVP). It is
// what `trustmq measure FILE.wasm` prints and what attestation evidence carries.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace trustmq::runtime {

std::string measure_module(std::span<const std::uint8_t> module_bytes);

// Reads a whole file; throws std::runtime_error naming the path if it cannot.
std::vector<std::uint8_t> read_module_file(const std::string& path);

}  // namespace trustmq::runtime
