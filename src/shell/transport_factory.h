// Chooses the transport of a listener from its configuration.
#pragma once

#include "shell/listener_config.h"
#include "shell/transport.h"

namespace trustmq::shell {

// Plain TCP for a listener without TLS options. Throws ConfigError for a listener that asks
// for TLS while this build has no TLS transport.
TransportFactory make_transport_factory(const ListenerConfig& listener);

}  // namespace trustmq::shell
