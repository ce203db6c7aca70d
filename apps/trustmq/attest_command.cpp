// `trustmq attest -h HOST -p PORT --policy FILE [--cafile FILE] …`: performs an attested TLS 1.3
// handshake with a broker, prints the claims of the evidence it sent and the verdict of the
// policy with every reason, then closes without sending application data. Exit 0: trusted;
// 1: not trusted or the handshake failed (the error says precisely why); 2: usage error. Like
// `openssl s_client -verify_return_error` does for certificates. The connection and TLS flags
// are parsed by the parser of pub/sub (client_options.h).
#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

#include "attest/appraisal.h"
#include "attest/evidence_type.h"
#include "attest/policy.h"
#include "client/deadline.h"
#include "client/socket_fd.h"
#include "client/tcp_connection.h"
#include "client_options.h"
#include "command.h"
#include "runtime/core_build_measurement.h"
#include "tls/attestation_client.h"
#include "tls/psk_client_authentication.h"
#include "tls/tls_context.h"
#include "tpm_claims_lines.h"

namespace trustmq::cli {
namespace {

constexpr const char* kUsageHead =
    "usage: trustmq attest [-h HOST] [-p PORT] --policy POLICY [options]\n"
    "\n"
    "Asks the broker for attestation evidence in the TLS 1.3 handshake, verifies it against\n"
    "the policy (docs/attestation.md), prints its claims and the verdict, and disconnects.\n"
    "With --cafile the broker certificate and host name are verified as well.\n"
    "Exit status: 0 trusted, 1 not trusted or handshake failed, 2 usage error.\n"
    "\n"
    "options:\n";

void print_usage(std::FILE* out) {
  std::fputs(kUsageHead, out);
  std::fputs(client_options_help(ClientCommand::kAttest).c_str(), out);
}

int usage_error(const std::string& message) {
  std::fprintf(stderr, "trustmq attest: %s\n\n", message.c_str());
  print_usage(stderr);
  return 2;
}

std::string openssl_errors() {
  std::string all;
  while (const unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!all.empty()) all += "; ";
    all += buf;
  }
  return all;
}

std::string utc_time(std::uint64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string certificate_subject(const SSL* ssl) {
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr) return {};
  char buf[256];
  X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf);
  return buf;
}

void print_claims(const tls::AttestationOutcome& o) {
  const attest::Claims& c = *o.claims;
  const auto now = static_cast<std::uint64_t>(std::time(nullptr));
  std::printf("Evidence (%zu bytes):\n", o.evidence.size());
  std::printf("  type:                %s (0x%04x)\n",
              std::string(attest::evidence_type_name(c.type)).c_str(),
              static_cast<unsigned>(c.type));
  std::printf("  platform:            %s\n", c.platform_id.c_str());
  std::printf("  runtime measurement: %s\n", attest::to_hex(c.runtime_measurement).c_str());
  const std::string module = attest::to_hex(c.module_measurement);
  std::printf("  module measurement:  %s\n", module.c_str());
  if (module == runtime::core_build_measurement()) {
    std::printf(
        "  NOTE: this is the native core's source hash (engine native): the broker only CLAIMS\n"
        "        it about itself; no module was measured (only the runtime measurement is).\n");
  }
  std::printf("  report data:         %s\n", attest::to_hex(c.report_data).c_str());
  if (c.has_timestamp) {
    const long long age = static_cast<long long>(now) - static_cast<long long>(c.timestamp);
    std::printf("  timestamp:           %s (%lld s %s)\n", utc_time(c.timestamp).c_str(),
                age >= 0 ? age : -age, age >= 0 ? "ago" : "in the future");
  } else {
    std::printf("  timestamp:           none (fresh by the nonce in the binding)\n");
  }
  std::printf("  debug:               %s\n", c.debug ? "true" : "false");
  std::printf("  binding:             %s\n",
              o.psk_handshake ? "this handshake (nonce, randoms, key share; PSK: no certificate)"
                              : "this handshake (nonce, randoms, key share, certificate key)");
  if (c.tpm) {
    for (const auto& [name, value] : tpm_claim_lines(*c.tpm)) {
      std::printf("  %-20s %s\n", name.c_str(), value.c_str());
    }
    std::printf("  NOTE: %s.\n", attest::kTpmHonestyNote);
  }
  if (c.type == attest::EvidenceType::kSim) {
    std::printf(
        "  WARNING: sim evidence is signed by a software key: NO hardware protection.\n"
        "           It proves the protocol, nothing about the machine (development "
        "only).\n");
  }
}

}  // namespace

