// Attested TLS through the client library, `trustmq sub --attest` and `trustmq attest`: verified
// evidence lets MQTT through; a policy mismatch or a server without evidence fails closed before
// any MQTT byte is sent, with the attestation layer's precise error.
#include <gtest/gtest.h>

#include <string>

#include "attest/bytes.h"
#include "attest/sim_attester.h"
#include "attested_tls_frontend.h"
#include "broker_process.h"
#include "cli_process.h"
#include "client/tls_client_transport.h"
#include "client_connection.h"
#include "client_options.h"

namespace trustmq::client {
namespace {

using namespace std::chrono_literals;
using test_support::TempDirectory;
using testing::AttestedTlsFrontend;
using testing::BrokerKind;
using testing::BrokerProcess;
using testing::bytes;
using testing::options_for;
using testing::receives_own_message;
using testing::try_connect;

attest::Sha256Digest filled(std::uint8_t v) {
  attest::Sha256Digest d;
  d.fill(v);
  return d;
}

class AttestedTransportTest : public ::testing::Test {
 protected:
  const attest::Sha256Digest kModule = filled(0x3f);

  void SetUp() override {
    broker_ = BrokerProcess::start(BrokerKind::kTrustmq, dir_);
    ASSERT_NE(broker_, nullptr);
    auto platform = attest::SimPlatform::open_or_create(dir_.file("sim"));
    ASSERT_TRUE(platform.ok()) << platform.error();
    auto attester = std::make_shared<attest::SimAttester>(
        *platform, attest::SimAttesterClaims{filled(0x51), kModule, false});
    frontend_ = AttestedTlsFrontend::start(dir_.file("tls"), attester, broker_->port());
    ASSERT_NE(frontend_, nullptr);
  }
  // A policy accepting sim evidence from our platform for `module`.
  std::string policy(const attest::Sha256Digest& module) {
    return dir_.write("policy-" + attest::to_hex(module).substr(0, 8) + ".json",
                      R"({"version": 1, "allowed_types": ["sim"], "allow_sim": true,
                          "trust_anchors": ["sim/sim-root-ca.pem"],
                          "module_measurements": [")" +
                          attest::to_hex(module) + R"("], "runtime_measurements": "any"})");
  }
  Endpoint attested(const std::string& policy_file, std::uint16_t port) {
    Endpoint e;
    e.host = "127.0.0.1";
    e.port = port;
    e.tls.emplace();
    e.tls->attestation_policy = policy_file;
    return e;
  }

  TempDirectory dir_;
  std::unique_ptr<BrokerProcess> broker_;
  std::unique_ptr<AttestedTlsFrontend> frontend_;
};

TEST_F(AttestedTransportTest, VerifiedEvidenceThenMqtt) {
  const Endpoint e = attested(policy(kModule), frontend_->port());
  auto transport = TlsClientTransport::open(e.host, *e.port, *e.tls, Deadline::after(5s));
  ASSERT_TRUE(transport.ok()) << transport.error().message;
  const auto& outcome = transport.value()->attestation();
  ASSERT_TRUE(outcome.has_value());
  ASSERT_TRUE(outcome->ok()) << outcome->message;
  ASSERT_TRUE(outcome->claims.has_value());
  EXPECT_NE(transport.value()->description().find("attested"), std::string::npos);

  auto c = MqttClient::connect(std::move(transport.value()),
                               options_for(mqtt::ProtocolVersion::kV5, "attested-client"));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(receives_own_message(*c.value(), "enclave/#", "enclave/x", "trusted",
                                   mqtt::QoS::kExactlyOnce));
  // Counted once the front's SSL_accept returned, which MQTT traffic through it implies.
  EXPECT_EQ(frontend_->handshakes_with_evidence(), 1);
}

TEST_F(AttestedTransportTest, WrongModuleMeasurementFailsClosed) {
  auto c = try_connect(attested(policy(filled(0x99)), frontend_->port()),
                       options_for(mqtt::ProtocolVersion::kV311, "x"));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ClientErrorKind::kAttestation);
  EXPECT_EQ(c.error().attestation_error, "module-measurement-rejected");
  EXPECT_NE(c.error().message.find(attest::to_hex(kModule).substr(0, 4)), std::string::npos)
      << c.error().message;
}

