// Intel PCS JSON collateral ({"tcbInfo": {...}, "signature": "hex"} and {"enclaveIdentity":
// {...}, "signature": "hex"}): the signature (ECDSA P-256 SHA-256, r||s hex) covers the exact
// bytes of the inner object as they appear in the document, so they are cut out of the text,
// never re-serialised.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "attest/bytes.h"
#include "base/result.h"

namespace trustmq::attest {

struct SignedJson {
  std::string_view signed_text;  // the exact bytes of the member's value
  Bytes signature;               // 64 bytes r||s
};

// Cuts out the value of top-level member `key` and decodes "signature". Error if the document
// is not an object with exactly these members.
Result<SignedJson> split_signed_json(std::string_view document, std::string_view key);

// "2023-06-18T08:42:58Z" (optionally with fractional seconds) → Unix seconds.
std::optional<std::uint64_t> parse_iso8601_utc(std::string_view text);

}  // namespace trustmq::attest
