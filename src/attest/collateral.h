// Collateral: what a hardware-evidence verifier needs besides the evidence and the trust
// anchors — AMD VCEK/VLEK and ASK certificates, Intel CRLs, TCB info and QE identity — read from
// files or a cache folder given by the user (`--collateral PATH`, the policy's "collateral").
// Never fetched from the network: trustmq makes no call to AMD KDS or Intel PCS.
//
// Each file is recognised by content: one DER certificate, PEM certificates, a DER or PEM CRL,
// or a JSON document (Intel TCB info / QE identity). A file named explicitly that is none of
// these is an error; in a folder such files are skipped and listed in `skipped`.
#pragma once

#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

#include "attest/bytes.h"
#include "attest/openssl_handles.h"
#include "base/result.h"

namespace trustmq::attest {

using SharedCrl = std::shared_ptr<X509_CRL>;

struct CollateralCertificate {
  std::string source;  // file it came from (for messages)
  SharedX509 cert;
};

struct CollateralCrl {
  std::string source;
  SharedCrl crl;
};

struct CollateralDocument {
  std::string source;
  std::string text;  // exact bytes (signatures cover them)
};

struct Collateral {
  std::vector<CollateralCertificate> certificates;
  std::vector<CollateralCrl> crls;
  std::vector<CollateralDocument> documents;
  std::vector<std::string> skipped;  // files in folders that were not collateral

  bool empty() const { return certificates.empty() && crls.empty() && documents.empty(); }
  // Adds the content of one file (given as bytes; `source` names it). Error if unrecognised.
  Result<void> add_bytes(const std::string& source, ByteSpan bytes);
};

// Reads every path: a file, or a folder (its regular files, not recursive, in name order).
Result<Collateral> load_collateral(const std::vector<std::string>& paths);

}  // namespace trustmq::attest