int run_attest_command(std::span<char*> args) {
  auto parsed = parse_client_options(ClientCommand::kAttest, args);
  if (!parsed) return usage_error(parsed.error());
  const ClientCommandOptions& options = parsed.value();
  if (options.help) {
    print_usage(stdout);
    return 0;
  }
  // A broker closing the connection must give an error, not kill us (OpenSSL uses write(2)).
  ::signal(SIGPIPE, SIG_IGN);
  const std::string& host = options.endpoint.host;
  const client::TlsOptions& tls_options = *options.endpoint.tls;
  const std::string& policy_path = tls_options.attestation_policy;

  auto policy = attest::load_policy_file(policy_path);
  if (!policy) {
    std::fprintf(stderr, "Error: policy %s: %s\n", policy_path.c_str(), policy.error().c_str());
    return 1;
  }
  tls::TlsClientConfig config;
  config.cafile = tls_options.cafile;
  config.verify_peer = !tls_options.cafile.empty();
  config.certfile = tls_options.certfile;
  config.keyfile = tls_options.keyfile;
  config.psk_identity = tls_options.psk_identity;
  config.psk_key_hex = tls_options.psk_hex;
  auto ctx = tls::make_client_context(config);
  if (!ctx) {
    std::fprintf(stderr, "Error: %s %s\n", ctx.error().c_str(), openssl_errors().c_str());
    return 1;
  }
  tls::AttestationClient attestation(std::move(*policy));
  if (auto attached = attestation.attach(ctx->get()); !attached) {
    std::fprintf(stderr, "Error: %s\n", attached.error().c_str());
    return 1;
  }

  const auto deadline = client::Deadline::after(options.connect.timeout);
  auto tcp = client::connect_tcp(host, options.endpoint.effective_port(), deadline);
  if (!tcp) {
    std::fprintf(stderr, "Error: %s\n", tcp.error().message.c_str());
    return 1;
  }
  tls::SslPtr ssl(SSL_new(ctx->get()));
  if (!ssl || SSL_set_fd(ssl.get(), tcp->fd.get()) != 1) {
    std::fprintf(stderr, "Error: SSL_new failed: %s\n", openssl_errors().c_str());
    return 1;
  }
  unsigned char address[sizeof(in6_addr)];
  const bool ip = ::inet_pton(AF_INET, host.c_str(), address) == 1 ||
                  ::inet_pton(AF_INET6, host.c_str(), address) == 1;
  if (!ip) SSL_set_tlsext_host_name(ssl.get(), host.c_str());
  if (config.verify_peer && !tls_options.insecure) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
    if (ip) {
      X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
    } else {
      X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
    }
  }

  ERR_clear_error();
  int rc = 0;
  for (;;) {
    rc = SSL_connect(ssl.get());
    if (rc == 1) break;
    const int code = SSL_get_error(ssl.get(), rc);
    if (code != SSL_ERROR_WANT_READ && code != SSL_ERROR_WANT_WRITE) break;
    auto waited = client::wait_for_socket(
        tcp->fd.get(),
        code == SSL_ERROR_WANT_READ ? client::WaitFor::kRead : client::WaitFor::kWrite, deadline);
    if (!waited) {
      std::fprintf(
          stderr, "Error: TLS handshake with %s timed out after %lld s\n", tcp->peer.c_str(),
          static_cast<long long>(
              std::chrono::duration_cast<std::chrono::seconds>(options.connect.timeout).count()));
      return 1;
    }
  }
  // TLS-PSK: only a handshake authenticated by the key counts, whatever evidence came with it.
  if (!tls_options.psk_identity.empty() && (tls::server_certificate_refused(ssl.get()) ||
                                            (rc == 1 && !tls::psk_authenticated(ssl.get())))) {
    const std::string message = tls::psk_not_used_message(tcp->peer, tls_options.psk_identity);
    std::printf("Handshake with %s refused\nVerdict: NOT TRUSTED (handshake-failed): %s\n",
                tcp->peer.c_str(), message.c_str());
    std::fprintf(stderr, "Error: %s\n", message.c_str());
    return 1;
  }
  const tls::AttestationOutcome outcome = attestation.outcome(ssl.get(), rc);
  const std::string handshake_errors = openssl_errors();

  if (rc == 1) {
    std::printf("Connected to %s: %s %s\n", tcp->peer.c_str(), SSL_get_version(ssl.get()),
                SSL_CIPHER_get_name(SSL_get_current_cipher(ssl.get())));
    if (const std::string subject = certificate_subject(ssl.get()); !subject.empty()) {
      std::printf("Certificate: %s (%s)\n", subject.c_str(),
                  config.verify_peer ? "verified against --cafile"
                                     : "not checked against a CA; its key is bound by the "
                                       "evidence");
    } else if (!tls_options.psk_identity.empty()) {
      std::printf("Authenticated by PSK identity '%s'\n", tls_options.psk_identity.c_str());
    }
  } else {
    std::printf("Handshake with %s refused\n", tcp->peer.c_str());
  }
  if (outcome.claims) print_claims(outcome);
  for (const auto& note : outcome.appraisal.notes) std::printf("Note: %s\n", note.c_str());

  if (outcome.ok()) {
    SSL_shutdown(ssl.get());
    std::printf("Verdict: TRUSTED (policy %s)\n", policy_path.c_str());
    return 0;
  }
  std::printf("Verdict: NOT TRUSTED (%s): %s\n",
              std::string(tls::attestation_error_name(outcome.error)).c_str(),
              outcome.message.c_str());
  for (const auto& reason : outcome.appraisal.reasons) {
    if (reason.text == outcome.message) continue;
    std::printf("  reason: %s\n", reason.text.c_str());
  }
  if (outcome.error == tls::AttestationError::kHandshakeFailed) {
    const long verify = SSL_get_verify_result(ssl.get());
    if (verify != X509_V_OK) {
      std::printf("  certificate: %s\n", X509_verify_cert_error_string(verify));
    } else if (!handshake_errors.empty()) {
      std::printf("  TLS: %s\n", handshake_errors.c_str());
    }
  }
  std::fprintf(stderr, "Error: attestation failed: %s\n", outcome.message.c_str());
  return 1;
}

}  // namespace trustmq::cli
