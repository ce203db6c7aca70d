#include "attest/collateral.h"

#include <gtest/gtest.h>

#include "support/vector_files.h"

namespace trustmq::attest {
namespace {

using test_support::read_vector;
using test_support::vector_path;

TEST(CollateralTest, RecognisesCertificatesCrlsAndDocumentsByContent) {
  Collateral c;
  EXPECT_TRUE(c.add_bytes("vcek", read_vector("sev-snp/vcek.testcer")).ok());        // DER cert
  EXPECT_TRUE(c.add_bytes("chain", read_vector("sev-snp/ask_ark_milan.pem")).ok());  // 2 PEM
  EXPECT_TRUE(c.add_bytes("crl", read_vector("tdx/rootcrl.der")).ok());              // DER CRL
  EXPECT_TRUE(c.add_bytes("tcb", read_vector("tdx/sample_tcbInfo_response")).ok());  // JSON
  EXPECT_EQ(c.certificates.size(), 3u);
  EXPECT_EQ(c.crls.size(), 1u);
  ASSERT_EQ(c.documents.size(), 1u);
  EXPECT_EQ(c.documents[0].source, "tcb");
  auto bad = c.add_bytes("notes.txt", Bytes{'h', 'i'});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().find("notes.txt is not a certificate, a CRL or a JSON document"),
            std::string::npos);
  EXPECT_FALSE(c.add_bytes("empty", Bytes{}).ok());
}

TEST(CollateralTest, FolderSkipsOtherFilesButANamedFileMustBeCollateral) {
  auto folder = load_collateral({vector_path("tdx")});
  ASSERT_TRUE(folder.ok()) << folder.error();
  EXPECT_EQ(folder->crls.size(), 2u);
  EXPECT_EQ(folder->documents.size(), 2u);
  ASSERT_EQ(folder->skipped.size(), 1u);
  EXPECT_NE(folder->skipped[0].find("LICENSE.go-tdx-guest"), std::string::npos);
  auto named = load_collateral({vector_path("tdx/LICENSE.go-tdx-guest")});
  ASSERT_FALSE(named.ok());
  EXPECT_NE(named.error().find("LICENSE.go-tdx-guest"), std::string::npos);
  auto missing = load_collateral({vector_path("nope.der")});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().find("cannot read collateral file"), std::string::npos);
}

}  // namespace
}  // namespace trustmq::attest
