// TLS listeners of the shell, in-process: the event loop on an ephemeral 127.0.0.1 port with the
// native engine, and blocking OpenSSL clients (with and without the attestation extension)
// speaking hand-encoded MQTT 3.1.1 over TLS 1.3.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "attest/sim_platform.h"
#include "in_process_broker.h"
#include "raw_mqtt_client.h"
#include "shell/config_file.h"
#include "shell/engine_selection.h"
#include "shell/server.h"
#include "support/temp_directory.h"
#include "tls/attestation_client.h"
#include "tls/tls_context.h"

namespace trustmq::shell {
namespace {

using test_support::TempDirectory;
using testing::connect_packet;
using testing::publish_packet;
using testing::RawPacket;
using testing::subscribe_packet;

constexpr const char* kPskHex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

int connect_loopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

// A blocking TLS client (optionally attested) with an MQTT packet reader.
class TlsClient {
 public:
  TlsClient(std::uint16_t port, const tls::TlsClientConfig& config,
            std::optional<attest::Policy> policy = std::nullopt) {
    auto ctx = tls::make_client_context(config);
    EXPECT_TRUE(ctx.ok()) << ctx.error();
    ctx_ = std::move(*ctx);
    if (policy) {
      attestation_ = std::make_unique<tls::AttestationClient>(std::move(*policy));
      EXPECT_TRUE(attestation_->attach(ctx_.get()).ok());
    }
    fd_ = connect_loopback(port);
    ssl_.reset(SSL_new(ctx_.get()));
    SSL_set_fd(ssl_.get(), fd_);
    ERR_clear_error();
    rc_ = SSL_connect(ssl_.get());
    if (attestation_) outcome_ = attestation_->outcome(ssl_.get(), rc_);
    ERR_clear_error();
  }
  ~TlsClient() {
    ssl_.reset();
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return rc_ == 1; }
  const std::optional<tls::AttestationOutcome>& outcome() const { return outcome_; }

  bool send(const std::vector<std::uint8_t>& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      std::size_t n = 0;
      if (SSL_write_ex(ssl_.get(), bytes.data() + done, bytes.size() - done, &n) != 1) {
        return false;
      }
      done += n;
    }
    return true;
  }

  std::optional<RawPacket> read_packet() {
    for (;;) {
      if (auto p = testing::take_framed_packet(buffer_)) return p;
      std::uint8_t buffer[16384];
      std::size_t n = 0;
      if (SSL_read_ex(ssl_.get(), buffer, sizeof buffer, &n) != 1) return std::nullopt;
      buffer_.insert(buffer_.end(), buffer, buffer + n);
    }
  }

