#include "tls/client_evidence.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <algorithm>

#include "attest/tcb_status.h"
#include "attest/trust_anchors.h"
#include "tls/attestation_wire.h"

namespace trustmq::tls {
namespace {

inline constexpr std::size_t kExporterSize = 64;

// Claim values are single printable words (mqtt/client_claims.h); others are left out.
bool usable_value(const std::string& v) {
  if (v.empty() || v.size() > 128) return false;
  return std::all_of(v.begin(), v.end(), [](char ch) { return ch > ' ' && ch <= '~'; });
}

}  // namespace

attest::ReportData compute_client_evidence_binding(attest::ByteSpan nonce,
                                                   attest::ByteSpan exporter,
                                                   attest::ByteSpan client_spki_hash) {
  attest::ReportData out{};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned int len = 0;
  EVP_DigestInit_ex(ctx, EVP_sha512(), nullptr);
  EVP_DigestUpdate(ctx, kClientEvidenceBindingLabel,
                   sizeof kClientEvidenceBindingLabel);  // includes the 0x00
  EVP_DigestUpdate(ctx, nonce.data(), nonce.size());
  EVP_DigestUpdate(ctx, exporter.data(), exporter.size());
  EVP_DigestUpdate(ctx, client_spki_hash.data(), client_spki_hash.size());
  EVP_DigestFinal_ex(ctx, out.data(), &len);
  EVP_MD_CTX_free(ctx);
  return out;
}

Result<attest::ReportData> client_evidence_binding(SSL* ssl, attest::ByteSpan nonce,
                                                   bool broker_side) {
  using R = Result<attest::ReportData>;
  if (SSL_version(ssl) != TLS1_3_VERSION) {
    return R::failure("client attestation needs TLS 1.3 (this connection is " +
                      std::string(SSL_get_version(ssl)) + ")");
  }
  attest::Bytes exporter(kExporterSize);
  if (SSL_export_keying_material(ssl, exporter.data(), exporter.size(),
                                 kClientEvidenceExporterLabel,
                                 sizeof kClientEvidenceExporterLabel - 1, nonce.data(),
                                 nonce.size(), /*use_context=*/1) != 1) {
    ERR_clear_error();
    return R::failure("TLS exporter unavailable on this connection");
  }
  attest::Bytes spki_hash;
  X509* cert = broker_side ? SSL_get0_peer_certificate(ssl) : SSL_get_certificate(ssl);
  if (cert != nullptr) {
    attest::Sha256Digest d = attest::spki_sha256(cert);
    spki_hash.assign(d.begin(), d.end());
  }
  return R::success(compute_client_evidence_binding(nonce, exporter, spki_hash));
}

Result<attest::Bytes> produce_client_evidence(SSL* ssl, const attest::Attester& attester,
                                              attest::ByteSpan nonce) {
  using R = Result<attest::Bytes>;
  auto binding = client_evidence_binding(ssl, nonce, /*broker_side=*/false);
  if (!binding) return R::failure(binding.error());
  auto evidence = attester.attest(*binding);
  if (!evidence) return R::failure("attester failed: " + evidence.error());
  if (evidence->size() > kMaxEvidenceSize) {
    return R::failure("evidence of " + std::to_string(evidence->size()) +
                      " bytes exceeds the maximum of " + std::to_string(kMaxEvidenceSize));
  }
  return R::success(
      encode_evidence({static_cast<std::uint16_t>(attester.type()), std::move(*evidence)}));
}

AttestationOutcome verify_client_evidence(SSL* ssl, const AttestationClient& verifier,
                                          attest::ByteSpan nonce, attest::ByteSpan answer) {
  AttestationOutcome outcome;
  auto evidence = decode_evidence(answer);
  if (!evidence) {
    outcome.error = AttestationError::kMalformedEvidence;
    outcome.message = "malformed client evidence: " + evidence.error().message;
    return outcome;
  }
  const auto offered = verifier.offered_types();
  if (std::find(offered.begin(), offered.end(), evidence->type) == offered.end()) {
    outcome.error = AttestationError::kEvidenceTypeNotAllowed;
    outcome.message = "client evidence of type " +
                      std::string(attest::evidence_type_name(evidence->type)) +
                      ", which the client_attestation_policy does not allow";
    return outcome;
  }
  auto binding = client_evidence_binding(ssl, nonce, /*broker_side=*/true);
  if (!binding) {
    outcome.error = AttestationError::kTlsVersionRefused;
    outcome.message = binding.error();
    return outcome;
  }
  return verifier.check_evidence(evidence->type, evidence->evidence, *binding);
}

std::vector<std::pair<std::string, std::string>> claims_for_acl(const attest::Claims& claims) {
  std::vector<std::pair<std::string, std::string>> out;
  auto add = [&](const char* name, std::string value) {
    if (usable_value(value)) out.emplace_back(name, std::move(value));
  };
  add("type", std::string(attest::evidence_type_name(static_cast<std::uint16_t>(claims.type))));
  add("platform", claims.platform_id);
  const bool measured_runtime =
      claims.type == attest::EvidenceType::kSim || claims.type == attest::EvidenceType::kTpm2Quote;
  if (measured_runtime) {
    add("runtime_measurement", attest::to_hex(claims.runtime_measurement));
    add("module_measurement", attest::to_hex(claims.module_measurement));
  }
  add("debug", claims.debug ? "true" : "false");
  if (claims.sev_snp) add("measurement", attest::to_hex(claims.sev_snp->measurement));
  if (claims.tdx) add("measurement", attest::to_hex(claims.tdx->mr_td));
  if (claims.sgx) add("measurement", attest::to_hex(claims.sgx->mr_enclave));
  if (claims.intel_tcb && claims.intel_tcb->platform_status) {
    add("tcb_status", std::string(attest::tcb_status_name(*claims.intel_tcb->platform_status)));
  }
  return out;
}

}  // namespace trustmq::tls
