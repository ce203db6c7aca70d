// A byte stream to the broker: plain TCP or TLS. Every call ends by its deadline.
#pragma once

#include <cstddef>
#include <string>

#include "client/client_error.h"
#include "client/deadline.h"
#include "mqtt/types.h"

namespace trustmq::client {

class ClientTransport {
 public:
  virtual ~ClientTransport() = default;

  // Writes every byte of `data`, or fails (kTimeout, kIo, kConnectionClosed, kTls).
  virtual ClientResult<void> write_all(mqtt::ByteView data, Deadline deadline) = 0;
  // Appends at least one received byte to `out` and returns how many; kTimeout when nothing
  // arrived by `deadline`, kConnectionClosed on an orderly close by the peer.
  virtual ClientResult<std::size_t> read_some(mqtt::Bytes& out, Deadline deadline) = 0;
  // Orderly shutdown (TLS close_notify where applicable); idempotent.
  virtual void close() = 0;
  // "tcp 127.0.0.1:1883", "tls 127.0.0.1:8883 TLSv1.3 TLS_AES_128_GCM_SHA256", …
  virtual std::string description() const = 0;
};

}  // namespace trustmq::client
