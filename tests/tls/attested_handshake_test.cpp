// In-process attested TLS 1.3 handshakes: the positive paths and every threat-model case that
// must fail closed with its own precise error (docs/architecture.md, Threat model).
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/sha.h>

#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>

#include "attest/sim_attester.h"
#include "attest/sim_evidence.h"
#include "attest/sim_verifier.h"
#include "attest/tpm_attester.h"
#include "attest/tpm_enrolled_swtpm.h"
#include "handshake_pump.h"
#include "support/temp_directory.h"
#include "tls/attestation_binding.h"
#include "tls/attestation_client.h"
#include "tls/attestation_server.h"
#include "tls/attestation_wire.h"
#include "tls/tls_context.h"

namespace trustmq::tls {
namespace {

using attest::EvidenceType;
using attest::ReportData;
using attest::Sha256Digest;
using test_support::TempDirectory;
using testing::HandshakeResult;
using testing::run_handshake;

constexpr unsigned int kContexts =
    SSL_EXT_CLIENT_HELLO | SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS | SSL_EXT_TLS1_3_CERTIFICATE;

Sha256Digest digest_of(std::uint8_t fill) {
  Sha256Digest d;
  d.fill(fill);
  return d;
}

// A server whose extension behaviour is scripted by the test (the attacker's server).
// `produce` gets the connection and the parsed request and returns the raw extension body to
// put into EncryptedExtensions (nullopt: omit the extension).
struct ScriptedServer {
  using Producer = std::function<std::optional<Bytes>(SSL*, const AttestationRequest&)>;
  Producer produce;
  std::optional<AttestationRequest> request;
  bool sent = false;

  static int parse(SSL*, unsigned int, unsigned int context, const unsigned char* in, size_t inlen,
                   X509*, size_t, int* al, void* arg) {
    auto* self = static_cast<ScriptedServer*>(arg);
    if (context != SSL_EXT_CLIENT_HELLO) return 1;
    auto r = decode_request(attest::ByteSpan(in, inlen));
    if (!r) {
      *al = r.error().alert;
      return 0;
    }
    self->request = *r;
    return 1;
  }
  static int add(SSL* ssl, unsigned int, unsigned int context, const unsigned char** out,
                 size_t* outlen, X509* x, size_t chainidx, int*, void* arg) {
    auto* self = static_cast<ScriptedServer*>(arg);
    if (!self->request) return 0;
    if (context == SSL_EXT_TLS1_3_CERTIFICATE) {
      if (!self->sent || chainidx != 0 || x == nullptr) return 0;
      *out = nullptr;
      *outlen = 0;
      return 1;
    }
    if (context != SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS) return 0;
    auto body = self->produce(ssl, *self->request);
    if (!body) return 0;
    *out = static_cast<unsigned char*>(OPENSSL_memdup(body->data(), body->size()));
    *outlen = body->size();
    self->sent = true;
    return 1;
  }
  static void free_out(SSL*, unsigned int, unsigned int, const unsigned char* out, void*) {
    OPENSSL_free(const_cast<unsigned char*>(out));
  }
  void attach(SSL_CTX* ctx) {
    ASSERT_EQ(SSL_CTX_add_custom_ext(ctx, kAttestationExtensionType, kContexts, &add, &free_out,
                                     this, &parse, this),
              1);
  }
};

// The binding a genuine server would compute for this connection.
ReportData genuine_binding(SSL* ssl, const AttestationRequest& request) {
  auto v = read_handshake_values(ssl, /*server_side=*/true);
  attest::Bytes spki;
  if (!SSL_session_reused(ssl) && SSL_get_certificate(ssl) != nullptr) {
    auto d = attest::spki_sha256(SSL_get_certificate(ssl));
    spki.assign(d.begin(), d.end());
  }
  return compute_binding(request.nonce, v->client_random, v->server_random, v->server_key_share,
                         spki);
}

class AttestedHandshakeTest : public ::testing::Test {
 protected:
  const Sha256Digest kModule = digest_of(0x3f);
  const Sha256Digest kRuntime = digest_of(0x51);

  void SetUp() override {
    auto platform = attest::SimPlatform::open_or_create(dir_.file("sim"));
    ASSERT_TRUE(platform.ok()) << platform.error();
    platform_.emplace(*platform);
    attester_ = make_attester(*platform_, false);
    TlsServerConfig sc;
    sc.state_dir = dir_.file("tls");
    auto ctx = make_server_context(sc);
    ASSERT_TRUE(ctx.ok()) << ctx.error();
    server_ctx_ = std::move(*ctx);
    server_cert_ = sc.state_dir + "/tls-cert.pem";
  }

  std::shared_ptr<attest::SimAttester> make_attester(const attest::SimPlatform& p, bool debug) {
    attest::SimAttesterClaims claims;
    claims.module_measurement = kModule;
    claims.runtime_measurement = kRuntime;
    claims.debug = debug;
    return std::make_shared<attest::SimAttester>(p, claims);
  }

