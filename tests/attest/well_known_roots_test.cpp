#include "attest/well_known_roots.h"

#include <gtest/gtest.h>

#include "attest/amd_key_certificate.h"

namespace trustmq::attest {
namespace {

TEST(WellKnownRootsTest, BuiltInRootsMatchTheirPinnedFingerprints) {
  // A root whose DER hash differs from the pin is dropped, so the counts prove the pins hold.
  const TrustAnchors& amd = well_known_roots(EvidenceType::kSevSnp);
  ASSERT_EQ(amd.size(), 2u);
  EXPECT_EQ(certificate_common_name(amd[0].get()), "ARK-Milan");
  EXPECT_EQ(certificate_common_name(amd[1].get()), "ARK-Genoa");
  ASSERT_EQ(well_known_roots(EvidenceType::kSgxDcap).size(), 1u);
  EXPECT_EQ(certificate_common_name(well_known_roots(EvidenceType::kTdx)[0].get()),
            "Intel SGX Root CA");
  EXPECT_TRUE(well_known_roots(EvidenceType::kSim).empty());
  EXPECT_TRUE(well_known_roots(EvidenceType::kTpm2Quote).empty());
}

TEST(WellKnownRootsTest, BuiltInAmdIntermediatesAreSignedByTheirArk) {
  const TrustAnchors& amd = well_known_roots(EvidenceType::kSevSnp);
  const TrustAnchors& inter = well_known_amd_intermediates();
  ASSERT_EQ(inter.size(), 4u);
  for (std::size_t i = 0; i < inter.size(); ++i) {
    X509* ark = amd[i < 2 ? 0 : 1].get();
    EXPECT_EQ(X509_verify(inter[i].get(), X509_get0_pubkey(ark)), 1)
        << certificate_common_name(inter[i].get());
  }
}

}  // namespace
}  // namespace trustmq::attest
