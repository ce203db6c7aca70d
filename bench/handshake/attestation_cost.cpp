// attestation_cost: where the time of an attested handshake goes, measured in one process (no
// network, no broker): the components of sim evidence (sign, verify, binding, ...) and full TLS
// 1.3 handshakes over a socketpair with and without attestation, timing the client's
// SSL_connect calls and the server's SSL_accept calls separately. Medians in microseconds.
// Pin it to one core (taskset -c 1) for stable numbers. Not a test: see run.sh and
// docs/benchmarks.md. sim gives NO hardware protection: this measures the protocol's cost.
//
// tpm2-quote: with --tpm-tcti (a TPM whose AK `trustmq tpm enroll` certified, run.sh starts a
// swtpm — a SOFTWARE TPM — for it) the same lines for TPM quotes; the tool then resets PCR 23 of
// that TPM (one user at a time). Without it the TPM lines are printed as MISSING with the reason
// (--tpm-missing TEXT, from run.sh), never left out.
//
//   attestation_cost [--count 2000] [--state DIR]
//                    [--tpm-tcti TCTI --tpm-ak-certificate AK.pem --tpm-enrolment-ca CA.pem
//                     | --tpm-missing REASON]
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "attest/appraisal.h"
#include "attest/sim_attester.h"
#include "attest/sim_evidence.h"
#include "attest/sim_verifier.h"
#include "attest/tpm_attester.h"
#include "attest/tpm_quote_verifier.h"
#include "attest/trust_anchors.h"
#include "tls/attestation_binding.h"
#include "tls/attestation_client.h"
#include "tls/attestation_server.h"
#include "tls/tls_context.h"

namespace {

using namespace trustmq;
using Clock = std::chrono::steady_clock;

double micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "attestation_cost: %s\n", message.c_str());
  std::exit(1);
}

template <typename F>
double median_of(int n, F&& f) {
  std::vector<double> v;
  v.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    const auto start = Clock::now();
    f();
    v.push_back(micros(Clock::now() - start));
  }
  return median(std::move(v));
}

struct SideTimes {
  double client_us = 0;
  double server_us = 0;
};

// One handshake over a non-blocking socketpair; time spent inside each side's calls.
SideTimes handshake(SSL* client, SSL* server) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) die("socketpair");
  for (int fd : fds) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  SSL_set_fd(client, fds[0]);
  SSL_set_fd(server, fds[1]);
  SideTimes t;
  bool client_done = false, server_done = false;
  int client_rc = 0, server_rc = 0;
  for (int i = 0; i < 100 && !(client_done && server_done); ++i) {
    if (!client_done) {
      const auto start = Clock::now();
      client_rc = SSL_connect(client);
      t.client_us += micros(Clock::now() - start);
      const int e = SSL_get_error(client, client_rc);
      client_done = client_rc == 1 || (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE);
    }
    if (!server_done) {
      const auto start = Clock::now();
      server_rc = SSL_accept(server);
      t.server_us += micros(Clock::now() - start);
      const int e = SSL_get_error(server, server_rc);
      server_done = server_rc == 1 || (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE);
    }
  }
  ::close(fds[0]);
  ::close(fds[1]);
  if (client_rc != 1 || server_rc != 1) die("handshake failed");
  return t;
}

struct TpmOptions {
  std::string tcti;
  std::string ak_certificate;
  std::string enrolment_ca;
  std::string missing;  // why the TPM lines cannot run
};

// The client-side policy for tpm2-quote: the enrolment CA as anchor, any measurement.
attest::Policy tpm_policy(const std::string& enrolment_ca) {
  std::string json = R"({"version": 1, "allowed_types": ["tpm2-quote"],
      "module_measurements": "any", "runtime_measurements": "any",
      "tpm2-quote": {"trust_anchors": [")" +
                     enrolment_ca + R"("]}})";
  auto policy = attest::parse_policy(json, "/");
  if (!policy) die("tpm2-quote policy: " + policy.error());
  return std::move(*policy);
}

