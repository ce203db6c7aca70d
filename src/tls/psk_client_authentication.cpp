#include "tls/psk_client_authentication.h"

#include <openssl/x509_vfy.h>

#include "attest/openssl_handles.h"

namespace trustmq::tls {

namespace {

// ex_data of an SSL: non-null once refuse_certificate() ran for it.
int certificate_refused_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

// The verification callback of a PSK client: no certificate is acceptable, whatever its chain.
// (It is also called by the attestation client's certificate hook, which then fails too.)
int refuse_certificate(int, X509_STORE_CTX* store_ctx) {
  auto* ssl = static_cast<SSL*>(
      X509_STORE_CTX_get_ex_data(store_ctx, SSL_get_ex_data_X509_STORE_CTX_idx()));
  if (ssl != nullptr) {
    static int marker = 1;
    SSL_set_ex_data(ssl, certificate_refused_index(), &marker);
  }
  X509_STORE_CTX_set_error(store_ctx, X509_V_ERR_APPLICATION_VERIFICATION);
  return 0;
}

}  // namespace

Result<void> require_psk_authentication(SSL_CTX* ctx) {
  if (SSL_CTX_set_cipher_list(ctx, kPskOnlyCipherList) != 1) {
    return Result<void>::failure("cannot restrict TLS 1.2 to PSK cipher suites: " +
                                 attest::take_openssl_error("no OpenSSL error"));
  }
  // SSL_VERIFY_PEER so that a failing verification ends the handshake (with SSL_VERIFY_NONE
  // OpenSSL would only record it).
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, &refuse_certificate);
  return Result<void>::success();
}

bool server_certificate_refused(const SSL* ssl) {
  return SSL_get_ex_data(ssl, certificate_refused_index()) != nullptr;
}

bool psk_authenticated(const SSL* ssl) {
  if (SSL_get0_peer_certificate(ssl) != nullptr) return false;
  if (SSL_version(ssl) == TLS1_3_VERSION) return SSL_session_reused(ssl) == 1;
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
  return cipher != nullptr && SSL_CIPHER_get_auth_nid(cipher) == NID_auth_psk;
}

std::string psk_not_used_message(const std::string& peer, const std::string& identity) {
  return "TLS-PSK handshake with " + peer + " refused: the broker authenticated with a " +
         "certificate instead of the pre-shared key for identity '" + identity +
         "' (it does not know this identity and key, or is not a PSK listener); with --psk only " +
         "a handshake authenticated by the key is accepted, nothing was sent";
}

std::string psk_handshake_failure_hint(const std::string& identity) {
  return "TLS-PSK: the broker did not complete a handshake authenticated by the pre-shared key "
         "for identity '" +
         identity + "' (unknown identity, wrong key, or no PSK cipher suite)";
}

}  // namespace trustmq::tls
