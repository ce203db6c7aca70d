// A TLS-PSK client talks only to a server that proved it knows the pre-shared key (issue 7 A).
//
// Without this, a client with --psk and no --cafile would accept any server certificate: under
// TLS 1.3 a server that does not know (or ignores) the PSK simply completes a certificate
// handshake, and under TLS 1.2 it picks an ECDHE-ECDSA suite; the client would then send its
// CONNECT (user name, password) to whoever answered. A PSK client therefore
//  * offers only PSK-authenticated TLS 1.2 cipher suites (kPskOnlyCipherList),
//  * refuses every certificate the server presents, during the handshake (before its own
//    Finished), and
//  * checks after the handshake that the PSK was used: TLS 1.3 resumed the session with the
//    external PSK (SSL_session_reused), TLS 1.2 negotiated a PSK-authenticated suite.
#pragma once

#include <openssl/ssl.h>

#include <string>

#include "base/result.h"

namespace trustmq::tls {

// TLS 1.2 suites of a PSK client: PSK authentication only (no RSA-PSK: it has a certificate).
inline constexpr const char* kPskOnlyCipherList = "aPSK:!eNULL";

// Sets the TLS 1.2 cipher list and the certificate-refusing verification on a client context.
Result<void> require_psk_authentication(SSL_CTX* ctx);

// True when the handshake on `ssl` was refused because the server presented a certificate.
bool server_certificate_refused(const SSL* ssl);

// After a successful SSL_connect: true when the handshake was authenticated by the PSK.
bool psk_authenticated(const SSL* ssl);

// The error of a refused handshake: names the peer and the identity, says nothing was sent.
std::string psk_not_used_message(const std::string& peer, const std::string& identity);

// Added to the error of any other failed PSK handshake (TLS 1.2: no PSK suite in common …).
std::string psk_handshake_failure_hint(const std::string& identity);

}  // namespace trustmq::tls
