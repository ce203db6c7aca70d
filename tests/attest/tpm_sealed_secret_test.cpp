// tpm_seal / tpm_unseal and the NV counter on private swtpm instances (support/swtpm.h). Each
// Swtpm starts from a copy of one provisioned state, so two of them share their storage seed:
// "another TPM" is one whose owner hierarchy was cleared (TPM2_Clear: a new storage seed, the
// owner's NV indices gone), which is what a different TPM looks like to a sealed object.
#include "attest/tpm_sealed_secret.h"

#include <gtest/gtest.h>

#include "attest/tpm_nv_counter.h"
#include "support/swtpm.h"

namespace trustmq::attest {
namespace {

using test_support::Swtpm;

std::unique_ptr<TpmConnection> connect_to(const Swtpm& tpm) {
  auto c = TpmConnection::open(tpm.tcti());
  if (!c) throw std::runtime_error(c.error());
  return std::move(*c);
}

void clear_owner_hierarchy(const TpmConnection& tpm) {
  const TSS2_RC rc =
      Esys_Clear(tpm.esys(), ESYS_TR_RH_LOCKOUT, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE);
  if (rc != TSS2_RC_SUCCESS) throw std::runtime_error(tpm.error("TPM2_Clear", rc));
}

const Bytes kSecret = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                       17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

TEST(TpmSealedSecret, UnsealsOnTheSameTpm_AfterReconnecting) {
  Swtpm swtpm;
  Bytes sealed;
  {
    const auto tpm = connect_to(swtpm);
    auto s = tpm_seal(*tpm, kSecret);
    ASSERT_TRUE(s) << s.error();
    sealed = *s;
  }
  // The plain secret is not in the stored form.
  EXPECT_EQ(std::search(sealed.begin(), sealed.end(), kSecret.begin(), kSecret.end()),
            sealed.end());
  const auto tpm = connect_to(swtpm);
  auto u = tpm_unseal(*tpm, sealed);
  ASSERT_TRUE(u) << u.error();
  EXPECT_EQ(*u, kSecret);
}

TEST(TpmSealedSecret, AnotherTpm_CannotUnseal_AndSaysSo) {
  Swtpm first;
  Swtpm second;
  auto s = tpm_seal(*connect_to(first), kSecret);
  ASSERT_TRUE(s) << s.error();
  const auto other = connect_to(second);
  clear_owner_hierarchy(*other);
  auto u = tpm_unseal(*other, *s);
  ASSERT_FALSE(u);
  EXPECT_NE(u.error().find("does not load on this TPM (sealed by another TPM"), std::string::npos)
      << u.error();
  EXPECT_NE(u.error().find(second.tcti()), std::string::npos) << u.error();
}

TEST(TpmSealedSecret, DamagedBlob_IsRefused) {
  Swtpm swtpm;
  const auto tpm = connect_to(swtpm);
  auto s = tpm_seal(*tpm, kSecret);
  ASSERT_TRUE(s) << s.error();
  Bytes damaged = *s;
  damaged[20] ^= 0x01;  // inside the encrypted private area
  EXPECT_FALSE(tpm_unseal(*tpm, damaged));
  Bytes truncated(s->begin(), s->end() - 1);
  auto t = tpm_unseal(*tpm, truncated);
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().find("not a TPM-sealed object"), std::string::npos) << t.error();
  EXPECT_FALSE(tpm_seal(*tpm, Bytes(129, 0)));
}

TEST(TpmNvCounter, DefinedCounters_AreDistinct_AndOnlyGoUp) {
  Swtpm swtpm;
  const auto tpm = connect_to(swtpm);
  auto a = tpm_define_counter(*tpm);
  ASSERT_TRUE(a) << a.error();
  auto b = tpm_define_counter(*tpm);
  ASSERT_TRUE(b) << b.error();
  EXPECT_NE(*a, *b);
  auto before = tpm_read_counter(*tpm, *a);
  ASSERT_TRUE(before) << before.error();
  EXPECT_GE(*before, 1u);
  auto after = tpm_increment_counter(*tpm, *a);
  ASSERT_TRUE(after) << after.error();
  EXPECT_EQ(*after, *before + 1);
  auto again = tpm_read_counter(*tpm, *a);
  ASSERT_TRUE(again) << again.error();
  EXPECT_EQ(*again, *after);
}

TEST(TpmNvCounter, UndefinedIndex_IsAnErrorNamingIt) {
  Swtpm swtpm;
  const auto tpm = connect_to(swtpm);
  auto r = tpm_read_counter(*tpm, kTpmCounterLastIndex);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("NV counter 0x018C00FF is not defined"), std::string::npos) << r.error();
}

}  // namespace
}  // namespace trustmq::attest
