// What an AMD VCEK or VLEK certificate says about the chip and firmware it endorses: the X.509
// extensions under 1.3.6.1.4.1.3704.1 (AMD "Versioned Chip Endorsement Key" specification):
// productName (1.2), the TCB security patch levels (1.3.1 bootloader, 1.3.2 TEE, 1.3.3 SNP,
// 1.3.8 microcode), hwID (1.4, 64 bytes; VCEK only) and cspId (1.5; VLEK only).
#pragma once

#include <openssl/x509.h>

#include <array>
#include <optional>
#include <string>

#include "attest/sev_snp_report.h"
#include "base/result.h"

namespace trustmq::attest {

struct AmdKeyCertificateInfo {
  std::string common_name;   // "SEV-VCEK" or "SEV-VLEK"
  std::string product_name;  // "Milan-B0"
  std::string product;       // "Milan" (the part before '-')
  SevSnpTcb tcb;             // from the SPL extensions
  std::optional<std::array<std::uint8_t, 64>> hw_id;
  std::string csp_id;
};

// Reads the extensions; errors name the one that is missing or malformed.
Result<AmdKeyCertificateInfo> read_amd_key_certificate(X509* cert);

// The subject common name ("" if none).
std::string certificate_common_name(X509* cert);

}  // namespace trustmq::attest