 private:
  tls::SslCtxPtr ctx_;
  std::unique_ptr<tls::AttestationClient> attestation_;
  tls::SslPtr ssl_;
  int fd_ = -1;
  int rc_ = 0;
  std::optional<tls::AttestationOutcome> outcome_;
  std::vector<std::uint8_t> buffer_;
};

attest::Policy sim_policy(const std::string& sim_dir, const std::string& module_hex) {
  auto platform = attest::SimPlatform::open_or_create(sim_dir);
  EXPECT_TRUE(platform.ok()) << platform.error();
  attest::Policy p;
  p.allowed_types = {attest::EvidenceType::kSim};
  p.allow_sim = true;
  p.trust_anchors = {attest::share_x509(attest::X509Ptr(X509_dup(platform->root_cert())))};
  p.module_measurements.allowed = {*attest::sha256_from_hex(module_hex)};
  p.runtime_measurements.any = true;
  return p;
}

TEST(TlsListenerTest, AttestedClientVerifiesEvidenceThenTalksMqtt) {
  TempDirectory dir;
  InProcessBroker server("listener 0 127.0.0.1\nattestation sim\nallow_anonymous true\nstate_dir " +
                         dir.file("state") + "\n");
  tls::TlsClientConfig config;
  config.verify_peer = false;  // the evidence binds the certificate's key
  TlsClient client(server.port(0), config,
                   sim_policy(dir.file("state/sim"), server.module_measurement()));
  ASSERT_TRUE(client.connected()) << server.log_text();
  ASSERT_TRUE(client.outcome()->ok()) << client.outcome()->message;
  ASSERT_TRUE(client.send(connect_packet("attested")));
  auto connack = client.read_packet();
  ASSERT_TRUE(connack.has_value());
  EXPECT_EQ(connack->type(), 2);
  EXPECT_TRUE(server.wait_for_log("attestation evidence sent (sim: software key, NO hardware"));
  EXPECT_TRUE(server.wait_for_log("created a self-signed ECDSA P-256 certificate " +
                                  dir.file("state") + "/tls/tls-cert.pem"));
}

TEST(TlsListenerTest, EvidenceForAnotherModuleAbortsOnlyThatHandshake) {
  TempDirectory dir;
  InProcessBroker server("listener 0 127.0.0.1\nattestation sim\nallow_anonymous true\nstate_dir " +
                         dir.file("state") + "\n");
  tls::TlsClientConfig config;
  config.verify_peer = false;
  TlsClient refused(server.port(0), config,
                    sim_policy(dir.file("state/sim"), std::string(64, 'a')));
  EXPECT_FALSE(refused.connected());
  EXPECT_EQ(refused.outcome()->error, tls::AttestationError::kModuleMeasurementRejected);
  EXPECT_TRUE(server.wait_for_log("handshake failed: TLS handshake: tlsv1 alert access denied"));
  // A client that does not ask for evidence is unaffected.
  TlsClient plain(server.port(0), config);
  ASSERT_TRUE(plain.connected());
  ASSERT_TRUE(plain.send(connect_packet("plain")));
  auto connack = plain.read_packet();
  ASSERT_TRUE(connack.has_value());
  EXPECT_EQ(connack->type(), 2);
}

TEST(TlsListenerTest, PskIdentityBecomesTheUserName) {
  TempDirectory dir;
  const std::string psk = dir.write("psk", std::string("device9:") + kPskHex + "\n");
  InProcessBroker server("listener 0 127.0.0.1\npsk_file " + psk +
                         "\nuse_identity_as_username true\nallow_anonymous true\n");
  tls::TlsClientConfig config;
  config.verify_peer = false;
  config.psk_identity = "device9";
  config.psk_key_hex = kPskHex;
  TlsClient client(server.port(0), config);
  ASSERT_TRUE(client.connected()) << server.log_text();
  ASSERT_TRUE(client.send(connect_packet("psk-client")));
  ASSERT_TRUE(client.read_packet().has_value());
  EXPECT_TRUE(server.wait_for_log("PSK identity 'device9'"));
  EXPECT_TRUE(server.wait_for_log("u'device9'")) << server.log_text();
}

TEST(TlsListenerTest, LargeMessagesCrossTlsRecordsBothWays) {
  TempDirectory dir;
  InProcessBroker server("listener 0 127.0.0.1\ntls true\nallow_anonymous true\nstate_dir " +
                         dir.file("state") + "\n");
  tls::TlsClientConfig config;
  config.verify_peer = false;
  TlsClient client(server.port(0), config);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.send(connect_packet("big")));
  ASSERT_TRUE(client.read_packet().has_value());
  ASSERT_TRUE(client.send(subscribe_packet(1, "big/#", 0)));
  ASSERT_TRUE(client.read_packet().has_value());  // SUBACK
  std::string payload(700 * 1024, '\0');
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>('a' + i % 26);
  // Two messages in one write: the broker gets many records at once.
  auto bytes = publish_packet("big/one", payload);
  auto second = publish_packet("big/two", payload.substr(1));
  bytes.insert(bytes.end(), second.begin(), second.end());
  std::thread writer([&] { EXPECT_TRUE(client.send(bytes)); });
  auto first = client.read_packet();
  auto next = client.read_packet();
  writer.join();
  ASSERT_TRUE(first.has_value() && next.has_value());
  EXPECT_EQ(first->type(), 3);
  EXPECT_EQ(first->body.size(), 2 + 7 + payload.size());
  EXPECT_EQ(next->body.size(), 2 + 7 + payload.size() - 1);
  EXPECT_EQ(std::string(first->body.end() - 26, first->body.end()),
            payload.substr(payload.size() - 26));
}

