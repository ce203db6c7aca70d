#include "shell/transport_factory.h"

#include "shell/config_file.h"
#include "shell/plain_tcp_transport.h"

namespace trustmq::shell {

TransportFactory make_transport_factory(const ListenerConfig& listener) {
  if (listener.tls.requests_tls()) {
    throw ConfigError("listener at " + listener.origin +
                      ": TLS options are set but this build has no TLS transport yet");
  }
  return
      [](int fd) -> std::unique_ptr<Transport> { return std::make_unique<PlainTcpTransport>(fd); };
}

}  // namespace trustmq::shell