// Full handshakes without and with attestation by `attester`, verified against `policy`.
void handshake_lines(int count, const std::string& state, const std::string& psk_hex,
                     const std::string& name, std::shared_ptr<const attest::Attester> attester,
                     const attest::Policy& policy) {
  for (const bool psk : {false, true}) {
    double base_client = 0, base_server = 0;
    for (const bool attest : {false, true}) {
      tls::TlsServerConfig sc;
      sc.state_dir = state + "/tls";
      sc.ciphers_tls13 = "TLS_AES_128_GCM_SHA256";
      tls::TlsClientConfig cc;
      cc.verify_peer = false;
      cc.tls_version = "tlsv1.3";
      cc.ciphers_tls13 = "TLS_AES_128_GCM_SHA256";
      if (psk) {
        sc.psk_file = state + "/psk";
        cc.psk_identity = "bench";
        cc.psk_key_hex = psk_hex;
      }
      auto sctx = tls::make_server_context(sc);
      if (!sctx) die(sctx.error());
      auto cctx = tls::make_client_context(cc);
      if (!cctx) die(cctx.error());
      SSL_CTX_set_session_cache_mode(cctx->get(), SSL_SESS_CACHE_OFF);
      tls::AttestationServer server({attester});
      tls::AttestationClient client(policy);
      if (attest) {
        if (auto r = server.attach(sctx->get()); !r) die(r.error());
        if (auto r = client.attach(cctx->get()); !r) die(r.error());
      }
      std::vector<double> client_us, server_us;
      for (int i = 0; i < count + 20; ++i) {
        tls::SslPtr c(SSL_new(cctx->get()));
        tls::SslPtr s(SSL_new(sctx->get()));
        const SideTimes t = handshake(c.get(), s.get());
        if (attest) {
          const auto outcome = client.outcome(c.get(), 1);
          if (!outcome.ok()) die(name + " attestation failed: " + outcome.message);
        }
        if (i >= 20) {
          client_us.push_back(t.client_us);
          server_us.push_back(t.server_us);
        }
      }
      const double mc = median(client_us), ms = median(server_us);
      const std::string label = std::string(psk ? "psk" : "ecdhe") + (attest ? "+" + name : "");
      std::printf("  %-17s client %6.1f us  server %6.1f us", label.c_str(), mc, ms);
      if (attest) {
        std::printf("  attestation adds: client %+.1f us, server %+.1f us, sum %+.1f us",
                    mc - base_client, ms - base_server, mc - base_client + ms - base_server);
      } else {
        base_client = mc;
        base_server = ms;
      }
      std::printf("\n");
    }
  }
}

// The tpm2-quote lines: components and handshakes, or MISSING with the reason.
void tpm_lines(int count, const std::string& state, const std::string& psk_hex,
               const TpmOptions& o) {
  std::printf("\ntpm2-quote (");
  if (o.tcti.empty()) {
    std::printf("MISSING): not measured: %s\n",
                o.missing.empty() ? "no --tpm-tcti given (bench/handshake/run.sh starts a swtpm)"
                                  : o.missing.c_str());
    return;
  }
  attest::TpmAttesterConfig config;
  config.tcti = o.tcti;
  config.ak_certificate_path = o.ak_certificate;
  config.runtime_measurement.fill(0x11);
  config.module_measurement.fill(0x22);
  auto started = attest::TpmAttester::start(config);
  if (!started) die("tpm2-quote: " + started.error());
  std::shared_ptr<const attest::TpmAttester> attester = std::move(*started);
  const attest::Policy policy = tpm_policy(o.enrolment_ca);
  const attest::TrustAnchors& anchors = policy.anchors_for(attest::EvidenceType::kTpm2Quote);
  const attest::ReportData report{};
  const auto evidence = attester->attest(report);
  if (!evidence) die("tpm2-quote: " + evidence.error());
  const std::uint64_t now = static_cast<std::uint64_t>(std::time(nullptr));
  attest::TpmQuoteVerifier verifier;
  if (auto c = verifier.verify(*evidence, anchors, now); !c)
    die("tpm2-quote: " + c.error().message);
  // A TPM round trip is ~1000 times slower than a signature: fewer runs.
  const int tpm_count = std::max(10, count / 4);
  std::printf("%s%s): evidence %zu bytes; medians\n", attester->tpm_description().c_str(),
              attester->software_tpm() ? ", a SOFTWARE TPM: proves nothing about the machine" : "",
              evidence->size());
  std::printf("  server  TpmAttester::attest (TPM2_Quote + encode)  %8.1f us (%d runs)\n",
              median_of(tpm_count,
                        [&] {
                          if (!attester->attest(report)) die("tpm2-quote: quote failed");
                        }),
              tpm_count);
  std::printf("  client  TpmQuoteVerifier::verify (AK chain remembered) %6.1f us (%d runs)\n",
              median_of(count,
                        [&] {
                          if (!verifier.verify(*evidence, anchors, now))
                            die("tpm2-quote: verify failed");
                        }),
              count);
  std::printf("  client  TpmQuoteVerifier::verify, new verifier (cold)  %6.1f us (%d runs)\n",
              median_of(tpm_count,
                        [&] {
                          attest::TpmQuoteVerifier cold;
                          if (!cold.verify(*evidence, anchors, now))
                            die("tpm2-quote: verify failed");
                        }),
              tpm_count);
  std::printf(
      "\nin-process TLS 1.3 handshakes with tpm2-quote evidence (socketpair), %d per line:\n",
      tpm_count);
  handshake_lines(tpm_count, state, psk_hex, "tpm2-quote", attester, policy);
}

}  // namespace

