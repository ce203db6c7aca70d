// `trustmq tpm enroll`: establishes a TPM's attestation key from its endorsement key (credential
// activation) and certifies it with an enrolment CA (attest/tpm_enrolment.h,
// docs/attestation.md "tpm2-quote").
#include <openssl/x509v3.h>

#include <cstdio>
#include <string>
#include <string_view>

#include "attest/certificate_issuer.h"
#include "attest/tpm_connection.h"
#include "attest/tpm_enrolment.h"
#include "attest/trust_anchors.h"
#include "command.h"

namespace trustmq::cli {
namespace {

constexpr const char* kUsage =
    "usage: trustmq tpm enroll --tcti TCTI --ek-ca CA.pem [--ek-ca …] --ca-dir DIR\n"
    "                          [--ak-cert FILE]\n"
    "\n"
    "Creates the TPM's attestation key (AK, ECDSA P-256, restricted signing, persistent handle\n"
    "0x81000100), proves it lives in the TPM of the endorsement key (EK) by credential\n"
    "activation against the EK certificate, and issues the AK certificate with the enrolment\n"
    "CA. Clients trust the enrolment CA in their policy (\"tpm2-quote\": {\"trust_anchors\"}).\n"
    "\n"
    "  --tcti TCTI      the TPM, as tpm2-tss writes it: device:/dev/tpmrm0,\n"
    "                   swtpm:host=127.0.0.1,port=2321, swtpm:path=SOCKET\n"
    "  --ek-ca CA.pem   the TPM manufacturer's CA certificates (roots and intermediates)\n"
    "                   that issued the EK certificate (swtpm: swtpm-localca's root and\n"
    "                   issuer certificates)\n"
    "  --ca-dir DIR     the enrolment CA: DIR/tpm-enrolment-ca.pem and .key (created if absent,\n"
    "                   mode 0600 in a 0700 folder)\n"
    "  --ak-cert FILE   where to write the AK certificate (default DIR/tpm-ak.pem)\n";

int usage_error(const std::string& message) {
  std::fprintf(stderr, "trustmq tpm: %s\n\n%s", message.c_str(), kUsage);
  return 2;
}

struct EnrolmentCa {
  attest::X509Ptr cert;
  attest::EvpPkeyPtr key;
  bool created = false;
};

Result<EnrolmentCa> open_or_create_ca(const std::string& dir) {
  using R = Result<EnrolmentCa>;
  const std::string cert_path = dir + "/tpm-enrolment-ca.pem";
  const std::string key_path = dir + "/tpm-enrolment-ca.key";
  EnrolmentCa ca;
  if (attest::file_exists(cert_path) || attest::file_exists(key_path)) {
    auto cert = attest::read_certificate_pem(cert_path);
    if (!cert) return R::failure(cert.error());
    auto key = attest::read_private_key_pem(key_path);
    if (!key) return R::failure(key.error());
    ca.cert = std::move(*cert);
    ca.key = std::move(*key);
    return R::success(std::move(ca));
  }
  auto made = attest::ensure_private_directory(dir);
  if (!made) return R::failure(made.error());
  auto key = attest::generate_p256_key();
  if (!key) return R::failure(key.error());
  attest::CertificateRequest request;
  request.common_name = "trustmq TPM enrolment CA";
  request.subject_key = key->get();
  request.issuer_key = key->get();
  request.is_ca = true;
  auto cert = attest::issue_certificate(request);
  if (!cert) return R::failure(cert.error());
  if (auto w = attest::write_private_key_pem(key_path, key->get()); !w)
    return R::failure(w.error());
  if (auto w = attest::write_certificate_pem(cert_path, cert->get()); !w) {
    return R::failure(w.error());
  }
  ca.cert = std::move(*cert);
  ca.key = std::move(*key);
  ca.created = true;
  return R::success(std::move(ca));
}

bool self_signed(X509* cert) { return X509_check_issued(cert, cert) == X509_V_OK; }

int run_enroll(std::span<char*> args) {
  std::string tcti;
  std::string ca_dir;
  std::string ak_cert;
  attest::TpmEnrolmentRequest request;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (i + 1 >= args.size()) return usage_error(std::string(a) + " needs a value or is unknown");
    const std::string v = args[++i];
    if (a == "--tcti") {
      tcti = v;
    } else if (a == "--ca-dir") {
      ca_dir = v;
    } else if (a == "--ak-cert") {
      ak_cert = v;
    } else if (a == "--ek-ca") {
      auto certs = attest::load_pem_certificates(v);
      if (!certs) {
        std::fprintf(stderr, "trustmq tpm: --ek-ca %s: %s\n", v.c_str(), certs.error().c_str());
        return 1;
      }
      for (auto& c : *certs) {
        (self_signed(c.get()) ? request.ek_roots : request.ek_intermediates).push_back(c);
      }
    } else {
      return usage_error("unknown option '" + std::string(a) + "'");
    }
  }
  if (tcti.empty()) return usage_error("no TPM: give --tcti");
  if (ca_dir.empty()) return usage_error("no enrolment CA: give --ca-dir DIR");
  if (request.ek_roots.empty()) {
    return usage_error("no EK root: give --ek-ca with the TPM manufacturer's root certificate");
  }
  if (ak_cert.empty()) ak_cert = ca_dir + "/tpm-ak.pem";

