// How a connection moves bytes over its socket: plain TCP (plain_tcp_transport.h) or TLS with the
// attestation extension (tls_server_transport.h), whose handshake may need several readiness events
// and may want to write while reading.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "mqtt/broker.h"

namespace trustmq::shell {

enum class IoStatus : std::uint8_t {
  kOk,          // `bytes` were transferred (read: 0 never means EOF here)
  kWouldBlock,  // nothing to do until the socket is ready (see ServerTransport::wants_write)
  kClosed,      // the peer closed the connection cleanly
  kError,       // any other failure; `detail` says what
};

struct IoResult {
  IoStatus status = IoStatus::kOk;
  std::size_t bytes = 0;
  std::string detail;
};

class ServerTransport {
 public:
  virtual ~ServerTransport() = default;

  // "tcp" or "tls".
  virtual std::string_view kind() const = 0;

  // Drives the handshake, if any: kOk once application data may flow, kWouldBlock to wait for
  // readiness, kClosed/kError to drop the connection. Plain TCP is ready at once.
  virtual IoResult handshake() { return {}; }

  virtual IoResult read(std::span<std::uint8_t> into) = 0;
  virtual IoResult write(std::span<const std::uint8_t> bytes) = 0;
  // Writes the runs in order as one stream, as much as the socket takes: kOk with the total
  // written (possibly short) once something went out, else what the first write() said. The
  // default calls write() per run (TLS: one record each); plain TCP gathers them (sendmsg).
  virtual IoResult write_runs(std::span<const std::span<const std::uint8_t>> runs);
  // Whether write() keeps what it accepts in the transport's own buffer (TLS: encrypted) and
  // sends it on the next write_runs() — possibly with no runs — instead of a system call per
  // write. Then a large packet is best handed to write() directly (no copy into the queue).
  virtual bool buffers_writes() const { return false; }

  // After kWouldBlock: whether progress needs the socket writable (TLS can need to write in
  // the middle of a read or a handshake). Level-triggered epoll polls for it too then.
  virtual bool wants_write() const { return false; }

  // Adds what the transport knows about the peer (TLS identity, attestation) once the
  // handshake is done.
  virtual void describe_peer(mqtt::PeerInfo& /*peer*/) const {}

  // One line for the log once the handshake is done ("TLSv1.3 TLS_AES_128_GCM_SHA256 …");
  // empty when there is nothing to say (plain TCP).
  virtual std::string session_summary() const { return {}; }

  // Whether the transport holds received bytes that a read would return without the socket
  // becoming readable again (TLS: a decrypted record not yet handed out).
  virtual bool has_pending_input() const { return false; }

  // Evidence answering a trustmq-attest-v1 request (MQTT 5 enhanced authentication), bound to
  // this connection's TLS session (docs/attestation.md, "Post-handshake attestation"); `detail`
  // says why none was produced. Transports without TLS or without an attester: kUnsupported.
  virtual mqtt::EvidenceStatus produce_evidence(mqtt::ByteView /*request*/,
                                                bool /*client_authenticated*/,
                                                mqtt::Bytes& /*evidence*/, std::string& detail) {
    detail = "no attested TLS on this connection";
    return mqtt::EvidenceStatus::kUnsupported;
  }

  // Verifies an attested client's evidence (trustmq-attest-v1, docs/attestation.md "Attested
  // clients") against the listener's client_attestation_policy; `output` gets the claims
  // (mqtt/client_claims.h), the challenge, or the refusal "reason-name: details". Transports
  // without TLS or listeners without the policy: kUnsupported.
  virtual mqtt::ClientEvidenceStatus attest_client(mqtt::ClientEvidenceStep /*step*/,
                                                   mqtt::ByteView /*input*/, mqtt::Bytes& output) {
    static constexpr std::string_view kWhy = "unsupported: no attested TLS on this connection";
    output.assign(kWhy.begin(), kWhy.end());
    return mqtt::ClientEvidenceStatus::kUnsupported;
  }

  // Before the broker shuts its side down: a TLS close_notify (best effort, never blocks).
  virtual void close_notify() {}
};

// Makes the transport of each accepted socket of one listener. The socket stays owned by the
// connection; the transport must not close it.
using TransportFactory = std::function<std::unique_ptr<ServerTransport>(int fd)>;

}  // namespace trustmq::shell
