// The `sim` platform: a software root CA and an ECDSA P-256 platform key it certifies, kept in a
// state directory (created on first use, reused later; folder mode 0700, key files 0600).
//
// HONESTY: sim gives NO hardware protection. Anyone who can read the state directory can forge
// evidence. It exists to develop and test the protocol; never trust its root in production.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "attest/bytes.h"
#include "attest/openssl_handles.h"
#include "base/result.h"

namespace trustmq::attest {

struct SimPlatformOptions {
  // Validity of a newly created platform certificate, relative to now (tests create expired
  // ones with a negative not_after).
  std::int64_t platform_not_before_offset_seconds = -3600;
  std::int64_t platform_not_after_offset_seconds = 5LL * 365 * 24 * 3600;
};

class SimPlatform {
 public:
  // File names inside the state directory.
  static constexpr const char* kRootCertFile = "sim-root-ca.pem";
  static constexpr const char* kRootKeyFile = "sim-root-ca.key";
  static constexpr const char* kPlatformCertFile = "sim-platform.pem";
  static constexpr const char* kPlatformKeyFile = "sim-platform.key";

  // Loads the four files from `state_dir`, or creates all of them when none exists (the folder
  // is then made 0700, the key files 0600). A partial state is an error (naming the missing
  // file) rather than a silent re-key; so are key files or a folder that group or others may
  // access (private_key_permissions.h: the error names the file and the chmod that fixes it).
  static Result<SimPlatform> open_or_create(const std::string& state_dir,
                                            const SimPlatformOptions& options = {});

  EVP_PKEY* platform_key() const { return platform_key_.get(); }
  X509* platform_cert() const { return platform_cert_.get(); }
  X509* root_cert() const { return root_cert_.get(); }
  const Bytes& platform_cert_der() const { return platform_cert_der_; }
  // Path of the root certificate: put it into a policy's "trust_anchors".
  const std::string& root_cert_path() const { return root_cert_path_; }

 private:
  std::shared_ptr<EVP_PKEY> platform_key_;
  std::shared_ptr<X509> platform_cert_;
  std::shared_ptr<X509> root_cert_;
  Bytes platform_cert_der_;
  std::string root_cert_path_;
};

}  // namespace trustmq::attest
