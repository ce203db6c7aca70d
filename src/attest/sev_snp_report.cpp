#include "attest/sev_snp_report.h"

#include "attest/little_endian.h"

namespace trustmq::attest {

SevSnpTcb SevSnpTcb::from_raw(std::uint64_t raw) {
  SevSnpTcb t;
  t.raw = raw;
  t.bootloader = static_cast<std::uint8_t>(raw & 0xFF);
  t.tee = static_cast<std::uint8_t>((raw >> 8) & 0xFF);
  t.snp = static_cast<std::uint8_t>((raw >> 48) & 0xFF);
  t.microcode = static_cast<std::uint8_t>((raw >> 56) & 0xFF);
  return t;
}

std::string SevSnpTcb::to_string() const {
  return "bootloader=" + std::to_string(bootloader) + " tee=" + std::to_string(tee) +
         " snp=" + std::to_string(snp) + " microcode=" + std::to_string(microcode);
}

std::string_view sev_snp_signing_key_name(SevSnpSigningKey key) {
  switch (key) {
    case SevSnpSigningKey::kVcek:
      return "VCEK";
    case SevSnpSigningKey::kVlek:
      return "VLEK";
    case SevSnpSigningKey::kNone:
      return "none";
  }
  return "reserved";
}

Result<SevSnpReport> parse_sev_snp_report(ByteSpan b) {
  using R = Result<SevSnpReport>;
  if (b.size() != kSevSnpReportSize) {
    return R::failure("sev-snp report: " + std::to_string(b.size()) + " bytes, expected " +
                      std::to_string(kSevSnpReportSize));
  }
  SevSnpReport r;
  r.version = read_le32(b, 0x00);
  if (r.version < kSevSnpMinVersion || r.version > kSevSnpMaxVersion) {
    return R::failure("sev-snp report: version " + std::to_string(r.version) +
                      " not supported (2..5)");
  }
  r.guest_svn = read_le32(b, 0x04);
  r.policy = read_le64(b, 0x08);
  if (((r.policy >> 17) & 1) == 0) {
    return R::failure("sev-snp report: guest policy bit 17 (reserved, must be 1) is 0");
  }
  r.family_id = read_array<16>(b, 0x10);
  r.image_id = read_array<16>(b, 0x20);
  r.vmpl = read_le32(b, 0x30);
  r.signature_algo = read_le32(b, 0x34);
  if (r.signature_algo != kSevSnpSigAlgoEcdsaP384Sha384) {
    return R::failure("sev-snp report: signature algorithm " + std::to_string(r.signature_algo) +
                      " not supported (1 = ECDSA P-384 with SHA-384)");
  }
  r.current_tcb = SevSnpTcb::from_raw(read_le64(b, 0x38));
  r.platform_info = read_le64(b, 0x40);
  const std::uint32_t key_info = read_le32(b, 0x48);
  r.author_key_en = key_info & 1;
  r.mask_chip_id = (key_info >> 1) & 1;
  const std::uint32_t key = (key_info >> 2) & 7;
  if (key != 0 && key != 1 && key != 7) {
    return R::failure("sev-snp report: signing key selector " + std::to_string(key) +
                      " is reserved");
  }
  r.signing_key = static_cast<SevSnpSigningKey>(key);
  if ((key_info >> 5) != 0) {
    return R::failure("sev-snp report: reserved bits 5-31 of the key information are set");
  }
  r.report_data = read_array<64>(b, 0x50);
  r.measurement = read_array<48>(b, 0x90);
  r.host_data = read_array<32>(b, 0xC0);
  r.id_key_digest = read_array<48>(b, 0xE0);
  r.author_key_digest = read_array<48>(b, 0x110);
  r.report_id = read_array<32>(b, 0x140);
  r.report_id_ma = read_array<32>(b, 0x160);
  r.reported_tcb = SevSnpTcb::from_raw(read_le64(b, 0x180));
  r.chip_id = read_array<64>(b, 0x1A0);
  r.committed_tcb = SevSnpTcb::from_raw(read_le64(b, 0x1E0));
  r.current_build = b[0x1E8];
  r.current_minor = b[0x1E9];
  r.current_major = b[0x1EA];
  r.committed_build = b[0x1EC];
  r.committed_minor = b[0x1ED];
  r.committed_major = b[0x1EE];
  r.launch_tcb = SevSnpTcb::from_raw(read_le64(b, 0x1F0));
  // The signature area past r and s is reserved and must be zero.
  for (std::size_t i = kSevSnpSignatureOffset + 2 * kSevSnpSignatureComponentSize;
       i < kSevSnpReportSize; ++i) {
    if (b[i] != 0) return R::failure("sev-snp report: reserved bytes after the signature are set");
  }
  r.signed_bytes = b.first(kSevSnpSignedSize);
  r.signature_r_s = b.subspan(kSevSnpSignatureOffset, 2 * kSevSnpSignatureComponentSize);
  return R::success(std::move(r));
}

}  // namespace trustmq::attest
