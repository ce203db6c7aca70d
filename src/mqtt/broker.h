// The sans-I/O MQTT broker: bytes and time come in, bytes and actions go out through a
// BrokerHost. No sockets, files, clocks, threads or exceptions (docs/architecture.md,
// Conventions), so the same code runs natively and inside the WebAssembly module.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "mqtt/attestation_method.h"
#include "mqtt/broker_config.h"
#include "mqtt/types.h"

namespace trustmq::mqtt {

enum class LogLevel : std::uint8_t { kDebug = 0, kInfo = 1, kNotice = 2, kWarning = 3, kError = 4 };

// What the host knows about a connection when it opens.
struct PeerInfo {
  std::string address;                    // "127.0.0.1:50123" or "[::1]:50123"
  std::uint16_t listener_port = 0;        // local port of the listener that accepted it
  std::string tls_identity;               // certificate subject CN or PSK identity; empty if none
  bool use_identity_as_username = false;  // listener option: tls_identity replaces username
  bool attested = false;                  // the peer verified our attestation evidence
  // The shell's own bridge (docs/bridges.md), on an internal socket no network peer can reach:
  // not authenticated (like mosquitto's bridges), and the only client that may publish its
  // connection state on $SYS/broker/connection/….
  bool bridge = false;
};

// Whether the host may drop a send when the connection's outbound queue is full.
enum class SendKind : std::uint8_t {
  kControl = 0,    // must be delivered or the connection closed
  kDroppable = 1,  // a QoS 0 PUBLISH: may be dropped under back-pressure
};

// Everything the core asks of the outside world. The core calls these from inside its own
// entry points; a host call may call back into the Broker only with on_close, which then waits
// until the outermost entry returns (no other entry point may be re-entered).
class BrokerHost {
 public:
  virtual ~BrokerHost() = default;
  // Queue whole MQTT packets for the connection; `bytes` is valid only during the call.
  virtual void send(ConnectionId conn, ByteView bytes, SendKind kind) = 0;
  // Close the connection once what was queued before has been written.
  virtual void close(ConnectionId conn) = 0;
  virtual void log(LogLevel level, std::string_view text) = 0;
  // Checks a username/password pair against the password file (only called when
  // BrokerConfig::check_passwords is set).
  virtual bool authenticate(std::string_view username, ByteView password) = 0;
  // Produces attestation evidence for `conn` answering `request` (method trustmq-attest-v1,
  // src/mqtt/attestation_method.h), bound to that connection's TLS session; the encoded
  // evidence goes into `evidence` (at most kMaxEvidenceAnswerSize bytes). `client_authenticated`:
  // the client proved a user name/password or a TLS identity. A host without attestation
  // answers kUnsupported.
  virtual EvidenceStatus produce_evidence(ConnectionId conn, ByteView request,
                                          bool client_authenticated, Bytes& evidence) {
    (void)conn;
    (void)request;
    (void)client_authenticated;
    (void)evidence;
    return EvidenceStatus::kUnsupported;
  }

  // Verifies an attested client's evidence (docs/attestation.md, "Attested clients") for
  // `conn`, bound to that connection's TLS session, against the listener's
  // client_attestation_policy; `step` says which message `input` came in. `output` gets the
  // claims, the challenge or the reason of a refusal (at most kMaxClientAttestationOutput
  // bytes). A host without the feature answers kUnsupported.
  virtual ClientEvidenceStatus attest_client(ConnectionId conn, ClientEvidenceStep step,
                                             ByteView input, Bytes& output) {
    (void)conn;
    (void)step;
    (void)input;
    (void)output;
    return ClientEvidenceStatus::kUnsupported;
  }

  // With BrokerConfig::persistence: one record (mqtt/persistence_record.h) to store before
  // the bytes sent in the same entry call leave (docs/persistence.md); valid during the call.
  virtual void persist(ByteView record) { (void)record; }
};

struct BrokerStats {
  std::uint64_t clients_connected = 0;
  std::uint64_t messages_received = 0;
  std::uint64_t messages_sent = 0;
  std::uint64_t bytes_received = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t retained_messages = 0;
  std::uint64_t subscriptions = 0;
};

class Broker {
 public:
  Broker(BrokerConfig config, BrokerHost& host, TimeMs now);
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  void on_open(ConnectionId conn, const PeerInfo& peer, TimeMs now);
  // Any number of bytes: partial packets are buffered, several packets are all handled.
  void on_data(ConnectionId conn, ByteView bytes, TimeMs now);
  // The network connection is gone (peer closed, error, or after host.close()).
  void on_close(ConnectionId conn, TimeMs now);
  // Runs timers (keep-alive, will delay, session and message expiry, $SYS); returns the
  // next time it wants to be called.
  TimeMs on_tick(TimeMs now);
  // A reload (SIGHUP) of the password and ACL files (docs/broker.md, Reloading access rules):
  // `acl` replaces the running ACL (none: everything allowed). Connected clients are checked
  // again: one that authenticated with a password that BrokerHost::authenticate no longer
  // accepts is disconnected; subscriptions the new ACL no longer grants are removed and
  // queued messages a client may no longer read are dropped.
  void reload_security(std::optional<AclRules> acl, TimeMs now);

  // Gives back one stored persistence record, in key order, before the first on_open.
  // Returns false (and logs why) for a record it cannot use; the others still load.
  bool restore(ByteView record, TimeMs now);

  BrokerStats stats() const;

 private:
  class State;
  std::unique_ptr<State> state_;
};

}  // namespace trustmq::mqtt
