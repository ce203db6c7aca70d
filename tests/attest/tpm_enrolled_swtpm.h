// Test scaffolding: a private swtpm (support/swtpm.h) with its attestation key enrolled by an
// enrolment CA made for the test, the AK certificate in a PEM file, and helpers to start an
// attester on it.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "attest/certificate_issuer.h"
#include "attest/tpm_attester.h"
#include "attest/tpm_enrolment.h"
#include "attest/trust_anchors.h"
#include "support/swtpm.h"

namespace trustmq::attest::testing {

inline X509Ptr make_ca(EvpPkeyPtr& key, const std::string& name) {
  key = generate_p256_key().value();
  CertificateRequest r;
  r.common_name = name;
  r.subject_key = key.get();
  r.issuer_key = key.get();
  r.is_ca = true;
  return issue_certificate(r).value();
}

inline TpmEnrolmentRequest enrolment_request(X509* ca_cert, EVP_PKEY* ca_key) {
  const auto& t = test_support::SwtpmTemplate::get();
  TpmEnrolmentRequest req;
  req.ek_roots = *load_pem_certificates(t.ek_root_ca);
  req.ek_intermediates = *load_pem_certificates(t.ek_issuer_ca);
  req.ca_certificate = ca_cert;
  req.ca_key = ca_key;
  return req;
}

struct EnrolledSwtpm {
  test_support::Swtpm tpm;
  EvpPkeyPtr ca_key;
  SharedX509 ca_cert;
  std::string ak_cert_path;

  explicit EnrolledSwtpm(const std::string& ca_name = "test enrolment CA") {
    ca_cert = share_x509(make_ca(ca_key, ca_name));
    auto connection = TpmConnection::open(tpm.tcti());
    if (!connection) throw std::runtime_error(connection.error());
    auto enrolled =
        enrol_attestation_key(**connection, enrolment_request(ca_cert.get(), ca_key.get()));
    if (!enrolled) throw std::runtime_error(enrolled.error());
    ak_cert_path = tpm.dir().file("tpm-ak.pem");
    if (!write_certificate_pem(ak_cert_path, enrolled->ak_certificate.get())) {
      throw std::runtime_error("cannot write the AK certificate");
    }
  }

  TrustAnchors anchors() const { return {ca_cert}; }

  TpmAttesterConfig attester_config(std::uint8_t module_byte = 0x4D) const {
    TpmAttesterConfig c;
    c.tcti = tpm.tcti();
    c.ak_certificate_path = ak_cert_path;
    c.runtime_measurement.fill(0x52);
    c.module_measurement.fill(module_byte);
    return c;
  }
};

}  // namespace trustmq::attest::testing
