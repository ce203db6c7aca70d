// The client_attestation_policy of one listener (docs/attestation.md §9), re-read on SIGHUP.
// A file that no longer loads, or that allows no evidence type this build can verify, keeps
// the running policy. Connections take the policy current when they verify: evidence already
// accepted keeps its claims until the client's next re-attestation, which meets the new policy.
// Used on the event loop thread only.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "tls/attestation_client.h"

namespace trustmq::shell {

class ClientAttestationPolicy {
 public:
  // Loads `path`; the error names the file and what is wrong with it.
  static Result<std::shared_ptr<ClientAttestationPolicy>> load(const std::string& path);

  const std::string& path() const { return path_; }
  // The verifier of the policy loaded last; callers hold it for the length of one verification.
  std::shared_ptr<const tls::AttestationClient> current() const { return current_; }
  // Re-reads the file. On error the running policy stays and the error says why.
  Result<void> reload();

 private:
  ClientAttestationPolicy(std::string path, std::shared_ptr<const tls::AttestationClient> verifier)
      : path_(std::move(path)), current_(std::move(verifier)) {}

  std::string path_;
  std::shared_ptr<const tls::AttestationClient> current_;
};

}  // namespace trustmq::shell
