// Post-handshake attestation (src/tls/post_handshake_attestation.cpp): evidence produced on an
// established TLS 1.3 connection, bound to its exporter and the client's nonce, verified on the
// client's own SSL; and every case that must fail closed (docs/attestation.md, "Post-handshake
// attestation").
#include "tls/post_handshake_attestation.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "attest/sim_attester.h"
#include "attest/sim_platform.h"
#include "attest/trust_anchors.h"
#include "handshake_pump.h"
#include "support/temp_directory.h"
#include "tls/attestation_binding.h"
#include "tls/attestation_client.h"
#include "tls/attestation_server.h"
#include "tls/attestation_wire.h"
#include "tls/post_handshake_binding.h"
#include "tls/tls_context.h"

namespace trustmq::tls {
namespace {

using attest::EvidenceType;
using attest::Sha256Digest;
using test_support::TempDirectory;
using testing::run_handshake;

Sha256Digest filled_digest(std::uint8_t fill) {
  Sha256Digest d;
  d.fill(fill);
  return d;
}

// One established connection: both ends.
struct Connection {
  SslPtr client;
  SslPtr server;
};

class PostHandshakeAttestationTest : public ::testing::Test {
 protected:
  const Sha256Digest kModule = filled_digest(0x3f);
  const Sha256Digest kRuntime = filled_digest(0x51);

  void SetUp() override {
    auto platform = attest::SimPlatform::open_or_create(dir_.file("sim"));
    ASSERT_TRUE(platform.ok()) << platform.error();
    platform_.emplace(*platform);
    attester_ = make_attester(kModule);
    server_ = std::make_unique<AttestationServer>(
        std::vector<std::shared_ptr<const attest::Attester>>{attester_});
    TlsServerConfig sc;
    sc.state_dir = dir_.file("tls");
    auto ctx = make_server_context(sc);
    ASSERT_TRUE(ctx.ok()) << ctx.error();
    server_ctx_ = std::move(*ctx);
    TlsClientConfig cc;
    cc.cafile = sc.state_dir + "/tls-cert.pem";
    auto cctx = make_client_context(cc);
    ASSERT_TRUE(cctx.ok()) << cctx.error();
    client_ctx_ = std::move(*cctx);
  }

