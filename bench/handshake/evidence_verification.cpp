// evidence_verification: time to verify hardware evidence offline, per type, with the real
// samples of tests/attest/vectors/ (tpm2-quote: a swtpm sample, with its enrolment CA; sgx-dcap
// and tdx also with dcap-qvl's genuine quotes and their full collateral, every step checked) (a
// fixed "now" inside their validity). For each type:
//   cold   a new verifier per run (nothing cached: PEM/DER parsing, every certificate, CRL and
//          collateral signature, then the evidence signatures);
//   cached one verifier reused (the certificate/CRL/collateral signature checks and parsed
//          PCK chains are remembered; validity, CRL dates, the evidence signatures, the key
//          binding and the TCB matching run every time) — what an attested-TLS client pays per
//          handshake once the platform is known.
// Medians in microseconds. Pin it to one core (taskset -c 1). Not a test: see
// docs/benchmarks.md.
//
//   evidence_verification [--count 2000] [--vectors DIR]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "attest/hardware_verifier.h"
#include "attest/json_value.h"
#include "attest/raw_ecdsa.h"
#include "attest/sev_snp_report.h"
#include "attest/trust_anchors.h"
#include "attest/well_known_roots.h"

namespace {

using namespace trustmq;
using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

attest::Bytes read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "evidence_verification: cannot read %s\n", path.c_str());
    std::exit(1);
  }
  return attest::Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// dcap-qvl's collateral JSON (tests/attest/vectors/dcap-qvl/): CRLs as hex, TCB info and QE
// identity as the raw PCS strings with hex signatures, rebuilt byte for byte into the documents
// trustmq reads ({"tcbInfo":<text>,"signature":"<hex>"}), as the tests do.
std::vector<std::pair<std::string, attest::Bytes>> dcap_qvl_collateral(const std::string& path) {
  const attest::Bytes raw = read(path);
  auto json =
      attest::parse_json(std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()));
  if (!json) {
    std::fprintf(stderr, "evidence_verification: %s: %s\n", path.c_str(), json.error().c_str());
    std::exit(1);
  }
  auto field = [&](const char* key) {
    const attest::JsonValue* v = json->find(key);
    if (v == nullptr || !v->is_string()) {
      std::fprintf(stderr, "evidence_verification: %s has no %s\n", path.c_str(), key);
      std::exit(1);
    }
    return v->as_string();
  };
  auto text = [](const std::string& s) { return attest::Bytes(s.begin(), s.end()); };
  return {{"root_ca_crl", attest::from_hex(field("root_ca_crl")).value_or(attest::Bytes{})},
          {"pck_crl", attest::from_hex(field("pck_crl")).value_or(attest::Bytes{})},
          {"tcb_info_issuer_chain", text(field("tcb_info_issuer_chain"))},
          {"tcb_info", text("{\"tcbInfo\":" + field("tcb_info") + ",\"signature\":\"" +
                            field("tcb_info_signature") + "\"}")},
          {"qe_identity", text("{\"enclaveIdentity\":" + field("qe_identity") +
                               ",\"signature\":\"" + field("qe_identity_signature") + "\"}")}};
}

struct Sample {
  const char* label;
  attest::EvidenceType type;
  const char* evidence;
  std::vector<const char*> collateral;
  std::uint64_t now;
  const char* anchors = nullptr;              // PEM; null: the built-in roots of the type
  const char* dcap_qvl_collateral = nullptr;  // a dcap-qvl collateral JSON, split as above
};

}  // namespace

