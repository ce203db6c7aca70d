// Why a client operation failed. Errors are values: every fallible call of the client library
// returns ClientResult<T> (a value or a ClientError, never both).
#pragma once

#include <string>
#include <string_view>

#include "base/result.h"
#include "mqtt/reason_code.h"

namespace trustmq::client {

enum class ClientErrorKind {
  kInvalidArgument,    // bad option or topic given by the caller
  kResolve,            // host name lookup failed
  kConnect,            // TCP connection could not be established
  kTimeout,            // a wait (connect, handshake, acknowledgement, ping) ran out of time
  kConnectionClosed,   // the peer closed the connection
  kIo,                 // socket read/write failed
  kTls,                // TLS set-up or handshake failed (certificate, hostname, PSK, …)
  kAttestation,        // attested TLS: evidence missing or rejected by the policy
  kProtocol,           // the broker sent something MQTT does not allow here
  kConnectionRefused,  // CONNACK with a failure reason (see `reason`)
  kDisconnected,       // the broker sent DISCONNECT (see `reason`)
  kRejected,           // a PUBACK/PUBREC/PUBCOMP/SUBACK/UNSUBACK carried a failure reason
};

struct ClientError {
  ClientErrorKind kind = ClientErrorKind::kIo;
  std::string message;
  // For kConnectionRefused / kDisconnected / kRejected: the broker's reason (v3.1.1 CONNACK
  // return codes are mapped to v5 reason codes by the codec).
  mqtt::ReasonCode reason = mqtt::ReasonCode::kSuccess;
  // For kAttestation: the attestation error's stable name ("binding-mismatch", …).
  std::string attestation_error;
};

template <typename T>
using ClientResult = Result<T, ClientError>;

inline ClientError make_error(ClientErrorKind kind, std::string message) {
  ClientError e;
  e.kind = kind;
  e.message = std::move(message);
  return e;
}

// "timeout", "connection-refused", … (stable, for logs and tests).
std::string_view client_error_kind_name(ClientErrorKind kind);

}  // namespace trustmq::client