TEST_F(AttestedTransportTest, ServerWithoutEvidenceFailsClosed) {
  // A TLS server that ignores the extension: Debian's mosquitto with a certificate.
  TempDirectory certs;
  auto ca = testing::ChildProcess::exec(
      {"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
       "-nodes", "-keyout", certs.file("k.pem"), "-out", certs.file("c.pem"), "-subj",
       "/CN=localhost", "-days", "2", "-addext", "subjectAltName=IP:127.0.0.1"},
      certs.path());
  ASSERT_EQ(ca.wait(30s), 0) << ca.err();
  auto plain_tls = BrokerProcess::start(
      BrokerKind::kMosquitto, certs,
      "certfile " + certs.file("c.pem") + "\nkeyfile " + certs.file("k.pem") + "\n");
  ASSERT_NE(plain_tls, nullptr);
  for (bool with_ca : {false, true}) {
    Endpoint e = attested(policy(kModule), plain_tls->port());
    if (with_ca) e.tls->cafile = certs.file("c.pem");
    auto c = try_connect(e, options_for(mqtt::ProtocolVersion::kV311, "x"));
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.error().kind, ClientErrorKind::kAttestation) << c.error().message;
    EXPECT_EQ(c.error().attestation_error, "missing-evidence") << c.error().message;
  }
}

TEST_F(AttestedTransportTest, BadPolicyFileIsAnArgumentError) {
  auto c = try_connect(attested(dir_.write("broken.json", "{"), frontend_->port()),
                       options_for(mqtt::ProtocolVersion::kV311, "x"));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ClientErrorKind::kInvalidArgument);
  EXPECT_NE(c.error().message.find("broken.json"), std::string::npos);
}

TEST_F(AttestedTransportTest, CliSubWithAttestReceivesAndRejects) {
  const std::string port = std::to_string(frontend_->port());
  auto sub = testing::run_cli("sub",
                              {"-h", "127.0.0.1", "-p", port, "--attest", policy(kModule), "-t",
                               "att/#", "-C", "1", "-v", "-d"},
                              dir_.path());
  ASSERT_TRUE(sub.wait_for_output("received SUBACK", 5s)) << sub.err();
  EXPECT_NE(sub.err().find("attested"), std::string::npos) << sub.err();
  auto pub = try_connect(testing::local_endpoint(broker_->port()),
                         options_for(mqtt::ProtocolVersion::kV311, "plain-pub"));
  ASSERT_TRUE(pub.ok());
  ASSERT_TRUE(
      pub.value()->publish("att/1", bytes("via enclave"), mqtt::QoS::kAtLeastOnce, false).ok());
  ASSERT_EQ(sub.wait(5s), 0) << sub.err();
  EXPECT_EQ(sub.out(), "att/1 via enclave\n");

  auto rejected = testing::run_cli(
      "sub",
      {"-h", "127.0.0.1", "-p", port, "--attest", policy(filled(0x99)), "-t", "att/#", "-C", "1"},
      dir_.path());
  EXPECT_EQ(rejected.wait(10s), cli::kExitAttestationFailed);
  EXPECT_NE(rejected.err().find("attestation failed"), std::string::npos) << rejected.err();
  EXPECT_EQ(rejected.out(), "");
}

TEST_F(AttestedTransportTest, CliAttestPrintsClaimsAndVerdict) {
  const std::string port = std::to_string(frontend_->port());
  auto trusted = testing::run_cli(
      "attest", {"-h", "127.0.0.1", "-p", port, "--policy", policy(kModule)}, dir_.path());
  ASSERT_EQ(trusted.wait(10s), 0) << trusted.out() << trusted.err();
  EXPECT_NE(trusted.out().find("module measurement:  " + attest::to_hex(kModule)),
            std::string::npos)
      << trusted.out();
  EXPECT_NE(trusted.out().find("Verdict: TRUSTED"), std::string::npos) << trusted.out();
  // A module measurement that is not the native core's source hash gets no native note.
  EXPECT_EQ(trusted.out().find("native core"), std::string::npos) << trusted.out();

  // --attest is a synonym of --policy; --timeout is attest's own flag.
  auto rejected = testing::run_cli(
      "attest", {"-h", "127.0.0.1", "-p", port, "--attest", policy(filled(0x99)), "--timeout", "5"},
      dir_.path());
  ASSERT_EQ(rejected.wait(10s), 1) << rejected.out() << rejected.err();
  EXPECT_NE(rejected.out().find("Verdict: NOT TRUSTED (module-measurement-rejected)"),
            std::string::npos)
      << rejected.out();
  // The claims are still shown.
  EXPECT_NE(rejected.out().find("module measurement:  " + attest::to_hex(kModule)),
            std::string::npos)
      << rejected.out();
  EXPECT_NE(rejected.err().find("attestation failed"), std::string::npos) << rejected.err();
}

