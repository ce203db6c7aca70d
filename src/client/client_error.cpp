#include "client/client_error.h"

namespace trustmq::client {

std::string_view client_error_kind_name(ClientErrorKind kind) {
  switch (kind) {
    case ClientErrorKind::kInvalidArgument:
      return "invalid-argument";
    case ClientErrorKind::kResolve:
      return "resolve";
    case ClientErrorKind::kConnect:
      return "connect";
    case ClientErrorKind::kTimeout:
      return "timeout";
    case ClientErrorKind::kConnectionClosed:
      return "connection-closed";
    case ClientErrorKind::kIo:
      return "io";
    case ClientErrorKind::kTls:
      return "tls";
    case ClientErrorKind::kAttestation:
      return "attestation";
    case ClientErrorKind::kProtocol:
      return "protocol";
    case ClientErrorKind::kConnectionRefused:
      return "connection-refused";
    case ClientErrorKind::kDisconnected:
      return "disconnected";
    case ClientErrorKind::kRejected:
      return "rejected";
  }
  return "unknown";
}

}  // namespace trustmq::client
