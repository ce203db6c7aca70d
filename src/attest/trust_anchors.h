// Root certificates a relying party trusts for evidence (from the policy's "trust_anchors").
#pragma once

#include <string>
#include <vector>

#include "attest/bytes.h"
#include "attest/openssl_handles.h"
#include "base/result.h"

namespace trustmq::attest {

using TrustAnchors = std::vector<SharedX509>;

// Every certificate in a PEM file (at least one, else an error naming the file).
Result<TrustAnchors> load_pem_certificates(const std::string& path);

// SHA-256 over the DER SubjectPublicKeyInfo of `cert`.
Sha256Digest spki_sha256(X509* cert);

}  // namespace trustmq::attest
