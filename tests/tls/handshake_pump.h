// Drives a client and a server SSL to completion in one thread over a non-blocking socketpair
// (the server side therefore exercises non-blocking SSL_accept, as in the epoll shell).
#pragma once

#include <openssl/ssl.h>

#include <functional>

namespace trustmq::tls::testing {

struct HandshakeResult {
  int client_rc = 0;
  int server_rc = 0;
  bool client_ok() const { return client_rc == 1; }
  bool server_ok() const { return server_rc == 1; }
};

// `on_client_done(rc)` runs right after the client's final SSL_connect, while this thread's
// OpenSSL error queue still describes it (AttestationClient::outcome reads it).
HandshakeResult run_handshake(SSL* client, SSL* server,
                              const std::function<void(int)>& on_client_done = {});

}  // namespace trustmq::tls::testing