TEST(TlsListenerTest, StalledSubscriberGetsEveryMessageIntactAfterPartialTlsWrites) {
  // The subscriber reads nothing until everything is published, so the broker's TLS writes
  // stop half-way (WANT_WRITE) both on the zero-copy path (large packets into an empty queue)
  // and from the chunked queue, and must be retried with the same bytes.
  TempDirectory dir;
  InProcessBroker server(
      "listener 0 127.0.0.1\ntls true\nallow_anonymous true\n"
      "max_queued_bytes 0\nstate_dir " +
      dir.file("state") + "\n");
  tls::TlsClientConfig config;
  config.verify_peer = false;
  TlsClient subscriber(server.port(0), config);
  ASSERT_TRUE(subscriber.connected());
  ASSERT_TRUE(subscriber.send(connect_packet("slow")));
  ASSERT_TRUE(subscriber.read_packet().has_value());
  ASSERT_TRUE(subscriber.send(subscribe_packet(1, "s/#", 0)));
  ASSERT_TRUE(subscriber.read_packet().has_value());  // SUBACK
  TlsClient publisher(server.port(0), config);
  ASSERT_TRUE(publisher.connected());
  ASSERT_TRUE(publisher.send(connect_packet("fast")));
  ASSERT_TRUE(publisher.read_packet().has_value());

  auto payload_of = [](int i) {
    // Large (beyond the direct-write threshold and a 16 KiB chunk) and small, alternating.
    const std::size_t size = i % 3 == 2 ? 100 : 20000 + static_cast<std::size_t>(i) * 37;
    std::string p(size, '\0');
    for (std::size_t k = 0; k < size; ++k) p[k] = static_cast<char>((k * 31 + i * 7) & 0xff);
    return p;
  };
  constexpr int kMessages = 300;  // ≈ 4 MiB: far more than the socket buffers hold
  for (int i = 0; i < kMessages; ++i) {
    ASSERT_TRUE(publisher.send(publish_packet("s/" + std::to_string(i), payload_of(i))));
  }
  for (int i = 0; i < kMessages; ++i) {
    const auto packet = subscriber.read_packet();
    ASSERT_TRUE(packet.has_value()) << "message " << i;
    ASSERT_EQ(packet->type(), 3);
    const std::string topic = "s/" + std::to_string(i);
    const std::string expected = payload_of(i);
    ASSERT_EQ(packet->body.size(), 2 + topic.size() + expected.size()) << "message " << i;
    ASSERT_EQ(std::string(packet->body.begin() + 2, packet->body.begin() + 2 + topic.size()),
              topic);
    const std::vector<std::uint8_t> expected_bytes(expected.begin(), expected.end());
    ASSERT_TRUE(std::equal(expected_bytes.begin(), expected_bytes.end(),
                           packet->body.begin() + 2 + static_cast<long>(topic.size())))
        << "message " << i;
  }
}

TEST(TlsListenerTest, StalledHandshakeIsClosedAfterTheTimeout) {
  TempDirectory dir;
  InProcessBroker server("listener 0 127.0.0.1\ntls true\ntls_handshake_timeout 1\nstate_dir " +
                         dir.file("state") + "\n");
  const int fd = connect_loopback(server.port(0));
  ASSERT_GE(fd, 0);
  const auto start = std::chrono::steady_clock::now();
  char byte;
  EXPECT_EQ(::recv(fd, &byte, 1, 0), 0);  // EOF from the broker, before SO_RCVTIMEO (5 s)
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ::close(fd);
  EXPECT_GE(elapsed, std::chrono::milliseconds(900));
  EXPECT_LT(elapsed, std::chrono::milliseconds(3000));
  EXPECT_TRUE(server.wait_for_log("handshake failed: not completed within 1000 ms"));
}

ServerConfig parsed(const std::string& text) {
  ServerConfig c;
  parse_config_text(text, "t.conf", c);
  return c;
}

TEST(TlsListenerConfigTest, TlsAndAttestationOptions) {
  const ServerConfig c = parsed(
      "listener 1883\nlistener 8883\nattestation sim\nlistener 8884\ntls true\n"
      "state_dir /var/lib/x y\ntls_handshake_timeout 3\n");
  EXPECT_FALSE(c.listeners[0].tls.requests_tls());
  EXPECT_TRUE(c.listeners[1].tls.requests_tls());
  EXPECT_EQ(c.listeners[1].tls.attestation, ListenerAttestation::kSim);
  EXPECT_TRUE(c.listeners[2].tls.requests_tls());
  EXPECT_EQ(c.listeners[2].tls.attestation, ListenerAttestation::kNone);
  EXPECT_EQ(c.state_dir, "/var/lib/x y");
  EXPECT_EQ(c.handshake_timeout_ms, 3000u);
  EXPECT_THROW(parsed("attestation sim\n"), ConfigError);  // no listener before it
  EXPECT_THROW(parsed("listener 1\nattestation sgx\n"), ConfigError);
  EXPECT_THROW(parsed("listener 1\ntls maybe\n"), ConfigError);
  EXPECT_THROW(parsed("tls_handshake_timeout 0\n"), ConfigError);
}