  std::shared_ptr<attest::SimAttester> make_attester(const Sha256Digest& module) {
    attest::SimAttesterClaims claims;
    claims.module_measurement = module;
    claims.runtime_measurement = kRuntime;
    return std::make_shared<attest::SimAttester>(*platform_, claims);
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

  Connection connect(SSL_CTX* cctx = nullptr, SSL_CTX* sctx = nullptr) {
    Connection c{SslPtr(SSL_new(cctx ? cctx : client_ctx_.get())),
                 SslPtr(SSL_new(sctx ? sctx : server_ctx_.get()))};
    auto r = run_handshake(c.client.get(), c.server.get());
    EXPECT_TRUE(r.client_ok() && r.server_ok());
    return c;
  }

  // The broker's answer on `server_ssl` to `request`.
  Bytes answer(SSL* server_ssl, const PostHandshakeRequest& request) {
    auto produced = produce_post_handshake_evidence(server_ssl, *server_, request.request);
    EXPECT_TRUE(produced.ok()) << (produced.ok() ? "" : produced.error().message);
    return produced.ok() ? produced->answer : Bytes{};
  }

  PostHandshakeRequest request(const AttestationClient& client) {
    auto r = make_post_handshake_request(client);
    EXPECT_TRUE(r.ok());
    return *r;
  }

  static void expect_refused(const AttestationOutcome& o, AttestationError error) {
    EXPECT_FALSE(o.ok());
    EXPECT_EQ(o.error, error) << attestation_error_name(o.error) << ": " << o.message;
  }

  TempDirectory dir_;
  std::optional<attest::SimPlatform> platform_;
  std::shared_ptr<attest::SimAttester> attester_;
  std::unique_ptr<AttestationServer> server_;
  SslCtxPtr server_ctx_;
  SslCtxPtr client_ctx_;
};

TEST_F(PostHandshakeAttestationTest, EvidenceBoundToThisConnectionVerifies) {
  AttestationClient client(policy());
  Connection c = connect();
  PostHandshakeRequest r = request(client);
  EXPECT_EQ(r.nonce.size(), kClientNonceSize);
  AttestationOutcome o =
      verify_post_handshake_evidence(c.client.get(), client, r.nonce, answer(c.server.get(), r));
  ASSERT_TRUE(o.ok()) << o.message;
  EXPECT_EQ(o.claims->module_measurement, kModule);
  EXPECT_NE(o.message.find("NO hardware protection"), std::string::npos) << o.message;
  // Asking again on the same connection works with a new nonce.
  PostHandshakeRequest again = request(client);
  EXPECT_NE(again.nonce, r.nonce);
  EXPECT_TRUE(verify_post_handshake_evidence(c.client.get(), client, again.nonce,
                                             answer(c.server.get(), again))
                  .ok());
}

TEST_F(PostHandshakeAttestationTest, BothEndsComputeTheSameBindingAndItDependsOnEverything) {
  Connection a = connect();
  Connection b = connect();
  const Bytes nonce(32, 7);
  auto server_side = post_handshake_binding(a.server.get(), nonce, true);
  auto client_side = post_handshake_binding(a.client.get(), nonce, false);
  ASSERT_TRUE(server_side.ok() && client_side.ok());
  EXPECT_EQ(*server_side, *client_side);
  EXPECT_NE(*post_handshake_binding(a.client.get(), Bytes(32, 8), false), *client_side);
  EXPECT_NE(*post_handshake_binding(b.client.get(), nonce, false), *client_side);
}

TEST_F(PostHandshakeAttestationTest, EvidenceBoundToAnotherConnectionIsRefused) {
  // A relay: the attacker's own connection to the broker answers the victim's request (same
  // nonce), so the evidence is bound to the attacker's exporter, not the victim's.
  AttestationClient client(policy());
  Connection victim = connect();
  Connection relay = connect();
  PostHandshakeRequest r = request(client);
  AttestationOutcome o = verify_post_handshake_evidence(victim.client.get(), client, r.nonce,
                                                        answer(relay.server.get(), r));
  expect_refused(o, AttestationError::kBindingMismatch);
  ASSERT_TRUE(o.claims.has_value());  // genuine signature: only the binding refuses it
}

TEST_F(PostHandshakeAttestationTest, AnswerToAnEarlierNonceIsRefused) {
  // A replayed AUTH: the answer to the client's first request comes back for its second.
  AttestationClient client(policy());
  Connection c = connect();
  PostHandshakeRequest first = request(client);
  const Bytes old_answer = answer(c.server.get(), first);
  ASSERT_TRUE(verify_post_handshake_evidence(c.client.get(), client, first.nonce, old_answer).ok());
  PostHandshakeRequest second = request(client);
  expect_refused(verify_post_handshake_evidence(c.client.get(), client, second.nonce, old_answer),
                 AttestationError::kBindingMismatch);
}

TEST_F(PostHandshakeAttestationTest, InHandshakeBindingIsNotAcceptedAfterTheHandshake) {
  // Domain separation: evidence over the in-handshake binding of this very connection (same
  // nonce) never passes for post-handshake evidence.
  AttestationClient client(policy());
  Connection c = connect();
  PostHandshakeRequest r = request(client);
  auto values = read_handshake_values(c.server.get(), true);
  ASSERT_TRUE(values.ok());
  auto d = attest::spki_sha256(SSL_get_certificate(c.server.get()));
  auto evidence =
      attester_->attest(compute_binding(r.nonce, values->client_random, values->server_random,
                                        values->server_key_share, Bytes(d.begin(), d.end())));
  ASSERT_TRUE(evidence.ok());
  Bytes wire = encode_evidence({static_cast<std::uint16_t>(EvidenceType::kSim), *evidence});
  expect_refused(verify_post_handshake_evidence(c.client.get(), client, r.nonce, wire),
                 AttestationError::kBindingMismatch);
}

TEST_F(PostHandshakeAttestationTest, BrokerThatStopsMatchingThePolicyIsRefused) {
  AttestationClient client(policy());
  Connection c = connect();
  PostHandshakeRequest r = request(client);
  ASSERT_TRUE(
      verify_post_handshake_evidence(c.client.get(), client, r.nonce, answer(c.server.get(), r))
          .ok());
  // The broker now runs another module.
  server_ = std::make_unique<AttestationServer>(
      std::vector<std::shared_ptr<const attest::Attester>>{make_attester(filled_digest(0x99))});
  PostHandshakeRequest again = request(client);
  expect_refused(verify_post_handshake_evidence(c.client.get(), client, again.nonce,
                                                answer(c.server.get(), again)),
                 AttestationError::kModuleMeasurementRejected);
}

TEST_F(PostHandshakeAttestationTest, TamperedOrMalformedAnswersAreRefused) {
  AttestationClient client(policy());
  Connection c = connect();
  PostHandshakeRequest r = request(client);
  Bytes good = answer(c.server.get(), r);
  Bytes tampered = good;
  tampered[tampered.size() / 2] ^= 0x01;
  AttestationOutcome o = verify_post_handshake_evidence(c.client.get(), client, r.nonce, tampered);
  EXPECT_FALSE(o.ok());
  expect_refused(verify_post_handshake_evidence(c.client.get(), client, r.nonce, Bytes{0, 1}),
                 AttestationError::kMalformedEvidence);
  Bytes trailing = good;
  trailing.push_back(0);
  expect_refused(verify_post_handshake_evidence(c.client.get(), client, r.nonce, trailing),
                 AttestationError::kMalformedEvidence);
  Bytes other_type = good;
  other_type[0] = 0x00;
  other_type[1] = 0x02;  // a type this client did not offer
  expect_refused(verify_post_handshake_evidence(c.client.get(), client, r.nonce, other_type),
                 AttestationError::kEvidenceTypeNotAllowed);
}

TEST_F(PostHandshakeAttestationTest, BrokerRefusesMalformedRequestsAndUnknownTypes) {
  Connection c = connect();
  auto bad = produce_post_handshake_evidence(c.server.get(), *server_, Bytes{1, 2, 3});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().reason, PostHandshakeRefusal::kMalformedRequest);
  Bytes tpm_only =
      encode_request({Bytes(32, 1), {static_cast<std::uint16_t>(EvidenceType::kTpm2Quote)}});
  auto unknown = produce_post_handshake_evidence(c.server.get(), *server_, tpm_only);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().reason, PostHandshakeRefusal::kNoAcceptedType);
}

TEST_F(PostHandshakeAttestationTest, Tls12ConnectionsGetNoEvidenceAndVerifyNothing) {
  SSL_CTX_set_max_proto_version(server_ctx_.get(), TLS1_2_VERSION);
  SSL_CTX_set_min_proto_version(client_ctx_.get(), TLS1_2_VERSION);
  AttestationClient client(policy());
  Connection c = connect();
  ASSERT_EQ(SSL_version(c.client.get()), TLS1_2_VERSION);
  PostHandshakeRequest r = request(client);
  auto produced = produce_post_handshake_evidence(c.server.get(), *server_, r.request);
  ASSERT_FALSE(produced.ok());
  EXPECT_EQ(produced.error().reason, PostHandshakeRefusal::kNoExporter);
  EXPECT_NE(produced.error().message.find("TLS 1.3"), std::string::npos);
}

TEST_F(PostHandshakeAttestationTest, PskConnectionsBindAnEmptySpkiOnBothEnds) {
  TlsServerConfig sc;
  sc.psk_table = {{"device-1", attest::Bytes(32, 0x42)}};
  auto sctx = make_server_context(sc);
  ASSERT_TRUE(sctx.ok()) << sctx.error();
  TlsClientConfig cc;
  cc.verify_peer = false;
  cc.psk_identity = "device-1";
  for (int i = 0; i < 32; ++i) cc.psk_key_hex += "42";
  auto cctx = make_client_context(cc);
  ASSERT_TRUE(cctx.ok()) << cctx.error();
  AttestationClient client(policy());
  Connection c = connect(cctx->get(), sctx->get());
  PostHandshakeRequest r = request(client);
  AttestationOutcome o =
      verify_post_handshake_evidence(c.client.get(), client, r.nonce, answer(c.server.get(), r));
  EXPECT_TRUE(o.ok()) << o.message;
}

}  // namespace
}  // namespace trustmq::tls
