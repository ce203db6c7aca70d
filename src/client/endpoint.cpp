#include "client/endpoint.h"

#include "client/tcp_transport.h"
#include "client/tls_transport.h"

namespace trustmq::client {

ClientResult<std::unique_ptr<Transport>> open_transport(const Endpoint& endpoint,
                                                        Deadline deadline) {
  using R = ClientResult<std::unique_ptr<Transport>>;
  if (!endpoint.tls) return TcpTransport::open(endpoint.host, endpoint.effective_port(), deadline);
  auto t = TlsTransport::open(endpoint.host, endpoint.effective_port(), *endpoint.tls, deadline);
  if (!t) return R::failure(t.error());
  return R::success(std::move(t.value()));
}

}  // namespace trustmq::client
