// Where the broker is and how to reach it, and opening the matching ClientTransport.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "client/client_error.h"
#include "client/client_transport.h"
#include "client/deadline.h"
#include "client/tls_options.h"

namespace trustmq::client {

inline constexpr std::uint16_t kDefaultMqttPort = 1883;
inline constexpr std::uint16_t kDefaultMqttTlsPort = 8883;

struct Endpoint {
  std::string host = "localhost";
  std::optional<std::uint16_t> port;  // default: 1883, or 8883 with TLS
  std::optional<TlsOptions> tls;      // present: TLS (and maybe attestation)

  std::uint16_t effective_port() const {
    return port ? *port : (tls ? kDefaultMqttTlsPort : kDefaultMqttPort);
  }
};

// TCP, or TLS when endpoint.tls is set; connected (and handshaken) by `deadline`.
ClientResult<std::unique_ptr<ClientTransport>> open_transport(const Endpoint& endpoint,
                                                              Deadline deadline);

}  // namespace trustmq::client
