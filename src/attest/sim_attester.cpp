#include "attest/sim_attester.h"

#include <openssl/err.h>

#include <ctime>

#include "attest/sim_evidence.h"

namespace trustmq::attest {

SimAttester::SimAttester(SimPlatform platform, SimAttesterClaims claims)
    : platform_(std::move(platform)), claims_(claims) {
  EVP_PKEY* key = platform_.platform_key();
  EvpPkeyCtxPtr ctx(key == nullptr ? nullptr : EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (ctx && EVP_PKEY_sign_init(ctx.get()) == 1 &&
      EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) == 1) {
    sign_template_.reset(ctx.release(), [](EVP_PKEY_CTX* c) { EVP_PKEY_CTX_free(c); });
  }
  ERR_clear_error();
}

Result<Bytes> SimAttester::attest(const ReportData& report_data) const {
  Claims c;
  c.type = EvidenceType::kSim;
  c.runtime_measurement = claims_.runtime_measurement;
  c.module_measurement = claims_.module_measurement;
  c.report_data = report_data;
  c.timestamp = static_cast<std::uint64_t>(std::time(nullptr));
  c.debug = claims_.debug;
  Bytes body = encode_sim_body(c);
  const Sha256Digest digest = sim_signed_digest(body);

  // A duplicate per call: attest() may run on several threads at once.
  EvpPkeyCtxPtr ctx(sign_template_ ? EVP_PKEY_CTX_dup(sign_template_.get()) : nullptr);
  std::size_t sig_len = 0;
  if (!ctx || EVP_PKEY_sign(ctx.get(), nullptr, &sig_len, digest.data(), digest.size()) != 1) {
    return Result<Bytes>::failure(take_openssl_error("sim attester: cannot sign"));
  }
  Bytes sig(sig_len);
  if (EVP_PKEY_sign(ctx.get(), sig.data(), &sig_len, digest.data(), digest.size()) != 1) {
    return Result<Bytes>::failure(take_openssl_error("sim attester: cannot sign"));
  }
  sig.resize(sig_len);
  return Result<Bytes>::success(encode_sim_evidence(body, sig, platform_.platform_cert_der()));
}

}  // namespace trustmq::attest