// Issue 7 A: with --psk only a handshake authenticated by the key is accepted. The front here
// is a certificate listener with valid evidence for that certificate, which knows no PSK: the
// library, `trustmq attest` and `trustmq sub` refuse it, and its SSL_accept never completes.
TEST_F(AttestedTransportTest, PskClientRefusesCertificateHandshakeEvenWithValidEvidence) {
  const std::string key = "00112233445566778899aabbccddeeff";
  Endpoint e = attested(policy(kModule), frontend_->port());
  e.tls->psk_hex = key;
  e.tls->psk_identity = "victim";
  auto transport = TlsClientTransport::open(e.host, *e.port, *e.tls, Deadline::after(5s));
  ASSERT_FALSE(transport.ok());
  EXPECT_EQ(transport.error().kind, ClientErrorKind::kTls) << transport.error().message;
  EXPECT_NE(transport.error().message.find("pre-shared key for identity 'victim'"),
            std::string::npos)
      << transport.error().message;

  const std::string port = std::to_string(frontend_->port());
  auto attest = testing::run_cli("attest",
                                 {"-h", "127.0.0.1", "-p", port, "--policy", policy(kModule),
                                  "--psk", key, "--psk-identity", "victim"},
                                 dir_.path());
  ASSERT_EQ(attest.wait(10s), 1) << attest.out() << attest.err();
  EXPECT_NE(attest.out().find("Verdict: NOT TRUSTED"), std::string::npos) << attest.out();
  EXPECT_EQ(attest.out().find("Verdict: TRUSTED"), std::string::npos) << attest.out();
  EXPECT_NE(attest.err().find("pre-shared key for identity 'victim'"), std::string::npos)
      << attest.err();

  auto sub = testing::run_cli("sub", {"-h",     "127.0.0.1", "-p",
                                      port,     "--attest",  policy(kModule),
                                      "--psk",  key,         "--psk-identity",
                                      "victim", "-u",        "alice",
                                      "-P",     "alicepw",   "-t",
                                      "att/#",  "-C",        "1",
                                      "-W",     "5"},
                              dir_.path());
  ASSERT_EQ(sub.wait(10s), 1) << sub.err();
  EXPECT_NE(sub.err().find("pre-shared key for identity 'victim'"), std::string::npos) << sub.err();
  EXPECT_EQ(frontend_->handshakes_with_evidence(), 0);
}

TEST_F(AttestedTransportTest, CliAttestUsageErrorsExitTwo) {
  const std::string port = std::to_string(frontend_->port());
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"-h", "127.0.0.1", "-p", port},                               // no policy
           {"-p", port, "--policy", policy(kModule), "-t", "a"},          // a pub/sub flag
           {"-p", "0", "--policy", policy(kModule)},                      // bad port
           {"-p", port, "--policy", policy(kModule), "--timeout", "0"},   // bad timeout
           {"-p", port, "--policy", policy(kModule), "--cert", "c.pem"},  // no --key
           {"-p", port, "--policy", policy(kModule), "--psk", "00ff"},    // no identity
       }) {
    auto child = testing::run_cli("attest", args, dir_.path());
    EXPECT_EQ(child.wait(10s), 2) << child.err();
    EXPECT_EQ(child.err().rfind("trustmq attest: ", 0), 0u) << child.err();
    EXPECT_NE(child.err().find("usage: trustmq attest"), std::string::npos) << child.err();
    EXPECT_EQ(child.out(), "");
  }
  EXPECT_EQ(frontend_->handshakes_with_evidence(), 0);

  auto help = testing::run_cli("attest", {"--help"}, dir_.path());
  ASSERT_EQ(help.wait(10s), 0);
  for (const char* flag : {"--policy POLICY", "--timeout SECONDS", "--cafile FILE",
                           "--psk-identity ID", "--insecure"}) {
    EXPECT_NE(help.out().find(flag), std::string::npos) << flag << "\n" << help.out();
  }
  EXPECT_EQ(help.out().find("--topic"), std::string::npos) << help.out();
}

}  // namespace
}  // namespace trustmq::client
