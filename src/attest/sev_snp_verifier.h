// `sev-snp` verifier (AMD SEV-SNP attestation report, versions 2-5; Milan and Genoa; VCEK and
// VLEK). The evidence is the 1184-byte report. The three steps are split like go-sev-guest's:
//   parse    parse_sev_snp_report (layout only);
//   verify   this class: ARK (a trust anchor: the built-in ARKs or the policy's) self-signature,
//            ASK/ASVK signed by the ARK, VCEK/VLEK signed by the ASK/ASVK (RSA-PSS SHA-384),
//            every certificate valid at `now`, the VCEK's hwID = the report's chip id, the
//            key's TCB extensions = the report's reported TCB, the product of the key =
//            the product of the ARK, then the report signature (ECDSA P-384 SHA-384 over
//            [0, 0x2A0), r and s little-endian) with the VCEK/VLEK key;
//   appraise appraise() with the policy's "sev-snp" section (appraisal.h).
// The VCEK/VLEK comes from the collateral (files or a cache folder; never the network); the
// ASK/ASVK from the collateral or, when absent there, the built-in copies (well_known_roots.h).
//
// Revocation: AMD's CRL of the ARK (KDS `/vcek/v1/<family>/crl`, `/vlek/v1/<family>/crl`) from
// the collateral — signed by the ARK, thisUpdate <= now < nextUpdate, the ASK/ASVK's serial not
// listed. Without such a CRL the step is logged NOT CHECKED (and verification goes on).
//
// Cached (per verifier, keyed by the certificate objects and the anchor set): the three
// certificate signature checks and the CRL signature after they succeeded once. Re-checked
// every time: validity periods and CRL dates at `now`, the revoked list, hwID / TCB / product
// matches, the report signature. Never cached: anything that failed.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "attest/collateral.h"
#include "attest/crl_check.h"
#include "attest/hardware_verifier.h"

namespace trustmq::attest {

class SevSnpVerifier final : public HardwareEvidenceVerifier {
 public:
  struct Options {
    // Fall back to the built-in ASK/ASVK when the collateral has none.
    bool builtin_intermediates = true;
  };

  explicit SevSnpVerifier(std::shared_ptr<const Collateral> collateral);
  SevSnpVerifier(std::shared_ptr<const Collateral> collateral, Options options);

  EvidenceType type() const override { return EvidenceType::kSevSnp; }
  Result<Claims, VerifyFailure> verify_logged(ByteSpan evidence, const TrustAnchors& anchors,
                                              std::uint64_t now_unix_seconds,
                                              VerificationLog* log) const override;

  // How often the certificate signatures were checked (not served from the cache).
  std::uint64_t chain_signature_checks() const;

 private:
  // Holds references, so an address is never reused for another certificate while cached.
  struct VerifiedChain {
    SharedX509 ark;
    SharedX509 intermediate;
    SharedX509 leaf;
  };
  static constexpr std::size_t kMaxCachedChains = 16;
  std::shared_ptr<const Collateral> collateral_;
  Options options_;
  mutable std::mutex mutex_;
  mutable std::vector<VerifiedChain> verified_;
  // CRLs whose signature by the ARK verified.
  mutable VerifiedCrls verified_crls_;
  mutable std::uint64_t chain_signature_checks_ = 0;
};

}  // namespace trustmq::attest