int main(int argc, char** argv) {
  int count = 2000;
  std::string state =
      (std::filesystem::temp_directory_path() / "trustmq-attestation-cost").string();
  TpmOptions tpm;
  for (int i = 1; i < argc; i += 2) {
    const std::string_view a = argv[i];
    if (i + 1 >= argc) die("missing value after " + std::string(a));
    if (a == "--count")
      count = std::atoi(argv[i + 1]);
    else if (a == "--state")
      state = argv[i + 1];
    else if (a == "--tpm-tcti")
      tpm.tcti = argv[i + 1];
    else if (a == "--tpm-ak-certificate")
      tpm.ak_certificate = argv[i + 1];
    else if (a == "--tpm-enrolment-ca")
      tpm.enrolment_ca = argv[i + 1];
    else if (a == "--tpm-missing")
      tpm.missing = argv[i + 1];
    else
      die("unknown option " + std::string(a));
  }
  if (count < 10) die("--count must be at least 10");
  if (!tpm.tcti.empty() && (tpm.ak_certificate.empty() || tpm.enrolment_ca.empty())) {
    die("--tpm-tcti needs --tpm-ak-certificate and --tpm-enrolment-ca");
  }
  std::filesystem::create_directories(state);

  auto platform = attest::SimPlatform::open_or_create(state + "/sim");
  if (!platform) die(platform.error());
  attest::SimAttesterClaims claims;
  claims.module_measurement.fill(0x22);
  claims.runtime_measurement.fill(0x11);
  auto attester = std::make_shared<attest::SimAttester>(*platform, claims);
  const attest::TrustAnchors anchors{
      attest::share_x509(attest::X509Ptr(X509_dup(platform->root_cert())))};
  attest::Policy policy;
  policy.allowed_types = {attest::EvidenceType::kSim};
  policy.allow_sim = true;
  policy.module_measurements.any = true;
  policy.runtime_measurements.any = true;
  policy.trust_anchors = anchors;

  // Components.
  const attest::ReportData report{};
  const auto evidence = attester->attest(report);
  if (!evidence) die(evidence.error());
  const std::uint64_t now = static_cast<std::uint64_t>(std::time(nullptr));
  attest::SimVerifier verifier;
  const auto claimed = verifier.verify(*evidence, anchors, now);
  if (!claimed) die(claimed.error().message);
  const auto parsed = attest::decode_sim_evidence(*evidence);
  X509* cert = platform->platform_cert();
  const attest::Bytes nonce(32, 1), random(32, 2), share(32, 3), spki(32, 4);

  std::printf("sim evidence: %zu bytes; %d runs per line, medians\n", evidence->size(), count);
  std::printf("  server  SimAttester::attest (ECDSA P-256 sign + encode)   %6.1f us\n",
              median_of(count, [&] { (void)attester->attest(report); }));
  std::printf("  client  SimVerifier::verify (as in a handshake)           %6.1f us\n",
              median_of(count, [&] { (void)verifier.verify(*evidence, anchors, now); }));
  std::printf(
      "  client    of which: platform certificate parse (d2i_X509)  %6.1f us (first use only)\n",
      median_of(count / 10, [&] {
        const unsigned char* p = parsed->platform_cert_der.data();
        X509_free(d2i_X509(nullptr, &p, static_cast<long>(parsed->platform_cert_der.size())));
      }));
  std::printf(
      "  client    of which: chain check X509_verify_cert          %6.1f us (first use only)\n",
      median_of(count, [&] {
        attest::X509StorePtr store(X509_STORE_new());
        X509_STORE_add_cert(store.get(), anchors[0].get());
        attest::X509StoreCtxPtr ctx(X509_STORE_CTX_new());
        X509_STORE_CTX_init(ctx.get(), store.get(), cert, nullptr);
        X509_STORE_CTX_set_time(ctx.get(), 0, static_cast<time_t>(now));
        if (X509_verify_cert(ctx.get()) != 1) die("chain");
      }));
  std::printf(
      "  client    of which: ECDSA P-256 verify of the evidence     %6.1f us\n",
      median_of(count, [&] {
        auto ctx =
            verifier.certificates().parse(parsed->platform_cert_der)->new_sha256_verify_context();
        const auto digest = attest::sim_signed_digest(parsed->body);
        if (EVP_PKEY_verify(ctx.get(), parsed->signature.data(), parsed->signature.size(),
                            digest.data(), digest.size()) != 1) {
          die("verify");
        }
      }));
  std::printf(
      "  both    SHA-512 binding                                   %6.1f us\n",
      median_of(count, [&] { (void)tls::compute_binding(nonce, random, random, share, spki); }));
  std::printf("  both    SPKI SHA-256 of a certificate                     %6.1f us\n",
              median_of(count, [&] { (void)attest::spki_sha256(cert); }));
  std::printf("  client  appraisal against the policy                      %6.1f us\n",
              median_of(count, [&] { (void)attest::appraise(policy, *claimed, now); }));

  // Handshakes.
  const std::string psk_hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  { std::ofstream(state + "/psk") << "bench:" << psk_hex << "\n"; }
  std::printf(
      "\nin-process TLS 1.3 handshakes (socketpair), %d per line, medians of the time\n"
      "inside SSL_connect (client) and SSL_accept (server):\n",
      count);
  handshake_lines(count, state, psk_hex, "attest", attester, policy);

  tpm_lines(count, state, psk_hex, tpm);
  return 0;
}
