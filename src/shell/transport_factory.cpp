#include "shell/transport_factory.h"

#include <sys/stat.h>

#include <filesystem>
#include <system_error>

#include "attest/appraisal.h"
#include "attest/certificate_issuer.h"
#include "attest/configfs_tsm_attester.h"
#include "attest/measurement.h"
#include "attest/policy.h"
#include "attest/private_key_permissions.h"
#include "attest/sim_attester.h"
#include "attest/sim_platform.h"
#include "attest/tpm_attester.h"
#include "attest/tpm_claims.h"
#include "shell/config_file.h"
#include "shell/plain_tcp_transport.h"
#include "shell/tls_server_transport.h"
#include "shell/websocket_transport.h"

namespace trustmq::shell {
namespace {

[[noreturn]] void fail(const ListenerConfig& listener, const std::string& message) {
  throw ConfigError("listener at " + listener.origin + ": " + message);
}

void check_tls_options(const ListenerConfig& listener) {
  const ListenerTlsOptions& tls = listener.tls;
  if (tls.certfile.empty() != tls.keyfile.empty()) {
    fail(listener, "certfile and keyfile must be given together");
  }
  if (!tls.psk_file.empty() && !tls.certfile.empty()) {
    fail(listener,
         "psk_file together with certfile: OpenSSL would ignore the PSK and use the "
         "certificate; configure two listeners");
  }
  if (!tls.psk_hint.empty() && tls.psk_file.empty()) fail(listener, "psk_hint needs psk_file");
  if (tls.require_certificate && tls.cafile.empty()) {
    fail(listener, "require_certificate true needs a cafile (the CA of the client certificates)");
  }
  if (tls.require_certificate && !tls.psk_file.empty()) {
    fail(listener, "require_certificate cannot be combined with psk_file");
  }
  if (!tls.capath.empty()) fail(listener, "capath is not supported; use cafile");
  if (tls.attestation_requires_authentication && tls.attestation == ListenerAttestation::kNone) {
    fail(listener, "attestation_requires_authentication needs attestation sim or tpm2-quote");
  }
  if (!tls.crlfile.empty() && !tls.require_certificate) {
    fail(listener,
         "crlfile needs require_certificate true (otherwise no client certificate is checked)");
  }
}

// mkdir -p, the last component private (0700).
void ensure_state_directory(const ListenerConfig& listener, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) fail(listener, "cannot create state directory " + dir + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
}

// Keys the administrator configured (keyfile, psk_file) are not refused when group or others
// may read them, as in mosquitto (a service group may need them): a warning says so. The keys
// the broker generates itself (state_dir) are refused instead (see SimPlatform and
// tls::ensure_self_signed_certificate).
void warn_unless_private(const ListenerConfig& listener, const TransportEnvironment& env,
                         const std::string& path, std::string_view what) {
  if (path.empty() || !attest::file_exists(path) || !env.log) return;
  auto check = attest::check_private_key_file(path, what);
  if (!check) {
    env.log(LogType::kWarning, "listener at " + listener.origin + ": " + check.error() +
                                   " (a configured file: warned, not refused)");
  }
}

std::shared_ptr<const attest::Attester> sim_attester(const ListenerConfig& listener,
                                                     TransportEnvironment& env) {
  if (env.sim_attester) return env.sim_attester;
  const auto module = attest::sha256_from_hex(env.module_measurement);
  if (!module) {
    fail(listener, "attestation sim: the engine's module measurement '" + env.module_measurement +
                       "' is not a SHA-256");
  }
  const auto runtime = attest::runtime_self_measurement();
  if (!runtime) fail(listener, "attestation sim: " + runtime.error());
  ensure_state_directory(listener, env.state_dir);
  const std::string dir = sim_state_dir(env.state_dir);
  const bool existed = std::filesystem::exists(dir);
  auto platform = attest::SimPlatform::open_or_create(dir);
  if (!platform) fail(listener, "attestation sim: " + platform.error());
  attest::SimAttesterClaims claims;
  claims.module_measurement = *module;
  claims.runtime_measurement = *runtime;
  env.sim_attester = std::make_shared<attest::SimAttester>(*platform, claims);
  env.log(LogType::kNotice, std::string("attestation sim: ") + attest::kSimHonestyNote +
                                "; platform " + (existed ? "loaded from " : "created in ") + dir +
                                ", root CA " + platform->root_cert_path() +
                                " (a client policy's trust anchor)");
  env.log(LogType::kNotice,
          "attestation sim (NO hardware protection): evidence carries module measurement " +
              attest::to_hex(*module) + " and runtime measurement " + attest::to_hex(*runtime));
  return env.sim_attester;
}

std::shared_ptr<const attest::Attester> tpm_attester(const ListenerConfig& listener,
                                                     TransportEnvironment& env) {
  if (env.tpm_attester) return env.tpm_attester;
  if (env.tpm_ak_certificate.empty()) {
    fail(listener,
         "attestation tpm2-quote needs tpm_ak_certificate (the AK certificate written by "
         "trustmq tpm enroll)");
  }
  const auto module = attest::sha256_from_hex(env.module_measurement);
  if (!module) {
    fail(listener, "attestation tpm2-quote: the engine's module measurement '" +
                       env.module_measurement + "' is not a SHA-256");
  }
  const auto runtime = attest::runtime_self_measurement();
  if (!runtime) fail(listener, "attestation tpm2-quote: " + runtime.error());
  attest::TpmAttesterConfig config;
  config.tcti = env.tpm_tcti;
  config.ak_certificate_path = env.tpm_ak_certificate;
  config.runtime_measurement = *runtime;
  config.module_measurement = *module;
  auto attester = attest::TpmAttester::start(config);
  if (!attester) fail(listener, "attestation tpm2-quote: " + attester.error());
  env.log(LogType::kNotice,
          "attestation tpm2-quote: TPM at TCTI '" + env.tpm_tcti + "' (" +
              (*attester)->tpm_description() + "), AK certificate " + env.tpm_ak_certificate +
              "; PCR 23 reset and extended with runtime measurement " + attest::to_hex(*runtime) +
              " and module measurement " + attest::to_hex(*module));
  env.log(LogType::kNotice, std::string("attestation tpm2-quote: ") + attest::kTpmHonestyNote);
  if ((*attester)->software_tpm()) {
    env.log(LogType::kWarning,
            "attestation tpm2-quote: this TPM is a SOFTWARE TPM (swtpm): its keys are in a "
            "readable state file; its evidence proves nothing about the machine");
  }
  env.tpm_attester = std::move(*attester);
  return env.tpm_attester;
}

std::shared_ptr<const attest::Attester> tsm_attester(const ListenerConfig& listener,
                                                     TransportEnvironment& env,
                                                     attest::EvidenceType type) {
  if (env.tsm_attester) {
    if (env.tsm_attester->type() != type) {
      fail(listener, "attestation " + std::string(attest::evidence_type_name(type)) +
                         ": another listener already uses configfs-tsm for " +
                         std::string(attest::evidence_type_name(env.tsm_attester->type())) +
                         " (a guest is either TDX or SEV-SNP)");
    }
    return env.tsm_attester;
  }
  attest::ConfigfsTsmAttesterConfig config;
  config.type = type;
  config.report_dir =
      env.tsm_report_dir.empty() ? attest::kDefaultTsmReportDir : env.tsm_report_dir;
  if (type == attest::EvidenceType::kSevSnp) config.privlevel = env.tsm_privlevel;
  auto attester = attest::ConfigfsTsmAttester::start(config);
  if (!attester) {
    fail(listener,
         "attestation " + std::string(attest::evidence_type_name(type)) + ": " + attester.error());
  }
  env.log(LogType::kNotice, "attestation " + std::string(attest::evidence_type_name(type)) +
                                ": reports from configfs-tsm at " + config.report_dir +
                                " (provider " + (*attester)->provider() +
                                "); this attester has not been run on real hardware by the "
                                "trustmq project (docs/attestation.md)");
  env.tsm_attester = std::move(*attester);
  return env.tsm_attester;
}

std::shared_ptr<const attest::Attester> listener_attester(const ListenerConfig& listener,
                                                          TransportEnvironment& env) {
  switch (listener.tls.attestation) {
    case ListenerAttestation::kSim:
      return sim_attester(listener, env);
    case ListenerAttestation::kTpm2Quote:
      return tpm_attester(listener, env);
    case ListenerAttestation::kTdx:
      return tsm_attester(listener, env, attest::EvidenceType::kTdx);
    case ListenerAttestation::kSevSnp:
      return tsm_attester(listener, env, attest::EvidenceType::kSevSnp);
    case ListenerAttestation::kNone:
      break;
  }
  fail(listener, "no attester for this listener");
}

TransportFactory make_tls_factory(const ListenerConfig& listener, TransportEnvironment& env) {
  check_tls_options(listener);
  const ListenerTlsOptions& options = listener.tls;
  tls::TlsServerConfig config;
  config.certfile = options.certfile;
  config.keyfile = options.keyfile;
  config.cafile = options.cafile;
  config.require_certificate = options.require_certificate;
  config.crlfile = options.crlfile;
  config.dhparamfile = options.dhparamfile;
  config.tls_version = options.tls_version;
  config.ciphers = options.ciphers;
  config.ciphers_tls13 = options.ciphers_tls13;
  config.psk_file = options.psk_file;
  warn_unless_private(listener, env, options.keyfile, "keyfile");
  warn_unless_private(listener, env, options.psk_file, "psk_file");
  if (config.certfile.empty() && config.psk_file.empty()) {
    ensure_state_directory(listener, env.state_dir);
    const std::string dir = tls_state_dir(env.state_dir);
    const bool existed = std::filesystem::exists(dir + "/tls-cert.pem");
    auto generated = tls::ensure_self_signed_certificate(dir);
    if (!generated) fail(listener, generated.error());
    config.certfile = generated->certfile;
    config.keyfile = generated->keyfile;
    env.log(LogType::kNotice, "listener at " + listener.origin + ": no certfile configured; " +
                                  (existed ? "using the self-signed ECDSA P-256 certificate "
                                           : "created a self-signed ECDSA P-256 certificate ") +
                                  generated->certfile + " (key " + generated->keyfile +
                                  "); clients trust it with --cafile " + generated->certfile);
  }
  auto ctx = tls::make_server_context(config);
  if (!ctx) fail(listener, ctx.error());
  // No session tickets: every connection is a full handshake (and, when asked, attested).
  SSL_CTX_set_num_tickets(ctx->get(), 0);
  SSL_CTX_set_session_cache_mode(ctx->get(), SSL_SESS_CACHE_OFF);
  if (!options.psk_hint.empty() &&
      SSL_CTX_use_psk_identity_hint(ctx->get(), options.psk_hint.c_str()) != 1) {
    fail(listener, "psk_hint '" + options.psk_hint + "' rejected");
  }

  auto shared = std::make_shared<TlsListenerContext>();
  shared->attestation_requires_authentication = options.attestation_requires_authentication;
  if (options.attestation != ListenerAttestation::kNone) {
    auto attester = listener_attester(listener, env);
    auto log = env.log;
    shared->attestation = std::make_unique<tls::AttestationServer>(
        std::vector<std::shared_ptr<const attest::Attester>>{attester},
        [log](std::string_view line) {
          // The attestation layer's own lines: failed requests, attester errors, and the
          // honesty label when attached.
          log(LogType::kNotice, line);
        });
    auto attached = shared->attestation->attach(ctx->get());
    if (!attached) fail(listener, attached.error());
  }
  if (!options.client_attestation_policy.empty()) {
    auto policy = ClientAttestationPolicy::load(options.client_attestation_policy);
    if (!policy) fail(listener, policy.error());
    shared->client_policy = *policy;
    env.client_policies.push_back(*policy);
    env.log(LogType::kNotice, "listener at " + listener.origin +
                                  ": attested clients verified against " +
                                  options.client_attestation_policy);
  }
  shared->ctx = std::move(*ctx);
  std::shared_ptr<const TlsListenerContext> context = std::move(shared);
  return [context](int fd) -> std::unique_ptr<ServerTransport> {
    return std::make_unique<TlsServerTransport>(fd, context);
  };
}

}  // namespace

std::string tls_state_dir(const std::string& state_dir) { return state_dir + "/tls"; }
std::string sim_state_dir(const std::string& state_dir) { return state_dir + "/sim"; }

TransportFactory make_transport_factory(const ListenerConfig& listener, TransportEnvironment& env) {
  if (listener.tls.tls == false && listener.tls.has_tls_settings()) {
    fail(listener, "'tls false' together with TLS options (certfile, psk_file, attestation …)");
  }
  TransportFactory base = listener.tls.requests_tls()
                              ? make_tls_factory(listener, env)
                              : [](int fd) -> std::unique_ptr<ServerTransport> {
    return std::make_unique<PlainTcpTransport>(fd);
  };
  if (listener.protocol != ListenerProtocol::kWebSockets) {
    if (!listener.websockets_origins.empty()) {
      fail(listener, "websockets_origin needs 'protocol websockets'");
    }
    return base;
  }
  if (listener.tls.attestation != ListenerAttestation::kNone) {
    fail(listener, "attestation over WebSockets is not supported (browsers cannot ask for it)");
  }
  auto settings = std::make_shared<const WebSocketSettings>(WebSocketSettings{
      env.websockets_headers_size, env.websockets_max_frame_payload, listener.websockets_origins});
  return [base = std::move(base), settings](int fd) -> std::unique_ptr<ServerTransport> {
    return std::make_unique<WebSocketTransport>(base(fd), settings);
  };
}

}  // namespace trustmq::shell