int main(int argc, char** argv) {
  int count = 2000;
  std::string dir = TRUSTMQ_VECTORS_DIR;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i];
    if (arg == "--count") count = std::max(10, std::atoi(argv[i + 1]));
    if (arg == "--vectors") dir = argv[i + 1];
  }
  const std::vector<Sample> samples = {
      {"sev-snp (Milan, VCEK)",
       attest::EvidenceType::kSevSnp,
       "sev-snp/attestation.bin",
       {"sev-snp/vcek.testcer"},
       1735689600},
      {"sgx-dcap (quote v3, CRLs)",
       attest::EvidenceType::kSgxDcap,
       "sgx-dcap/hw_quote.dat",
       {"sgx-dcap/processor_crl.der", "sgx-dcap/root_crl.der"},
       1682899200},
      {"tdx (quote v4, CRLs + TCB info + QE identity)",
       attest::EvidenceType::kTdx,
       "tdx/tdx_prod_quote_SPR_E4.dat",
       {"tdx/pckcrl", "tdx/rootcrl.der", "tdx/sample_tcbInfo_response",
        "tdx/sample_qeIdentity_response", "tdx/tcb-signing-chain.pem"},
       1688169600},
      {"sgx-dcap (dcap-qvl v3, full collateral)",
       attest::EvidenceType::kSgxDcap,
       "dcap-qvl/sgx_quote",
       {},
       1750377600,
       nullptr,
       "dcap-qvl/sgx_quote_collateral.json"},
      {"tdx (dcap-qvl v5 TDX 1.5, full collateral)",
       attest::EvidenceType::kTdx,
       "dcap-qvl/tdx_quote_outdated",
       {},
       1772323200,
       nullptr,
       "dcap-qvl/tdx_quote_outdated_collateral.json"},
      {"tdx (quote v5, no collateral)",
       attest::EvidenceType::kTdx,
       "tdx/quote_v5_sample.dat",
       {},
       1780272000},
      {"tpm2-quote (swtpm, software TPM)",
       attest::EvidenceType::kTpm2Quote,
       "tpm2-quote/swtpm-quote.bin",
       {},
       1796515200,
       "tpm2-quote/enrolment-ca.pem"},
  };
  std::printf("%-48s %12s %12s   (median us, %d runs cached, %d cold)\n", "evidence", "cold",
              "cached", count, count / 10);
  for (const Sample& s : samples) {
    const attest::Bytes evidence = read(dir + "/" + s.evidence);
    auto collateral = std::make_shared<attest::Collateral>();
    for (const char* f : s.collateral) {
      auto added = collateral->add_bytes(f, read(dir + "/" + f));
      if (!added) {
        std::fprintf(stderr, "evidence_verification: %s\n", added.error().c_str());
        return 1;
      }
    }
    if (s.dcap_qvl_collateral != nullptr) {
      for (const auto& [name, bytes] : dcap_qvl_collateral(dir + "/" + s.dcap_qvl_collateral)) {
        auto added = collateral->add_bytes(name, bytes);
        if (!added) {
          std::fprintf(stderr, "evidence_verification: %s\n", added.error().c_str());
          return 1;
        }
      }
    }
    attest::TrustAnchors roots = attest::well_known_roots(s.type);
    if (s.anchors != nullptr) {
      auto loaded = attest::load_pem_certificates(dir + "/" + s.anchors);
      if (!loaded) {
        std::fprintf(stderr, "evidence_verification: %s\n", loaded.error().c_str());
        return 1;
      }
      roots = std::move(*loaded);
    }
    std::vector<double> cold, cached;
    for (int i = 0; i < count / 10; ++i) {
      auto v = attest::make_hardware_verifier(s.type, collateral);
      const auto start = Clock::now();
      auto r = v->verify(evidence, roots, s.now);
      cold.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
      if (!r) {
        std::fprintf(stderr, "evidence_verification: %s does not verify: %s\n", s.evidence,
                     r.error().message.c_str());
        return 1;
      }
    }
    auto v = attest::make_hardware_verifier(s.type, collateral);
    for (int i = 0; i < count; ++i) {
      const auto start = Clock::now();
      auto r = v->verify(evidence, roots, s.now);
      cached.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
      if (!r) return 1;
    }
    std::printf("%-48s %12.1f %12.1f\n", s.label, median(cold), median(cached));
  }

  // The floor of the sev-snp figure: the one ECDSA P-384 verification it cannot cache.
  const attest::Bytes report = read(dir + "/sev-snp/attestation.bin");
  const attest::Bytes vcek_der = read(dir + "/sev-snp/vcek.testcer");
  const unsigned char* p = vcek_der.data();
  attest::X509Ptr vcek(d2i_X509(nullptr, &p, static_cast<long>(vcek_der.size())));
  auto parsed = attest::parse_sev_snp_report(report);
  if (!vcek || !parsed) return 1;
  const attest::Bytes der =
      attest::raw_ecdsa_signature_to_der(parsed->signature_r_s, attest::Endianness::kLittle);
  std::vector<double> p384;
  for (int i = 0; i < count; ++i) {
    const auto start = Clock::now();
    if (!attest::verify_digest_signature(X509_get0_pubkey(vcek.get()), EVP_sha384(),
                                         parsed->signed_bytes, der)) {
      return 1;
    }
    p384.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  std::printf("%-48s %12s %12.1f\n", "  of which: ECDSA P-384 verify of the report", "",
              median(p384));
  return 0;
}
