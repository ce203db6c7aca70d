#include "attest/intel_quote.h"

#include <gtest/gtest.h>

#include "support/vector_files.h"

namespace trustmq::attest {
namespace {

using test_support::read_vector;

TEST(IntelQuoteTest, ParsesSgxV3TdxV4AndTdxV5) {
  const Bytes sgx = read_vector("sgx-dcap/hw_quote.dat");
  auto q3 = parse_intel_quote(sgx);
  ASSERT_TRUE(q3.ok()) << q3.error();
  EXPECT_EQ(q3->version, 3);
  EXPECT_FALSE(q3->is_tdx());
  EXPECT_EQ(q3->body.size(), kSgxReportBodySize);
  EXPECT_EQ(q3->signed_bytes.size(), 48u + 384u);
  EXPECT_EQ(q3->qe_auth_data.size(), 32u);
  EXPECT_EQ(q3->certification_data_type, 5);
  EXPECT_EQ(q3->trailing_bytes, 0u);

  const Bytes tdx4 = read_vector("tdx/tdx_prod_quote_SPR_E4.dat");
  auto q4 = parse_intel_quote(tdx4);
  ASSERT_TRUE(q4.ok()) << q4.error();
  EXPECT_EQ(q4->version, 4);
  EXPECT_TRUE(q4->is_tdx());
  EXPECT_EQ(q4->body.size(), kTdReportBody10Size);
  EXPECT_EQ(q4->trailing_bytes, 39u);  // "extra bytes(only for testing purpose)", unsigned

  const Bytes tdx5 = read_vector("tdx/quote_v5_sample.dat");
  auto q5 = parse_intel_quote(tdx5);
  ASSERT_TRUE(q5.ok()) << q5.error();
  EXPECT_EQ(q5->version, 5);
  EXPECT_EQ(q5->body.size(), kTdReportBody15Size);
  EXPECT_EQ(q5->signed_bytes.size(), 48u + 6u + 648u);
}

TEST(IntelQuoteTest, RejectsMalformedQuotesWithTheField) {
  const Bytes good = read_vector("tdx/tdx_prod_quote_SPR_E4.dat");
  auto expect_error = [](const Bytes& b, const std::string& fragment) {
    auto r = parse_intel_quote(b);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().find(fragment), std::string::npos) << r.error();
  };
  expect_error(Bytes(good.begin(), good.begin() + 20), "shorter than the 48-byte header");
  Bytes b = good;
  b[0] = 2;
  expect_error(b, "version 2 not supported");
  b = good;
  b[2] = 3;
  expect_error(b, "attestation key type 3");
  b = good;
  b[4] = 0x82;
  expect_error(b, "TEE type 130 unknown");
  expect_error(Bytes(good.begin(), good.begin() + 700), "signature data size");
  b = good;
  b[632 + 4 + 128] = 5;  // outer certification data type
  expect_error(b, "certification data type 5 not supported (6 =");
  const Bytes v5 = read_vector("tdx/quote_v5_sample.dat");
  b = v5;
  b[48] = 9;
  expect_error(b, "body type 9 unknown");
  b = v5;
  b[50] = 0;
  expect_error(b, "body size");
}

TEST(IntelQuoteTest, ReadsReportBodies) {
  const Bytes sgx = read_vector("sgx-dcap/hw_quote.dat");
  auto q = parse_intel_quote(sgx);
  ASSERT_TRUE(q.ok());
  const SgxReportBody body = parse_sgx_report_body(q->body);
  EXPECT_EQ(body.mr_enclave[0], sgx[48 + 64]);
  EXPECT_EQ(body.mr_signer[0], sgx[48 + 128]);
  EXPECT_EQ(body.report_data[0], sgx[48 + 320]);
  const Bytes tdx = read_vector("tdx/tdx_prod_quote_SPR_E4.dat");
  auto t = parse_intel_quote(tdx);
  ASSERT_TRUE(t.ok());
  const TdReportBody td = parse_td_report_body(t->body);
  EXPECT_EQ(td.mr_td[0], tdx[48 + 136]);
  EXPECT_EQ(td.rtmr[3][47], tdx[48 + 472 + 47]);
  EXPECT_EQ(td.report_data[63], tdx[48 + 583]);
}

}  // namespace
}  // namespace trustmq::attest
