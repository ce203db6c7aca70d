// ECDSA signatures and public keys in the raw fixed-width forms TEE formats use (AMD: r and s
// 72 bytes each, little-endian; Intel: r||s 32 bytes each and x||y, big-endian), converted for
// OpenSSL, which does all the arithmetic.
#pragma once

#include <cstddef>

#include "attest/bytes.h"
#include "attest/openssl_handles.h"

namespace trustmq::attest {

enum class Endianness { kBig, kLittle };

// DER ECDSA-Sig-Value from r and s given as two fixed-width integers (`r` then `s`, each half of
// `raw`). Empty on an odd length or an OpenSSL failure.
Bytes raw_ecdsa_signature_to_der(ByteSpan raw, Endianness order);

// A P-256 public key from the 64-byte x||y form (big-endian, no 0x04 prefix); null if the point
// is not on the curve.
EvpPkeyPtr p256_public_key_from_raw(ByteSpan xy);

// True iff `der_signature` verifies over `message` with `key`, hashing with `md`
// (EVP_DigestVerify; OpenSSL checks the signature is well-formed).
bool verify_digest_signature(EVP_PKEY* key, const EVP_MD* md, ByteSpan message,
                             ByteSpan der_signature);

}  // namespace trustmq::attest
