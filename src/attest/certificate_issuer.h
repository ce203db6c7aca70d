// Minimal X.509 issuance and PEM storage with OpenSSL, for the sim platform CA and the TLS
// layer's auto-generated self-signed certificates. Key files are written with mode 0600.
#pragma once

#include <cstdint>
#include <string>

#include "attest/openssl_handles.h"
#include "base/result.h"

namespace trustmq::attest {

// A fresh ECDSA P-256 key.
Result<EvpPkeyPtr> generate_p256_key();

struct CertificateRequest {
  std::string common_name;
  EVP_PKEY* subject_key = nullptr;                 // public part is certified
  X509* issuer_cert = nullptr;                     // nullptr: self-signed
  EVP_PKEY* issuer_key = nullptr;                  // signs (the subject key when self-signed)
  std::int64_t not_before_offset_seconds = -3600;  // relative to now
  std::int64_t not_after_offset_seconds = 10LL * 365 * 24 * 3600;
  bool is_ca = false;
  std::string subject_alt_dns;  // optional DNS SAN (e.g. "localhost")
};

Result<X509Ptr> issue_certificate(const CertificateRequest& request);

// Creates `dir` if missing and sets its mode to 0700 (also when it existed: call it only for a
// folder that keys are written to); the error names the directory.
Result<void> ensure_private_directory(const std::string& dir);
// Writes PEM atomically-enough (create/truncate, mode 0600).
Result<void> write_private_key_pem(const std::string& path, EVP_PKEY* key);
Result<void> write_certificate_pem(const std::string& path, X509* cert);
Result<EvpPkeyPtr> read_private_key_pem(const std::string& path);
Result<X509Ptr> read_certificate_pem(const std::string& path);
bool file_exists(const std::string& path);

}  // namespace trustmq::attest
