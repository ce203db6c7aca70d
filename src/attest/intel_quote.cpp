#include "attest/intel_quote.h"

#include "attest/little_endian.h"

namespace trustmq::attest {

SgxReportBody parse_sgx_report_body(ByteSpan b) {
  SgxReportBody r;
  r.cpu_svn = read_array<16>(b, 0);
  r.misc_select = read_le32(b, 16);
  r.attributes = read_array<16>(b, 48);
  r.mr_enclave = read_array<32>(b, 64);
  r.mr_signer = read_array<32>(b, 128);
  r.isv_prod_id = read_le16(b, 256);
  r.isv_svn = read_le16(b, 258);
  r.report_data = read_array<64>(b, 320);
  return r;
}

TdReportBody parse_td_report_body(ByteSpan b) {
  TdReportBody r;
  r.tee_tcb_svn = read_array<16>(b, 0);
  r.mr_seam = read_array<48>(b, 16);
  r.mr_signer_seam = read_array<48>(b, 64);
  r.seam_attributes = read_le64(b, 112);
  r.td_attributes = read_le64(b, 120);
  r.xfam = read_le64(b, 128);
  r.mr_td = read_array<48>(b, 136);
  r.mr_config_id = read_array<48>(b, 184);
  r.mr_owner = read_array<48>(b, 232);
  r.mr_owner_config = read_array<48>(b, 280);
  for (std::size_t i = 0; i < 4; ++i) r.rtmr[i] = read_array<48>(b, 328 + 48 * i);
  r.report_data = read_array<64>(b, 520);
  return r;
}

namespace {

// Reads forward through a span; every read is bounds-checked.
class Cursor {
 public:
  explicit Cursor(ByteSpan b) : b_(b) {}
  std::size_t offset() const { return pos_; }
  std::size_t left() const { return b_.size() - pos_; }
  bool take(std::size_t n, ByteSpan& out) {
    if (left() < n) return false;
    out = b_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  bool u16(std::uint16_t& out) {
    if (left() < 2) return false;
    out = read_le16(b_, pos_);
    pos_ += 2;
    return true;
  }
  bool u32(std::uint32_t& out) {
    if (left() < 4) return false;
    out = read_le32(b_, pos_);
    pos_ += 4;
    return true;
  }

 private:
  ByteSpan b_;
  std::size_t pos_ = 0;
};

Result<IntelQuote> fail(const std::string& what) {
  return Result<IntelQuote>::failure("intel quote: " + what);
}

}  // namespace

Result<IntelQuote> parse_intel_quote(ByteSpan bytes) {
  IntelQuote q;
  if (bytes.size() < kIntelQuoteHeaderSize) {
    return fail(std::to_string(bytes.size()) + " bytes, shorter than the 48-byte header");
  }
  q.version = read_le16(bytes, 0);
  q.attestation_key_type = read_le16(bytes, 2);
  q.tee_type = read_le32(bytes, 4);
  q.qe_vendor_id = read_array<16>(bytes, 12);
  if (q.version < 3 || q.version > 5) {
    return fail("version " + std::to_string(q.version) + " not supported (3, 4, 5)");
  }
  if (q.attestation_key_type != 2) {
    return fail("attestation key type " + std::to_string(q.attestation_key_type) +
                " not supported (2 = ECDSA P-256)");
  }
  if (q.version == 3 && q.tee_type != kIntelTeeTypeSgx) {
    // In v3 these 4 bytes are reserved (zero): a v3 quote is an SGX quote.
    return fail("version 3 quote with TEE type field " + std::to_string(q.tee_type) +
                " (reserved, must be 0)");
  }
  if (q.tee_type != kIntelTeeTypeSgx && q.tee_type != kIntelTeeTypeTdx) {
    return fail("TEE type " + std::to_string(q.tee_type) + " unknown (0 = SGX, 0x81 = TDX)");
  }
  Cursor c(bytes);
  ByteSpan skip;
  c.take(kIntelQuoteHeaderSize, skip);
  std::size_t body_size = q.is_tdx() ? kTdReportBody10Size : kSgxReportBodySize;
  if (q.version == 5) {
    std::uint16_t body_type = 0;
    std::uint32_t size = 0;
    if (!c.u16(body_type) || !c.u32(size)) return fail("truncated body descriptor");
    const std::size_t expected = body_type == 1   ? kSgxReportBodySize
                                 : body_type == 2 ? kTdReportBody10Size
                                 : body_type == 3 ? kTdReportBody15Size
                                                  : 0;
    if (expected == 0) {
      return fail("body type " + std::to_string(body_type) +
                  " unknown (1 = SGX, 2 = TDX 1.0, 3 = TDX 1.5)");
    }
    if ((body_type == 1) == q.is_tdx()) return fail("body type does not match the TEE type");
    if (size != expected) {
      return fail("body size " + std::to_string(size) + " for body type " +
                  std::to_string(body_type) + " (expected " + std::to_string(expected) + ")");
    }
    body_size = size;
  }
  if (!c.take(body_size, q.body)) return fail("truncated report body");
  q.signed_bytes = bytes.first(c.offset());

  std::uint32_t sig_size = 0;
  if (!c.u32(sig_size)) return fail("truncated: no signature data size");
  ByteSpan sig_data;
  if (!c.take(sig_size, sig_data)) {
    return fail("signature data size " + std::to_string(sig_size) + " exceeds the " +
                std::to_string(c.left()) + " bytes left");
  }
  q.trailing_bytes = c.left();

  Cursor s(sig_data);
  if (!s.take(64, q.signature) || !s.take(64, q.attestation_key)) {
    return fail("truncated quote signature or attestation key");
  }
  Cursor* qe = &s;
  Cursor inner(ByteSpan{});
  if (q.version >= 4) {
    std::uint16_t type = 0;
    std::uint32_t size = 0;
    ByteSpan data;
    if (!s.u16(type) || !s.u32(size) || !s.take(size, data)) {
      return fail("truncated certification data");
    }
    if (type != 6) {
      return fail("certification data type " + std::to_string(type) +
                  " not supported (6 = QE report certification data)");
    }
    inner = Cursor(data);
    qe = &inner;
  }
  std::uint16_t auth_size = 0;
  if (!qe->take(kSgxReportBodySize, q.qe_report) || !qe->take(64, q.qe_report_signature) ||
      !qe->u16(auth_size) || !qe->take(auth_size, q.qe_auth_data)) {
    return fail("truncated QE report, QE report signature or QE auth data");
  }
  std::uint32_t cert_size = 0;
  if (!qe->u16(q.certification_data_type) || !qe->u32(cert_size) ||
      !qe->take(cert_size, q.certification_data)) {
    return fail("truncated PCK certification data");
  }
  if (q.certification_data_type != 5) {
    return fail("certification data type " + std::to_string(q.certification_data_type) +
                " not supported (5 = PEM PCK certificate chain)");
  }
  if (qe->left() != 0 || (qe != &s && s.left() != 0)) {
    return fail("unexpected bytes inside the signature data");
  }
  return Result<IntelQuote>::success(q);
}

}  // namespace trustmq::attest
