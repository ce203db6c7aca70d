// `trustmq attest -h HOST -p PORT --policy FILE [--cafile FILE] …`: performs an attested TLS 1.3
// handshake with a broker, prints the claims of the evidence it sent and the verdict of the
// policy with every reason, then closes without sending application data. Exit 0: trusted;
// 1: not trusted or the handshake failed (the error says precisely why); 2: usage error. Like
// `openssl s_client -verify_return_error` does for certificates.
#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>
#include <string_view>

#include "attest/appraisal.h"
#include "attest/evidence_type.h"
#include "attest/policy.h"
#include "client/deadline.h"
#include "client/socket_fd.h"
#include "client/tcp_connection.h"
#include "command.h"
#include "tls/attestation_client.h"
#include "tls/tls_context.h"

namespace trustmq::cli {
namespace {

constexpr const char* kUsage =
    "usage: trustmq attest [-h HOST] [-p PORT] --policy FILE [options]\n"
    "\n"
    "Asks the broker for attestation evidence in the TLS 1.3 handshake, verifies it against\n"
    "the policy (docs/attestation.md), prints its claims and the verdict, and disconnects.\n"
    "Exit status: 0 trusted, 1 not trusted or handshake failed, 2 usage error.\n"
    "\n"
    "  -h, --host HOST          broker host (default localhost)\n"
    "  -p, --port PORT          broker port (default 8883)\n"
    "  --policy FILE            attestation policy (JSON); --attest FILE is a synonym\n"
    "  --cafile FILE            also verify the broker certificate against this CA\n"
    "  --insecure               with --cafile: do not check the certificate's host name\n"
    "  --cert FILE --key FILE   client certificate and key\n"
    "  --psk HEX --psk-identity ID   TLS-PSK instead of a certificate\n"
    "  --timeout SECONDS        connect and handshake time limit (default 10)\n"
    "  --help                   this text\n";

struct AttestOptions {
  std::string host = "localhost";
  std::uint16_t port = 8883;
  std::string policy;
  std::string cafile;
  bool insecure = false;
  std::string certfile;
  std::string keyfile;
  std::string psk_hex;
  std::string psk_identity;
  int timeout_seconds = 10;
  bool help = false;
};

int usage_error(const std::string& message) {
  std::fprintf(stderr, "trustmq attest: %s\n\n%s", message.c_str(), kUsage);
  return 2;
}

template <typename T>
bool parse_number(std::string_view text, T min, T max, T& out) {
  long long v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max) return false;
  out = static_cast<T>(v);
  return true;
}

// Returns an error message, or empty on success.
std::string parse(std::span<char*> args, AttestOptions& o) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string_view a = args[i];
    auto value = [&](std::string& into) -> bool {
      if (i + 1 >= args.size()) return false;
      into = args[++i];
      return true;
    };
    std::string v;
    if (a == "--help") {
      o.help = true;
    } else if (a == "--insecure") {
      o.insecure = true;
    } else if (!value(v)) {
      if (a.starts_with("-")) {
        bool known = a == "-h" || a == "--host" || a == "-p" || a == "--port" || a == "--policy" ||
                     a == "--attest" || a == "--cafile" || a == "--cert" || a == "--key" ||
                     a == "--psk" || a == "--psk-identity" || a == "--timeout";
        if (known) return std::string(a) + " needs a value";
      }
      return "unknown option '" + std::string(a) + "'";
    } else if (a == "-h" || a == "--host") {
      o.host = v;
    } else if (a == "-p" || a == "--port") {
      if (!parse_number<std::uint16_t>(v, 1, 65535, o.port)) return "invalid port '" + v + "'";
    } else if (a == "--policy" || a == "--attest") {
      o.policy = v;
    } else if (a == "--cafile") {
      o.cafile = v;
    } else if (a == "--cert") {
      o.certfile = v;
    } else if (a == "--key") {
      o.keyfile = v;
    } else if (a == "--psk") {
      o.psk_hex = v;
    } else if (a == "--psk-identity") {
      o.psk_identity = v;
    } else if (a == "--timeout") {
      if (!parse_number<int>(v, 1, 3600, o.timeout_seconds)) {
        return "invalid timeout '" + v + "' (1..3600 seconds)";
      }
    } else {
      return "unknown option '" + std::string(a) + "'";
    }
  }
  if (o.help) return {};
  if (o.policy.empty()) return "--policy FILE is required";
  if (o.certfile.empty() != o.keyfile.empty()) return "--cert and --key go together";
  if (o.psk_hex.empty() != o.psk_identity.empty()) return "--psk and --psk-identity go together";
  if (!o.psk_hex.empty() && !o.cafile.empty()) return "use either --psk or --cafile";
  return {};
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
  std::printf("  module measurement:  %s\n", attest::to_hex(c.module_measurement).c_str());
  std::printf("  report data:         %s\n", attest::to_hex(c.report_data).c_str());
  const long long age = static_cast<long long>(now) - static_cast<long long>(c.timestamp);
  std::printf("  timestamp:           %s (%lld s %s)\n", utc_time(c.timestamp).c_str(),
              age >= 0 ? age : -age, age >= 0 ? "ago" : "in the future");
  std::printf("  debug:               %s\n", c.debug ? "true" : "false");
  std::printf("  binding:             %s\n",
              o.psk_handshake ? "this handshake (nonce, randoms, key share; PSK: no certificate)"
                              : "this handshake (nonce, randoms, key share, certificate key)");
  if (c.type == attest::EvidenceType::kSim) {
    std::printf(
        "  WARNING: sim evidence is signed by a software key: NO hardware protection.\n"
        "           It proves the protocol, nothing about the machine (development "
        "only).\n");
  }
}

}  // namespace

