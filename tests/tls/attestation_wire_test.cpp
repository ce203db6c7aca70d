#include "tls/attestation_wire.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "tls/attestation_binding.h"

namespace trustmq::tls {
namespace {

TEST(AttestationWireTest, RequestRoundTrips) {
  AttestationRequest r{Bytes(32, 0xAB), {0xFE01, 0x0001}};
  Bytes wire = encode_request(r);
  EXPECT_EQ(wire.size(), 1u + 32 + 1 + 4);
  auto back = decode_request(wire);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->nonce, r.nonce);
  EXPECT_EQ(back->accepted_types, r.accepted_types);
}

TEST(AttestationWireTest, RequestRejectsBadLengthsWithAlerts) {
  EXPECT_EQ(decode_request(Bytes{}).error().alert, SSL_AD_DECODE_ERROR);
  Bytes short_nonce = encode_request({Bytes(7, 1), {1}});
  EXPECT_EQ(decode_request(short_nonce).error().alert, SSL_AD_ILLEGAL_PARAMETER);
  Bytes long_nonce = encode_request({Bytes(65, 1), {1}});
  EXPECT_EQ(decode_request(long_nonce).error().alert, SSL_AD_ILLEGAL_PARAMETER);
  Bytes no_types = encode_request({Bytes(8, 1), {}});
  EXPECT_EQ(decode_request(no_types).error().alert, SSL_AD_ILLEGAL_PARAMETER);
  Bytes odd = encode_request({Bytes(8, 1), {1}});
  odd.back() = 0;
  odd[9] = 3;  // odd type-list length
  EXPECT_FALSE(decode_request(odd).ok());
  Bytes trailing = encode_request({Bytes(8, 1), {1}});
  trailing.push_back(0);
  EXPECT_EQ(decode_request(trailing).error().alert, SSL_AD_DECODE_ERROR);
  Bytes truncated = encode_request({Bytes(8, 1), {1, 2}});
  truncated.pop_back();
  EXPECT_EQ(decode_request(truncated).error().alert, SSL_AD_DECODE_ERROR);
}

TEST(AttestationWireTest, EvidenceRoundTripsAndEnforcesMaximum) {
  AttestationEvidence e{0xFE01, Bytes(kMaxEvidenceSize, 7)};
  auto back = decode_evidence(encode_evidence(e));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->type, 0xFE01);
  EXPECT_EQ(back->evidence.size(), kMaxEvidenceSize);
  AttestationEvidence big{0xFE01, Bytes(kMaxEvidenceSize + 1, 7)};
  auto refused = decode_evidence(encode_evidence(big));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().alert, SSL_AD_ILLEGAL_PARAMETER);
  EXPECT_NE(refused.error().message.find("exceeds the maximum"), std::string::npos);
  EXPECT_EQ(decode_evidence(Bytes{0xFE, 0x01, 0, 0}).error().alert, SSL_AD_DECODE_ERROR);
  EXPECT_EQ(decode_evidence(Bytes{0xFE, 0x01, 0, 2, 9}).error().alert, SSL_AD_DECODE_ERROR);
  EXPECT_EQ(decode_evidence(Bytes{0xFE}).error().alert, SSL_AD_DECODE_ERROR);
}

TEST(AttestationBindingTest, EveryInputChangesTheBinding) {
  Bytes nonce(32, 1), cr(32, 2), sr(32, 3), ks(32, 4), spki(32, 5);
  auto base = compute_binding(nonce, cr, sr, ks, spki);
  EXPECT_EQ(base, compute_binding(nonce, cr, sr, ks, spki));
  for (Bytes* field : {&nonce, &cr, &sr, &ks, &spki}) {
    (*field)[0] ^= 1;
    EXPECT_NE(base, compute_binding(nonce, cr, sr, ks, spki));
    (*field)[0] ^= 1;
  }
  EXPECT_NE(base, compute_binding(nonce, cr, sr, ks, {}));
}

}  // namespace
}  // namespace trustmq::tls
