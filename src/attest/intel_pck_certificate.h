// What an Intel PCK certificate says about the platform: its SGX extensions
// (OID 1.2.840.113741.1.13.1, Intel "PCK Certificate and CRL Profile"): the TCB (16 component
// SVNs, PCESVN, CPUSVN), the PCE-ID and the FMSPC, needed to pick and evaluate the TCB info.
#pragma once

#include <openssl/x509.h>

#include <array>
#include <cstdint>

#include "base/result.h"

namespace trustmq::attest {

struct PckCertificateInfo {
  std::array<std::uint8_t, 16> component_svns{};  // sgxTcbComp01..16
  std::uint16_t pce_svn = 0;
  std::array<std::uint8_t, 16> cpu_svn{};
  std::array<std::uint8_t, 2> pce_id{};
  std::array<std::uint8_t, 6> fmspc{};
};

// Errors name the element that is missing or malformed.
Result<PckCertificateInfo> read_pck_certificate(X509* cert);

}  // namespace trustmq::attest