  attest::Policy policy() const {
    attest::Policy p;
    p.allowed_types = {EvidenceType::kSim};
    p.allow_sim = true;
    p.trust_anchors = {attest::share_x509(attest::X509Ptr(X509_dup(platform_->root_cert())))};
    p.module_measurements.allowed = {kModule};
    p.runtime_measurements.allowed = {kRuntime};
    return p;
  }

  // A genuine attesting server on a fresh context.
  SslCtxPtr attesting_server_ctx(std::shared_ptr<const attest::Attester> attester,
                                 std::unique_ptr<AttestationServer>& server,
                                 TlsServerConfig config = {}) {
    if (config.state_dir.empty()) config.state_dir = dir_.file("tls");
    auto ctx = make_server_context(config);
    EXPECT_TRUE(ctx.ok()) << ctx.error();
    server = std::make_unique<AttestationServer>(
        std::vector<std::shared_ptr<const attest::Attester>>{std::move(attester)},
        [this](std::string_view line) { server_log_.emplace_back(line); });
    EXPECT_TRUE(server->attach(ctx->get()).ok());
    return std::move(*ctx);
  }

  SslCtxPtr client_ctx(AttestationClient* client, TlsClientConfig config = {}) {
    if (config.cafile.empty() && config.psk_identity.empty()) config.cafile = server_cert_;
    if (!config.psk_identity.empty()) config.verify_peer = false;
    auto ctx = make_client_context(config);
    EXPECT_TRUE(ctx.ok()) << ctx.error();
    if (client != nullptr) {
      auto attached = client->attach(ctx->get());
      EXPECT_TRUE(attached.ok()) << attached.error();
    }
    return std::move(*ctx);
  }

  struct Run {
    HandshakeResult result;
    AttestationOutcome outcome;
    ServerAttestationStatus server_status;
  };

  Run handshake(SSL_CTX* cctx, SSL_CTX* sctx, const AttestationClient* client,
                const std::function<void(SSL*)>& tweak_client = {}) {
    SslPtr c(SSL_new(cctx));
    SslPtr s(SSL_new(sctx));
    if (tweak_client) tweak_client(c.get());
    Run run;
    run.result = run_handshake(c.get(), s.get(), [&](int rc) {
      if (client != nullptr) run.outcome = client->outcome(c.get(), rc);
    });
    run.server_status = AttestationServer::status(s.get());
    return run;
  }

  Run attested_run(AttestationClient& client, SSL_CTX* sctx) {
    auto cctx = client_ctx(&client);
    return handshake(cctx.get(), sctx, &client);
  }

  static void expect_refused(const Run& run, AttestationError error, const std::string& fragment) {
    EXPECT_FALSE(run.result.client_ok()) << "client completed a handshake it must refuse";
    EXPECT_FALSE(run.outcome.ok());
    EXPECT_EQ(run.outcome.error, error)
        << attestation_error_name(run.outcome.error) << ": " << run.outcome.message;
    EXPECT_NE(run.outcome.message.find(fragment), std::string::npos) << run.outcome.message;
  }

