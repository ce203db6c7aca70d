#include "shell/client_attestation_policy.h"

#include <utility>

#include "attest/policy.h"

namespace trustmq::shell {
namespace {

Result<std::shared_ptr<const tls::AttestationClient>> load_verifier(const std::string& path) {
  using R = Result<std::shared_ptr<const tls::AttestationClient>>;
  auto policy = attest::load_policy_file(path);
  if (!policy) return R::failure("client_attestation_policy " + path + ": " + policy.error());
  auto verifier = std::make_shared<const tls::AttestationClient>(std::move(*policy));
  if (verifier->offered_types().empty()) {
    return R::failure("client_attestation_policy " + path +
                      ": allows no evidence type this build can verify");
  }
  return R::success(std::move(verifier));
}

}  // namespace

Result<std::shared_ptr<ClientAttestationPolicy>> ClientAttestationPolicy::load(
    const std::string& path) {
  using R = Result<std::shared_ptr<ClientAttestationPolicy>>;
  auto verifier = load_verifier(path);
  if (!verifier) return R::failure(verifier.error());
  return R::success(std::shared_ptr<ClientAttestationPolicy>(
      new ClientAttestationPolicy(path, std::move(*verifier))));
}

Result<void> ClientAttestationPolicy::reload() {
  auto verifier = load_verifier(path_);
  if (!verifier) return Result<void>::failure(verifier.error());
  current_ = std::move(*verifier);
  return Result<void>::success();
}

}  // namespace trustmq::shell
