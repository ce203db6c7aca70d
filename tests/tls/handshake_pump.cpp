#include "handshake_pump.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <sys/socket.h>
#include <unistd.h>

namespace trustmq::tls::testing {

HandshakeResult run_handshake(SSL* client, SSL* server,
                              const std::function<void(int)>& on_client_done) {
  int fds[2];
  HandshakeResult r;
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) return r;
  for (int fd : fds) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  SSL_set_fd(client, fds[0]);
  SSL_set_fd(server, fds[1]);
  bool client_done = false, server_done = false;
  int idle = 0;
  for (int i = 0; i < 2000 && (!client_done || !server_done) && idle < 50; ++i) {
    bool progressed = false;
    if (!client_done) {
      ERR_clear_error();
      int rc = SSL_connect(client);
      int err = SSL_get_error(client, rc);
      if (rc == 1 || (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)) {
        client_done = true;
        r.client_rc = rc;
        progressed = true;
        if (on_client_done) on_client_done(rc);
      }
    }
    if (!server_done) {
      ERR_clear_error();
      int rc = SSL_accept(server);
      int err = SSL_get_error(server, rc);
      if (rc == 1 || (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)) {
        server_done = true;
        r.server_rc = rc;
        progressed = true;
      }
    }
    // Once one side failed, the other only has an alert (or EOF) left to read.
    if ((client_done && r.client_rc != 1) || (server_done && r.server_rc != 1)) {
      if (!progressed) ++idle;
    }
  }
  ERR_clear_error();
  // Closing the fds makes later reads see EOF; SSL objects keep working for inspection.
  SSL_set_quiet_shutdown(client, 1);
  SSL_set_quiet_shutdown(server, 1);
  ::close(fds[0]);
  ::close(fds[1]);
  return r;
}

}  // namespace trustmq::tls::testing