  TempDirectory dir_;
  std::optional<attest::SimPlatform> platform_;
  std::shared_ptr<attest::SimAttester> attester_;
  SslCtxPtr server_ctx_;
  std::string server_cert_;
  std::vector<std::string> server_log_;
};

// ---------------------------------------------------------------------------------------------
// Positive paths

TEST_F(AttestedHandshakeTest, CertificateHandshakeVerifiesEvidence) {
  std::unique_ptr<AttestationServer> server;
  auto sctx = attesting_server_ctx(attester_, server);
  AttestationClient client(policy());
  Run run = attested_run(client, sctx.get());
  ASSERT_TRUE(run.result.client_ok());
  ASSERT_TRUE(run.result.server_ok());
  ASSERT_TRUE(run.outcome.ok()) << run.outcome.message;
  EXPECT_FALSE(run.outcome.psk_handshake);
  ASSERT_TRUE(run.outcome.claims.has_value());
  EXPECT_EQ(run.outcome.claims->module_measurement, kModule);
  EXPECT_EQ(run.outcome.claims->runtime_measurement, kRuntime);
  EXPECT_EQ(run.outcome.evidence_type, 0xFE01);
  EXPECT_LE(run.outcome.evidence.size(), 1024u);
  EXPECT_NE(run.outcome.message.find("NO hardware protection"), std::string::npos);
  ASSERT_EQ(run.outcome.appraisal.notes.size(), 1u);
  EXPECT_NE(run.outcome.appraisal.notes[0].find("NO hardware protection"), std::string::npos);
  EXPECT_TRUE(run.server_status.requested);
  EXPECT_TRUE(run.server_status.evidence_sent);
  ASSERT_FALSE(server_log_.empty());
  EXPECT_NE(server_log_[0].find("NO hardware protection"), std::string::npos);
}

TEST_F(AttestedHandshakeTest, PskHandshakeVerifiesEvidenceWithoutCertificate) {
  TlsServerConfig sc;
  sc.psk_table = {{"device-1", attest::Bytes(32, 0x42)}};
  std::unique_ptr<AttestationServer> server;
  auto sctx = attesting_server_ctx(attester_, server, sc);
  AttestationClient client(policy());
  TlsClientConfig cc;
  cc.psk_identity = "device-1";
  cc.psk_key_hex = std::string(64, '4').replace(1, 1, "2");
  cc.psk_key_hex = "";
  for (int i = 0; i < 32; ++i) cc.psk_key_hex += "42";
  auto cctx = client_ctx(&client, cc);
  SslPtr c(SSL_new(cctx.get()));
  SslPtr s(SSL_new(sctx.get()));
  AttestationOutcome outcome;
  auto r = run_handshake(c.get(), s.get(), [&](int rc) { outcome = client.outcome(c.get(), rc); });
  ASSERT_TRUE(r.client_ok());
  ASSERT_TRUE(outcome.ok()) << outcome.message;
  EXPECT_TRUE(outcome.psk_handshake);
  EXPECT_EQ(SSL_get_peer_certificate(c.get()), nullptr);
  EXPECT_EQ(psk_identity_of(s.get()), "device-1");
  EXPECT_TRUE(AttestationServer::status(s.get()).evidence_sent);
}

TEST_F(AttestedHandshakeTest, ClientThatDoesNotAskIsUnaffected) {
  std::unique_ptr<AttestationServer> server;
  auto sctx = attesting_server_ctx(attester_, server);
  auto cctx = client_ctx(nullptr);
  Run run = handshake(cctx.get(), sctx.get(), nullptr);
  EXPECT_TRUE(run.result.client_ok());
  EXPECT_TRUE(run.result.server_ok());
  EXPECT_FALSE(run.server_status.requested);
  EXPECT_FALSE(run.server_status.evidence_sent);
  // TLS 1.2 clients keep working on a listener that allows it.
  TlsClientConfig old;
  old.tls_version = "tlsv1.2";
  auto cctx12 = client_ctx(nullptr, old);
  SSL_CTX_set_max_proto_version(cctx12.get(), TLS1_2_VERSION);
  Run run12 = handshake(cctx12.get(), sctx.get(), nullptr);
  EXPECT_TRUE(run12.result.client_ok());
}

// ---------------------------------------------------------------------------------------------
// Appraisal failures with genuine, correctly bound evidence

TEST_F(AttestedHandshakeTest, WrongModuleMeasurementIsRejected) {
  std::unique_ptr<AttestationServer> server;
  auto sctx = attesting_server_ctx(attester_, server);
  attest::Policy p = policy();
  p.module_measurements.allowed = {digest_of(0x01)};
  AttestationClient client(std::move(p));
  Run run = attested_run(client, sctx.get());
  expect_refused(run, AttestationError::kModuleMeasurementRejected,
                 "module measurement 3f3f3f3f\xE2\x80\xA6 not in policy");
  EXPECT_FALSE(run.result.server_ok());  // the server saw the client's access_denied alert
}

TEST_F(AttestedHandshakeTest, WrongRuntimeMeasurementIsRejected) {
  std::unique_ptr<AttestationServer> server;
  auto sctx = attesting_server_ctx(attester_, server);
  attest::Policy p = policy();
  p.runtime_measurements.allowed = {digest_of(0x02)};
  AttestationClient client(std::move(p));
  expect_refused(attested_run(client, sctx.get()), AttestationError::kRuntimeMeasurementRejected,
                 "runtime measurement 51515151");
}

TEST_F(AttestedHandshakeTest, DebugEvidenceRejectedWhenDebugDisallowed) {
  std::unique_ptr<AttestationServer> server;
  auto sctx = attesting_server_ctx(make_attester(*platform_, true), server);
  AttestationClient client(policy());
  expect_refused(attested_run(client, sctx.get()), AttestationError::kDebugNotAllowed,
                 "debug mode");
  attest::Policy lenient = policy();
  lenient.allow_debug = true;
  AttestationClient accepting(std::move(lenient));
  EXPECT_TRUE(attested_run(accepting, sctx.get()).outcome.ok());
}

// ---------------------------------------------------------------------------------------------
// Verification failures

TEST_F(AttestedHandshakeTest, SimRootNotInPolicyIsUntrusted) {
  std::unique_ptr<AttestationServer> server;
  auto sctx = attesting_server_ctx(attester_, server);
  auto other = attest::SimPlatform::open_or_create(dir_.file("other-sim"));
  ASSERT_TRUE(other.ok());
  attest::Policy p = policy();
  p.trust_anchors = {attest::share_x509(attest::X509Ptr(X509_dup(other->root_cert())))};
  AttestationClient client(std::move(p));
  expect_refused(attested_run(client, sctx.get()), AttestationError::kUntrustedPlatform,
                 "does not chain to a policy trust anchor");
}

TEST_F(AttestedHandshakeTest, VerifiedPlatformDoesNotVouchForAnImpostorWithTheSameNames) {
  // One client (one verifier, so one chain cache) meets the genuine broker, then a broker with
  // another sim platform whose certificates carry the same subject and issuer names.
  AttestationClient client(policy());
  std::unique_ptr<AttestationServer> genuine_server;
  auto genuine = attesting_server_ctx(attester_, genuine_server);
  ASSERT_TRUE(attested_run(client, genuine.get()).outcome.ok());
  auto impostor = attest::SimPlatform::open_or_create(dir_.file("impostor-sim"));
  ASSERT_TRUE(impostor.ok()) << impostor.error();
  std::unique_ptr<AttestationServer> impostor_server;
  auto forged = attesting_server_ctx(make_attester(*impostor, false), impostor_server);
  expect_refused(attested_run(client, forged.get()), AttestationError::kUntrustedPlatform,
                 "does not chain to a policy trust anchor");
  EXPECT_TRUE(attested_run(client, genuine.get()).outcome.ok());
}

TEST_F(AttestedHandshakeTest, ExpiredPlatformCertificateIsRejected) {
  attest::SimPlatformOptions expired;
  expired.platform_not_before_offset_seconds = -3 * 86400;
  expired.platform_not_after_offset_seconds = -86400;
  auto old = attest::SimPlatform::open_or_create(dir_.file("expired-sim"), expired);
  ASSERT_TRUE(old.ok()) << old.error();
  std::unique_ptr<AttestationServer> server;
  auto sctx = attesting_server_ctx(make_attester(*old, false), server);
  attest::Policy p = policy();
  p.trust_anchors = {attest::share_x509(attest::X509Ptr(X509_dup(old->root_cert())))};
  AttestationClient client(std::move(p));
  expect_refused(attested_run(client, sctx.get()), AttestationError::kCertificateExpired,
                 "expired");
}

TEST_F(AttestedHandshakeTest, TamperedEvidenceIsRejected) {
  ScriptedServer evil;
  evil.produce = [&](SSL* ssl, const AttestationRequest& req) -> std::optional<Bytes> {
    auto e = attester_->attest(genuine_binding(ssl, req));
    (*e)[10 + 32] ^= 0x01;  // first byte of the module measurement
    return encode_evidence({0xFE01, *e});
  };
  evil.attach(server_ctx_.get());
  AttestationClient client(policy());
  expect_refused(attested_run(client, server_ctx_.get()), AttestationError::kSignatureInvalid,
                 "signature does not verify");
}

TEST_F(AttestedHandshakeTest, TamperedSignatureIsRejected) {
  ScriptedServer evil;
  evil.produce = [&](SSL* ssl, const AttestationRequest& req) -> std::optional<Bytes> {
    auto e = attester_->attest(genuine_binding(ssl, req));
    std::size_t sig_len = (*e)[attest::kSimBodySize];
    (*e)[attest::kSimBodySize + sig_len] ^= 0x01;  // last signature byte
    return encode_evidence({0xFE01, *e});
  };
  evil.attach(server_ctx_.get());
  AttestationClient client(policy());
  expect_refused(attested_run(client, server_ctx_.get()), AttestationError::kSignatureInvalid,
                 "signature does not verify");
}

TEST_F(AttestedHandshakeTest, EvidenceTypeNotAllowedIsRejected) {
  ScriptedServer evil;
  evil.produce = [&](SSL* ssl, const AttestationRequest& req) -> std::optional<Bytes> {
    auto e = attester_->attest(genuine_binding(ssl, req));
    return encode_evidence({static_cast<std::uint16_t>(EvidenceType::kTpm2Quote), *e});
  };
  evil.attach(server_ctx_.get());
  AttestationClient client(policy());
  expect_refused(attested_run(client, server_ctx_.get()), AttestationError::kEvidenceTypeNotAllowed,
                 "evidence type tpm2-quote");
}

// ---------------------------------------------------------------------------------------------
// Binding: replay, relay, and the constant-exporter binding

TEST_F(AttestedHandshakeTest, ReplayedEvidenceFromEarlierHandshakeIsRejected) {
  std::unique_ptr<AttestationServer> server;
  auto sctx = attesting_server_ctx(attester_, server);
  AttestationClient client(policy());
  Run first = attested_run(client, sctx.get());
  ASSERT_TRUE(first.outcome.ok()) << first.outcome.message;
  Bytes captured = first.outcome.evidence;

  // Same certificate and key as the genuine server: only the handshake differs.
  ScriptedServer replayer;
  replayer.produce = [&](SSL*, const AttestationRequest&) -> std::optional<Bytes> {
    return encode_evidence({0xFE01, captured});
  };
  replayer.attach(server_ctx_.get());
  expect_refused(attested_run(client, server_ctx_.get()), AttestationError::kBindingMismatch,
                 "bound to another handshake");
}

TEST_F(AttestedHandshakeTest, RelayedEvidenceThroughTerminatingProxyIsRejected) {
  // The real broker.
  std::unique_ptr<AttestationServer> real;
  auto real_ctx = attesting_server_ctx(attester_, real);
  // The proxy terminates TLS with its own key and certificate, forwards the client's request
  // (same nonce, same types) to the real broker and passes the genuine evidence back.
  TlsServerConfig proxy_config;
  proxy_config.state_dir = dir_.file("proxy-tls");
  auto proxy_ctx = make_server_context(proxy_config);
  ASSERT_TRUE(proxy_ctx.ok());
  bool upstream_verified_genuine = false;

  struct UpstreamCapture {
    Bytes request_wire;
    std::optional<Bytes> evidence_wire;
    static int add(SSL*, unsigned int, unsigned int context, const unsigned char** out,
                   size_t* outlen, X509*, size_t, int*, void* arg) {
      if (context != SSL_EXT_CLIENT_HELLO) return 0;
      auto* self = static_cast<UpstreamCapture*>(arg);
      *out = self->request_wire.data();
      *outlen = self->request_wire.size();
      return 1;
    }
    static int parse(SSL*, unsigned int, unsigned int context, const unsigned char* in,
                     size_t inlen, X509*, size_t, int*, void* arg) {
      if (context == SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS) {
        static_cast<UpstreamCapture*>(arg)->evidence_wire = Bytes(in, in + inlen);
      }
      return 1;
    }
  };

  ScriptedServer proxy;
  proxy.produce = [&](SSL*, const AttestationRequest& req) -> std::optional<Bytes> {
    UpstreamCapture capture{encode_request(req), std::nullopt};
    TlsClientConfig up;
    up.verify_peer = false;
    auto up_ctx = make_client_context(up);
    SSL_CTX_add_custom_ext(up_ctx->get(), kAttestationExtensionType, kContexts,
                           &UpstreamCapture::add, nullptr, &capture, &UpstreamCapture::parse,
                           &capture);
    SslPtr uc(SSL_new(up_ctx->get()));
    SslPtr us(SSL_new(real_ctx.get()));
    auto r = run_handshake(uc.get(), us.get());
    if (!r.client_ok() || !capture.evidence_wire) return std::nullopt;
    auto ev = decode_evidence(*capture.evidence_wire);
    attest::SimVerifier v;
    upstream_verified_genuine = ev.ok() && v.verify(ev->evidence, policy().trust_anchors,
                                                    static_cast<std::uint64_t>(std::time(nullptr)))
                                               .ok();
    return capture.evidence_wire;
  };
  proxy.attach(proxy_ctx->get());

  AttestationClient client(policy());
  TlsClientConfig cc;
  cc.cafile = proxy_config.state_dir + "/tls-cert.pem";  // even a client that trusts the proxy
  auto cctx = client_ctx(&client, cc);
  Run run = handshake(cctx.get(), proxy_ctx->get(), &client);
  EXPECT_TRUE(upstream_verified_genuine) << "the relayed evidence must be genuine";
  expect_refused(run, AttestationError::kBindingMismatch, "bound to another handshake");
  ASSERT_TRUE(run.outcome.claims.has_value());  // signature chain was fine
  EXPECT_EQ(run.outcome.claims->module_measurement, kModule);
}

TEST_F(AttestedHandshakeTest, ConstantExporterBindingIsRejected) {
  // wolfSSL 5.5.4 asked for an exporter mid-handshake returns a value derived from an all-zero
  // secret: a function of label and nonce only, the same in every session. Model that: the
  // attacker holds a genuine attester and binds evidence to SHA-512(zeros || label || nonce).
  ScriptedServer evil;
  evil.produce = [&](SSL*, const AttestationRequest& req) -> std::optional<Bytes> {
    Bytes input(32, 0);
    const char label[] = "EXPORTER-trustmq attestation";
    input.insert(input.end(), label, label + sizeof label - 1);
    input.insert(input.end(), req.nonce.begin(), req.nonce.end());
    ReportData constant{};
    SHA512(input.data(), input.size(), constant.data());
    auto e = attester_->attest(constant);
    return encode_evidence({0xFE01, *e});
  };
  evil.attach(server_ctx_.get());
  AttestationClient client(policy());
  expect_refused(attested_run(client, server_ctx_.get()), AttestationError::kBindingMismatch,
                 "bound to another handshake");

  // Nonce-only binding with our formula but empty handshake values: also refused.
  ScriptedServer nonce_only;
  TlsServerConfig config2;
  config2.state_dir = dir_.file("tls");
  auto made2 = make_server_context(config2);
  ASSERT_TRUE(made2.ok());
  SslCtxPtr ctx2 = std::move(*made2);
  nonce_only.produce = [&](SSL*, const AttestationRequest& req) -> std::optional<Bytes> {
    auto e = attester_->attest(compute_binding(req.nonce, {}, {}, {}, {}));
    return encode_evidence({0xFE01, *e});
  };
  nonce_only.attach(ctx2.get());
  expect_refused(attested_run(client, ctx2.get()), AttestationError::kBindingMismatch,
                 "bound to another handshake");
}

// ---------------------------------------------------------------------------------------------
// Downgrade: missing extension, TLS 1.2

TEST_F(AttestedHandshakeTest, ServerOmittingTheExtensionIsRefused) {
  // server_ctx_ has no attestation at all: no callback runs on the client.
  AttestationClient client(policy());
  expect_refused(attested_run(client, server_ctx_.get()), AttestationError::kMissingEvidence,
                 "server sent no attestation evidence");
}

TEST_F(AttestedHandshakeTest, MissingEvidenceIsFatalEvenWithoutCertificateVerification) {
  // SSL_VERIFY_NONE makes OpenSSL ignore ordinary verification failures; the attestation check
  // in the certificate-verify path must still abort the handshake.
  AttestationClient client(policy());
  TlsClientConfig cc;
  cc.verify_peer = false;
  auto cctx = client_ctx(&client, cc);
  expect_refused(handshake(cctx.get(), server_ctx_.get(), &client),
                 AttestationError::kMissingEvidence, "server sent no attestation evidence");
  // And a genuine attesting server is accepted on attestation alone.
  std::unique_ptr<AttestationServer> server;
  auto sctx = attesting_server_ctx(attester_, server);
  Run ok = handshake(cctx.get(), sctx.get(), &client);
  EXPECT_TRUE(ok.outcome.ok()) << ok.outcome.message;
}

TEST_F(AttestedHandshakeTest, PskServerOmittingTheExtensionIsRefusedAfterConnect) {
  TlsServerConfig sc;
  sc.psk_table = {{"id", attest::Bytes(16, 0x11)}};
  auto sctx = make_server_context(sc);
  ASSERT_TRUE(sctx.ok());
  AttestationClient client(policy());
  TlsClientConfig cc;
  cc.psk_identity = "id";
  cc.psk_key_hex = std::string(32, '1');
  auto cctx = client_ctx(&client, cc);
  Run run = handshake(cctx.get(), sctx->get(), &client);
  // No certificate, no extension: OpenSSL completes, outcome() still refuses.
  EXPECT_TRUE(run.result.client_ok());
  EXPECT_EQ(run.outcome.error, AttestationError::kMissingEvidence) << run.outcome.message;
  EXPECT_FALSE(run.outcome.ok());
}

TEST_F(AttestedHandshakeTest, ServerWithoutRequestedTypeSendsNothingAndClientRefuses) {
  // The client can only verify "tdx" here (a verifier registered for the test); the server
  // only produces sim: it sends no evidence and the client decides.
  struct TdxVerifier : attest::EvidenceVerifier {
    EvidenceType type() const override { return EvidenceType::kTdx; }
    Result<attest::Claims, attest::VerifyFailure> verify(attest::ByteSpan,
                                                         const attest::TrustAnchors&,
                                                         std::uint64_t) const override {
      return Result<attest::Claims, attest::VerifyFailure>::failure(
          {attest::VerifyError::kMalformed, "not expected to be called"});
    }
  };
  std::unique_ptr<AttestationServer> server;
  auto sctx = attesting_server_ctx(attester_, server);
  attest::Policy p = policy();
  p.allowed_types = {EvidenceType::kTdx};
  AttestationClient client(std::move(p));
  client.add_verifier(std::make_unique<TdxVerifier>());
  Run run = attested_run(client, sctx.get());
  expect_refused(run, AttestationError::kMissingEvidence, "asked for: tdx");
  EXPECT_TRUE(run.server_status.requested);
  EXPECT_FALSE(run.server_status.evidence_sent);
}

TEST_F(AttestedHandshakeTest, Tls12ServerIsRefused) {
  SSL_CTX_set_max_proto_version(server_ctx_.get(), TLS1_2_VERSION);
  AttestationClient client(policy());
  expect_refused(attested_run(client, server_ctx_.get()), AttestationError::kTlsVersionRefused,
                 "requires TLS 1.3");
}

TEST_F(AttestedHandshakeTest, Tls12FallbackOnTheClientIsStillRefused) {
  // Even if the application re-enables TLS 1.2 on the connection after attach().
  SSL_CTX_set_max_proto_version(server_ctx_.get(), TLS1_2_VERSION);
  AttestationClient client(policy());
  auto cctx = client_ctx(&client);
  Run run = handshake(cctx.get(), server_ctx_.get(), &client,
                      [](SSL* c) { SSL_set_min_proto_version(c, TLS1_2_VERSION); });
  expect_refused(run, AttestationError::kTlsVersionRefused, "requires TLS 1.3");
}

// ---------------------------------------------------------------------------------------------
// Malformed and oversized extensions, both directions

TEST_F(AttestedHandshakeTest, MalformedEvidenceFromServerIsRejected) {
  ScriptedServer evil;
  evil.produce = [](SSL*, const AttestationRequest&) -> std::optional<Bytes> {
    return Bytes{0xFE, 0x01, 0x00, 0x09, 0x01};  // claims 9 bytes, carries 1
  };
  evil.attach(server_ctx_.get());
  AttestationClient client(policy());
  expect_refused(attested_run(client, server_ctx_.get()), AttestationError::kMalformedEvidence,
                 "length mismatch");
}

TEST_F(AttestedHandshakeTest, MalformedSimBodyIsRejected) {
  ScriptedServer evil;
  evil.produce = [](SSL*, const AttestationRequest&) -> std::optional<Bytes> {
    return encode_evidence({0xFE01, Bytes(200, 0x01)});
  };
  evil.attach(server_ctx_.get());
  AttestationClient client(policy());
  expect_refused(attested_run(client, server_ctx_.get()), AttestationError::kMalformedEvidence,
                 "sim evidence");
}

TEST_F(AttestedHandshakeTest, OversizedEvidenceFromServerIsRejected) {
  ScriptedServer evil;
  evil.produce = [](SSL*, const AttestationRequest&) -> std::optional<Bytes> {
    return encode_evidence({0xFE01, Bytes(kMaxEvidenceSize + 1, 0x01)});
  };
  evil.attach(server_ctx_.get());
  AttestationClient client(policy());
  expect_refused(attested_run(client, server_ctx_.get()), AttestationError::kEvidenceTooLarge,
                 "exceeds the maximum of 18432");
}

TEST_F(AttestedHandshakeTest, ServerRefusesToSendOversizedEvidenceCleanly) {
  struct HugeAttester : attest::Attester {
    EvidenceType type() const override { return EvidenceType::kSim; }
    Result<attest::Bytes> attest(const ReportData&) const override {
      return Result<attest::Bytes>::success(attest::Bytes(kMaxEvidenceSize + 100, 1));
    }
  };
  std::unique_ptr<AttestationServer> server;
  auto sctx = attesting_server_ctx(std::make_shared<HugeAttester>(), server);
  AttestationClient client(policy());
  Run run = attested_run(client, sctx.get());
  EXPECT_FALSE(run.result.server_ok());
  EXPECT_NE(run.server_status.error.find("exceeds the maximum"), std::string::npos)
      << run.server_status.error;
  EXPECT_FALSE(run.outcome.ok());
  EXPECT_EQ(run.outcome.error, AttestationError::kHandshakeFailed) << run.outcome.message;
}

// A client that sends raw extension bytes (malformed or oversized requests).
struct RawRequestClient {
  Bytes wire;
  static int add(SSL*, unsigned int, unsigned int context, const unsigned char** out,
                 size_t* outlen, X509*, size_t, int*, void* arg) {
    if (context != SSL_EXT_CLIENT_HELLO) return 0;
    auto* self = static_cast<RawRequestClient*>(arg);
    *out = self->wire.data();
    *outlen = self->wire.size();
    return 1;
  }
  static int parse(SSL*, unsigned int, unsigned int, const unsigned char*, size_t, X509*, size_t,
                   int*, void*) {
    return 1;
  }
};

TEST_F(AttestedHandshakeTest, MalformedAndOversizedRequestsFailThatHandshakeOnly) {
  std::unique_ptr<AttestationServer> server;
  auto sctx = attesting_server_ctx(attester_, server);
  struct Case {
    Bytes wire;
    int reason;  // alert the client receives
    const char* server_error;
  };
  std::vector<Case> cases = {
      {Bytes{0x20, 0x01}, SSL_R_TLSV1_ALERT_DECODE_ERROR, "truncated"},
      {encode_request({Bytes(65, 1), {0xFE01}}), SSL_R_SSLV3_ALERT_ILLEGAL_PARAMETER,
       "nonce of 65 bytes"},
      {encode_request({Bytes(4, 1), {0xFE01}}), SSL_R_SSLV3_ALERT_ILLEGAL_PARAMETER,
       "nonce of 4 bytes"},
      {[] {
         Bytes w = encode_request({Bytes(16, 1), {0xFE01}});
         w.push_back(0);
         return w;
       }(),
       SSL_R_TLSV1_ALERT_DECODE_ERROR, "length mismatch"},
  };
  for (const Case& c : cases) {
    RawRequestClient raw{c.wire};
    TlsClientConfig cc;
    cc.cafile = server_cert_;
    auto cctx = make_client_context(cc);
    ASSERT_TRUE(cctx.ok());
    SSL_CTX_add_custom_ext(cctx->get(), kAttestationExtensionType, kContexts,
                           &RawRequestClient::add, nullptr, &raw, &RawRequestClient::parse,
                           nullptr);
    SslPtr cl(SSL_new(cctx->get()));
    SslPtr sv(SSL_new(sctx.get()));
    int client_reason = 0;
    auto r = run_handshake(cl.get(), sv.get(),
                           [&](int) { client_reason = ERR_GET_REASON(ERR_peek_error()); });
    EXPECT_FALSE(r.client_ok());
    EXPECT_FALSE(r.server_ok());
    EXPECT_EQ(client_reason, c.reason) << c.server_error;
    EXPECT_NE(AttestationServer::status(sv.get()).error.find(c.server_error), std::string::npos)
        << AttestationServer::status(sv.get()).error;
  }
  // The same server keeps serving well-formed clients.
  AttestationClient client(policy());
  EXPECT_TRUE(attested_run(client, sctx.get()).outcome.ok());
}

TEST_F(AttestedHandshakeTest, OutcomeIsNeverOkWithoutAHandshake) {
  AttestationClient client(policy());
  auto cctx = client_ctx(&client);
  SslPtr c(SSL_new(cctx.get()));
  AttestationOutcome o = client.outcome(c.get(), 1);
  EXPECT_FALSE(o.ok());
}

}  // namespace
}  // namespace trustmq::tls

