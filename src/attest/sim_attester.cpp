#include "attest/sim_attester.h"

#include <ctime>

#include "attest/sim_evidence.h"

namespace trustmq::attest {

SimAttester::SimAttester(SimPlatform platform, SimAttesterClaims claims)
    : platform_(std::move(platform)), claims_(claims) {}

Result<Bytes> SimAttester::attest(const ReportData& report_data) const {
  Claims c;
  c.type = EvidenceType::kSim;
  c.runtime_measurement = claims_.runtime_measurement;
  c.module_measurement = claims_.module_measurement;
  c.report_data = report_data;
  c.timestamp = static_cast<std::uint64_t>(std::time(nullptr));
  c.debug = claims_.debug;
  Bytes body = encode_sim_body(c);
  Bytes message = sim_signed_message(body);

  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  std::size_t sig_len = 0;
  if (!ctx ||
      EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, platform_.platform_key()) !=
          1 ||
      EVP_DigestSign(ctx.get(), nullptr, &sig_len, message.data(), message.size()) != 1) {
    return Result<Bytes>::failure(take_openssl_error("sim attester: cannot sign"));
  }
  Bytes sig(sig_len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &sig_len, message.data(), message.size()) != 1) {
    return Result<Bytes>::failure(take_openssl_error("sim attester: cannot sign"));
  }
  sig.resize(sig_len);
  return Result<Bytes>::success(encode_sim_evidence(body, sig, platform_.platform_cert_der()));
}

}  // namespace trustmq::attest