TEST(TlsListenerConfigTest, ConfigfsTsmAttestationOptions) {
  const ServerConfig c = parsed(
      "tsm_report_dir /tmp/tsm/report\ntsm_privlevel 2\nlistener 8883\nattestation tdx\n"
      "listener 8884\nattestation sev-snp\n");
  EXPECT_EQ(c.listeners[0].tls.attestation, ListenerAttestation::kTdx);
  EXPECT_TRUE(c.listeners[0].tls.requests_tls());
  EXPECT_EQ(c.listeners[1].tls.attestation, ListenerAttestation::kSevSnp);
  EXPECT_EQ(c.tsm_report_dir, "/tmp/tsm/report");
  ASSERT_TRUE(c.tsm_privlevel);
  EXPECT_EQ(*c.tsm_privlevel, 2u);
  EXPECT_EQ(parsed("listener 1\n").tsm_report_dir, "/sys/kernel/config/tsm/report");
  EXPECT_FALSE(parsed("listener 1\n").tsm_privlevel);
  EXPECT_THROW(parsed("tsm_privlevel 4\n"), ConfigError);  // VMPL 0..3
  EXPECT_THROW(parsed("listener 1\nattestation snp\n"), ConfigError);
}

void expect_bind_error(const std::string& config_text, const std::string& message) {
  ServerConfig config;
  parse_config_text(config_text, "t.conf", config);
  resolve_server_defaults(config);
  Logger logger(0);
  Server server(config, logger, nullptr);
  server.start_engine([&](mqtt::BrokerHost& host, mqtt::TimeMs now) {
    return make_engine("native", "", config.broker, host, now);
  });
  try {
    server.bind_listeners();
    ADD_FAILURE() << "no error for: " << config_text;
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("listener at t.conf:1"), std::string::npos) << e.what();
  }
}

TEST(TlsListenerConfigTest, ContradictoryListenersStopStartUp) {
  TempDirectory dir;
  const std::string state = "state_dir " + dir.file("s") + "\n";
  expect_bind_error("listener 0 127.0.0.1\ntls false\nattestation sim\n" + state,
                    "'tls false' together with TLS options");
  expect_bind_error("listener 0 127.0.0.1\ncertfile /a\nkeyfile /b\npsk_file /c\n" + state,
                    "psk_file together with certfile");
  expect_bind_error("listener 0 127.0.0.1\nrequire_certificate true\n" + state,
                    "require_certificate true needs a cafile");
  expect_bind_error("listener 0 127.0.0.1\ncertfile /nonexistent.pem\nkeyfile /k.pem\n" + state,
                    "certfile /nonexistent.pem unusable");
}

// No TDX or SEV-SNP guest here: the configfs-tsm attester is unit-tested on a fake folder
// (tests/attest/configfs_tsm_attester_test.cpp); the broker must refuse to start without it.
TEST(TlsListenerConfigTest, ConfigfsTsmWithoutTheInterfaceStopsStartUp) {
  TempDirectory dir;
  const std::string state = "state_dir " + dir.file("s") + "\n";
  expect_bind_error("listener 0 127.0.0.1\nattestation sev-snp\n" + state +
                        "tsm_report_dir /nonexistent/trustmq/tsm/report\n",
                    "attestation sev-snp: configfs-tsm interface missing: "
                    "/nonexistent/trustmq/tsm/report is not a folder");
  std::filesystem::create_directories(dir.file("plain/report"));  // a folder, not configfs
  expect_bind_error("listener 0 127.0.0.1\nattestation tdx\n" + state + "tsm_report_dir " +
                        dir.file("plain/report") + "\n",
                    "attestation tdx: configfs-tsm: cannot open " + dir.file("plain/report"));
}

}  // namespace
}  // namespace trustmq::shell