  auto ca = open_or_create_ca(ca_dir);
  if (!ca) {
    std::fprintf(stderr, "trustmq tpm: enrolment CA: %s\n", ca.error().c_str());
    return 1;
  }
  request.ca_certificate = ca->cert.get();
  request.ca_key = ca->key.get();
  auto tpm = attest::TpmConnection::open(tcti);
  if (!tpm) {
    std::fprintf(stderr, "trustmq tpm: %s\n", tpm.error().c_str());
    return 1;
  }
  auto enrolled = attest::enrol_attestation_key(**tpm, request);
  if (!enrolled) {
    std::fprintf(stderr, "trustmq tpm enroll: FAILED: %s\n", enrolled.error().c_str());
    return 1;
  }
  if (auto w = attest::write_certificate_pem(ak_cert, enrolled->ak_certificate.get()); !w) {
    std::fprintf(stderr, "trustmq tpm: %s\n", w.error().c_str());
    return 1;
  }
  std::printf("TPM:              %s (TCTI %s)\n", enrolled->tpm_description.c_str(), tcti.c_str());
  std::printf("EK certificate:   %s, issued by %s: chains to the EK roots given\n",
              enrolled->ek_certificate_subject.c_str(), enrolled->ek_certificate_issuer.c_str());
  std::printf("credential activation: ok (the AK is in the TPM holding that EK)\n");
  std::printf("AK:               persistent handle 0x81000100 (ECDSA P-256, restricted signing)\n");
  std::printf("AK certificate:   %s\n", ak_cert.c_str());
  std::printf(
      "enrolment CA:     %s/tpm-enrolment-ca.pem (%s; the trust anchor of client policies)\n",
      ca_dir.c_str(), ca->created ? "created" : "existing");
  std::printf(
      "what it proves:   quotes from this AK show the TPM's platform state and the runtime\n"
      "                  the broker measures into PCR 23, NOT memory isolation\n");
  if (enrolled->software_tpm) {
    std::printf(
        "WARNING:          this is a SOFTWARE TPM (swtpm): its EK private key lies in a\n"
        "                  readable state file; its evidence proves the protocol, nothing\n"
        "                  about the machine. Never trust its CA in production.\n");
  }
  return 0;
}

}  // namespace

int run_tpm_command(std::span<char*> args) {
  if (args.empty() || std::string_view(args[0]) == "--help" || std::string_view(args[0]) == "-h") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  if (std::string_view(args[0]) == "enroll") return run_enroll(args.subspan(1));
  return usage_error("unknown tpm command '" + std::string(args[0]) + "'");
}

}  // namespace trustmq::cli