namespace trustmq::tls {
namespace {

// A server that sends a fixed piece of real hardware evidence whatever the binding (as a relay
// or a replay would): the client must verify it to its root and then refuse the binding.
class ReplayingAttester final : public attest::Attester {
 public:
  ReplayingAttester(EvidenceType type, attest::Bytes evidence)
      : type_(type), evidence_(std::move(evidence)) {}
  EvidenceType type() const override { return type_; }
  Result<attest::Bytes> attest(const attest::ReportData&) const override {
    return Result<attest::Bytes>::success(evidence_);
  }

 private:
  EvidenceType type_;
  attest::Bytes evidence_;
};

attest::Bytes read_vector(const std::string& relative) {
  std::ifstream in(std::string(TRUSTMQ_TEST_VECTORS_DIR) + "/" + relative, std::ios::binary);
  return attest::Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST_F(AttestedHandshakeTest, ReplayedHardwareEvidenceIsVerifiedThenRefusedByTheBinding) {
  // The client verifies at the real time: the samples' endorsement certificates (VCEK, PCK)
  // are valid until 2029-09; after that this test can only be skipped.
  if (std::time(nullptr) >= 1884556800) GTEST_SKIP() << "sample certificates expired";
  struct Case {
    EvidenceType type;
    const char* evidence;
    const char* collateral;
  };
  for (const Case& c :
       {Case{EvidenceType::kSevSnp, "sev-snp/attestation.bin", "sev-snp/vcek.testcer"},
        Case{EvidenceType::kTdx, "tdx/tdx_prod_quote_SPR_E4.dat", nullptr}}) {
    SCOPED_TRACE(attest::evidence_type_name(c.type));
    std::unique_ptr<AttestationServer> server;
    auto sctx = attesting_server_ctx(
        std::make_shared<ReplayingAttester>(c.type, read_vector(c.evidence)), server);
    attest::Policy p;
    p.allowed_types = {c.type};
    p.allow_debug = true;
    auto collateral = std::make_shared<attest::Collateral>();
    if (c.collateral != nullptr) {
      ASSERT_TRUE(collateral->add_bytes(c.collateral, read_vector(c.collateral)).ok());
    }
    if (c.type == EvidenceType::kSevSnp) {
      p.sev_snp.present = true;
      p.sev_snp.collateral = collateral;
    } else {
      p.tdx.present = true;
      p.tdx.allow_unknown_tcb = true;
      p.tdx.collateral = collateral;
    }
    AttestationClient client(std::move(p));
    Run run = attested_run(client, sctx.get());
    expect_refused(run, AttestationError::kBindingMismatch, "bound to another handshake");
    ASSERT_TRUE(run.outcome.claims.has_value());  // verified to the built-in root first
    EXPECT_EQ(run.outcome.claims->type, c.type);
  }
}

// tpm2-quote through the handshake, on a private swtpm (a SOFTWARE TPM).
attest::Policy tpm_policy(const attest::testing::EnrolledSwtpm& tpm) {
  attest::Policy p;
  p.allowed_types = {EvidenceType::kTpm2Quote};
  p.module_measurements.any = true;
  p.runtime_measurements.any = true;
  p.tpm.present = true;
  p.tpm.trust_anchors = tpm.anchors();
  return p;
}

TEST_F(AttestedHandshakeTest, TpmQuoteIsVerifiedInTheHandshake) {
  attest::testing::EnrolledSwtpm tpm;
  auto attester = attest::TpmAttester::start(tpm.attester_config());
  ASSERT_TRUE(attester) << attester.error();
  std::unique_ptr<AttestationServer> server;
  auto sctx = attesting_server_ctx(std::move(*attester), server);
  AttestationClient client(tpm_policy(tpm));
  Run run = attested_run(client, sctx.get());
  ASSERT_TRUE(run.result.client_ok()) << run.outcome.message;
  ASSERT_TRUE(run.outcome.ok()) << run.outcome.message;
  EXPECT_EQ(run.outcome.claims->type, EvidenceType::kTpm2Quote);
  EXPECT_EQ(run.outcome.claims->module_measurement, tpm.attester_config().module_measurement);
  EXPECT_NE(run.outcome.message.find("NOT memory isolation"), std::string::npos);
}

TEST_F(AttestedHandshakeTest, ReplayedTpmQuoteIsVerifiedThenRefusedByTheBinding) {
  attest::testing::EnrolledSwtpm tpm;
  auto attester = attest::TpmAttester::start(tpm.attester_config());
  ASSERT_TRUE(attester) << attester.error();
  ReportData earlier{};
  earlier.fill(0x5A);  // the binding of some earlier handshake
  auto quote = (*attester)->attest(earlier);
  ASSERT_TRUE(quote) << quote.error();
  std::unique_ptr<AttestationServer> server;
  auto sctx = attesting_server_ctx(
      std::make_shared<ReplayingAttester>(EvidenceType::kTpm2Quote, *quote), server);
  AttestationClient client(tpm_policy(tpm));
  Run run = attested_run(client, sctx.get());
  expect_refused(run, AttestationError::kBindingMismatch, "bound to another handshake");
  ASSERT_TRUE(run.outcome.claims.has_value());  // the quote itself verified
}

}  // namespace
}  // namespace trustmq::tls
