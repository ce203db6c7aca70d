#include "client/endpoint.h"

#include "client/tcp_client_transport.h"
#include "client/tls_client_transport.h"

namespace trustmq::client {

ClientResult<std::unique_ptr<ClientTransport>> open_transport(const Endpoint& endpoint,
                                                              Deadline deadline) {
  using R = ClientResult<std::unique_ptr<ClientTransport>>;
  if (!endpoint.tls)
    return TcpClientTransport::open(endpoint.host, endpoint.effective_port(), deadline);
  auto t =
      TlsClientTransport::open(endpoint.host, endpoint.effective_port(), *endpoint.tls, deadline);
  if (!t) return R::failure(t.error());
  return R::success(std::move(t.value()));
}

}  // namespace trustmq::client