int run_attest_command(std::span<char*> args) {
  AttestOptions options;
  if (std::string error = parse(args, options); !error.empty()) return usage_error(error);
  if (options.help) {
    std::fputs(kUsage, stdout);
    return 0;
  }

  auto policy = attest::load_policy_file(options.policy);
  if (!policy) {
    std::fprintf(stderr, "Error: policy %s: %s\n", options.policy.c_str(), policy.error().c_str());
    return 1;
  }
  tls::TlsClientConfig config;
  config.cafile = options.cafile;
  config.verify_peer = !options.cafile.empty();
  config.certfile = options.certfile;
  config.keyfile = options.keyfile;
  config.psk_identity = options.psk_identity;
  config.psk_key_hex = options.psk_hex;
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

  const auto deadline = client::Deadline::after(std::chrono::seconds(options.timeout_seconds));
  auto tcp = client::connect_tcp(options.host, options.port, deadline);
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
  const bool ip = ::inet_pton(AF_INET, options.host.c_str(), address) == 1 ||
                  ::inet_pton(AF_INET6, options.host.c_str(), address) == 1;
  if (!ip) SSL_set_tlsext_host_name(ssl.get(), options.host.c_str());
  if (config.verify_peer && !options.insecure) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
    if (ip) {
      X509_VERIFY_PARAM_set1_ip_asc(param, options.host.c_str());
    } else {
      X509_VERIFY_PARAM_set1_host(param, options.host.c_str(), 0);
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
      std::fprintf(stderr, "Error: TLS handshake with %s timed out after %d s\n", tcp->peer.c_str(),
                   options.timeout_seconds);
      return 1;
    }
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
    } else if (!options.psk_identity.empty()) {
      std::printf("Authenticated by PSK identity '%s'\n", options.psk_identity.c_str());
    }
  } else {
    std::printf("Handshake with %s refused\n", tcp->peer.c_str());
  }
  if (outcome.claims) print_claims(outcome);
  for (const auto& note : outcome.appraisal.notes) std::printf("Note: %s\n", note.c_str());

  if (outcome.ok()) {
    SSL_shutdown(ssl.get());
    std::printf("Verdict: TRUSTED (policy %s)\n", options.policy.c_str());
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
