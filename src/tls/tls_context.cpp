#include "tls/tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstring>

#include "attest/certificate_issuer.h"
#include "attest/openssl_handles.h"
#include "attest/private_key_permissions.h"
#include "tls/psk_client_authentication.h"

namespace trustmq::tls {

namespace {

using attest::take_openssl_error;

struct ClientPsk {
  std::string identity;
  attest::Bytes key;
};

template <typename T>
void free_ex(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<T*>(ptr);
}

int ctx_psk_table_index() {
  static const int i = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, &free_ex<PskTable>);
  return i;
}
int ctx_client_psk_index() {
  static const int i = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, &free_ex<ClientPsk>);
  return i;
}
int ssl_psk_identity_index() {
  static const int i = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, &free_ex<std::string>);
  return i;
}

unsigned int server_psk_callback(SSL* ssl, const char* identity, unsigned char* psk,
                                 unsigned int max_psk_len) {
  SSL_CTX* ctx = SSL_get_SSL_CTX(ssl);
  auto* table = static_cast<PskTable*>(SSL_CTX_get_ex_data(ctx, ctx_psk_table_index()));
  if (table == nullptr || identity == nullptr) return 0;
  auto it = table->find(identity);
  if (it == table->end() || it->second.size() > max_psk_len) return 0;
  std::memcpy(psk, it->second.data(), it->second.size());
  auto* stored = static_cast<std::string*>(SSL_get_ex_data(ssl, ssl_psk_identity_index()));
  if (stored == nullptr) {
    stored = new std::string();
    if (SSL_set_ex_data(ssl, ssl_psk_identity_index(), stored) != 1) {
      delete stored;
      return 0;
    }
  }
  *stored = identity;
  return static_cast<unsigned int>(it->second.size());
}

unsigned int client_psk_callback(SSL* ssl, const char*, char* identity,
                                 unsigned int max_identity_len, unsigned char* psk,
                                 unsigned int max_psk_len) {
  SSL_CTX* ctx = SSL_get_SSL_CTX(ssl);
  auto* cfg = static_cast<ClientPsk*>(SSL_CTX_get_ex_data(ctx, ctx_client_psk_index()));
  if (cfg == nullptr || cfg->identity.size() + 1 > max_identity_len ||
      cfg->key.size() > max_psk_len) {
    return 0;
  }
  std::memcpy(identity, cfg->identity.c_str(), cfg->identity.size() + 1);
  std::memcpy(psk, cfg->key.data(), cfg->key.size());
  return static_cast<unsigned int>(cfg->key.size());
}

Result<int> parse_min_version(const std::string& v, int fallback) {
  if (v.empty()) return Result<int>::success(fallback);
  if (v == "tlsv1.3") return Result<int>::success(TLS1_3_VERSION);
  if (v == "tlsv1.2") return Result<int>::success(TLS1_2_VERSION);
  return Result<int>::failure("tls_version \"" + v + "\" unsupported (tlsv1.2 or tlsv1.3)");
}

Result<SslCtxPtr> fail(const std::string& what) {
  return Result<SslCtxPtr>::failure(take_openssl_error(what));
}

}  // namespace

Result<SelfSignedPaths> ensure_self_signed_certificate(const std::string& state_dir) {
  using R = Result<SelfSignedPaths>;
  SelfSignedPaths paths{state_dir + "/tls-cert.pem", state_dir + "/tls-key.pem"};
  bool have_cert = attest::file_exists(paths.certfile);
  bool have_key = attest::file_exists(paths.keyfile);
  if (have_cert && have_key) {
    // A generated key is ours to keep private: refuse it (and its folder) otherwise.
    for (auto check : {attest::check_private_key_directory(state_dir, "TLS state directory"),
                       attest::check_private_key_file(paths.keyfile, "generated TLS key")}) {
      if (!check) return R::failure(check.error());
    }
    return R::success(paths);
  }
  if (have_cert != have_key) {
    return R::failure("incomplete TLS state in " + state_dir + ": remove " +
                      (have_cert ? paths.certfile : paths.keyfile) + " to regenerate");
  }
  auto dir = attest::ensure_private_directory(state_dir);
  if (!dir) return R::failure(dir.error());
  auto key = attest::generate_p256_key();
  if (!key) return R::failure(key.error());
  attest::CertificateRequest req;
  req.common_name = "trustmq broker";
  req.subject_key = key->get();
  req.issuer_key = key->get();
  req.subject_alt_dns = "localhost";
  auto cert = attest::issue_certificate(req);
  if (!cert) return R::failure(cert.error());
  auto wk = attest::write_private_key_pem(paths.keyfile, key->get());
  if (!wk) return R::failure(wk.error());
  auto wc = attest::write_certificate_pem(paths.certfile, cert->get());
  if (!wc) return R::failure(wc.error());
  return R::success(paths);
}

Result<SslCtxPtr> make_server_context(const TlsServerConfig& config) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) return fail("cannot create SSL_CTX");
  auto min = parse_min_version(config.tls_version, TLS1_2_VERSION);
  if (!min) return Result<SslCtxPtr>::failure(min.error());
  SSL_CTX_set_min_proto_version(ctx.get(), *min);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (!config.ciphers.empty() && SSL_CTX_set_cipher_list(ctx.get(), config.ciphers.c_str()) != 1) {
    return fail("ciphers \"" + config.ciphers + "\" rejected");
  }
  if (!config.ciphers_tls13.empty() &&
      SSL_CTX_set_ciphersuites(ctx.get(), config.ciphers_tls13.c_str()) != 1) {
    return fail("ciphers_tls1.3 \"" + config.ciphers_tls13 + "\" rejected");
  }

  PskTable psk = config.psk_table;
  if (!config.psk_file.empty()) {
    auto loaded = load_psk_file(config.psk_file);
    if (!loaded) return Result<SslCtxPtr>::failure(loaded.error());
    psk = std::move(*loaded);
  }
  bool use_psk = !config.psk_file.empty() || !config.psk_table.empty();
  if (use_psk) {
    auto* table = new PskTable(std::move(psk));
    if (SSL_CTX_set_ex_data(ctx.get(), ctx_psk_table_index(), table) != 1) {
      delete table;
      return fail("cannot store the PSK table");
    }
    SSL_CTX_set_psk_server_callback(ctx.get(), &server_psk_callback);
  }

  std::string certfile = config.certfile;
  std::string keyfile = config.keyfile;
  if (certfile.empty() && !use_psk) {
    if (config.state_dir.empty()) {
      return Result<SslCtxPtr>::failure(
          "no certfile configured and no state directory for an "
          "auto-generated certificate");
    }
    auto generated = ensure_self_signed_certificate(config.state_dir);
    if (!generated) return Result<SslCtxPtr>::failure(generated.error());
    certfile = generated->certfile;
    keyfile = generated->keyfile;
  }
  if (!certfile.empty()) {
    if (keyfile.empty()) return Result<SslCtxPtr>::failure("certfile set without keyfile");
    if (SSL_CTX_use_certificate_chain_file(ctx.get(), certfile.c_str()) != 1) {
      return fail("certfile " + certfile + " unusable");
    }
    if (SSL_CTX_use_PrivateKey_file(ctx.get(), keyfile.c_str(), SSL_FILETYPE_PEM) != 1) {
      return fail("keyfile " + keyfile + " unusable");
    }
    if (SSL_CTX_check_private_key(ctx.get()) != 1) {
      return fail("keyfile " + keyfile + " does not match certfile " + certfile);
    }
  }
  if (!config.cafile.empty()) {
    if (SSL_CTX_load_verify_locations(ctx.get(), config.cafile.c_str(), nullptr) != 1) {
      return fail("cafile " + config.cafile + " unusable");
    }
  }
  if (config.require_certificate) {
    if (config.cafile.empty()) {
      return Result<SslCtxPtr>::failure("require_certificate needs a cafile");
    }
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  }
  if (!config.crlfile.empty()) {
    if (!config.require_certificate) {
      return Result<SslCtxPtr>::failure(
          "crlfile needs require_certificate true (otherwise no client certificate is checked)");
    }
    X509_STORE* store = SSL_CTX_get_cert_store(ctx.get());
    X509_LOOKUP* lookup = X509_STORE_add_lookup(store, X509_LOOKUP_file());
    if (lookup == nullptr ||
        X509_load_crl_file(lookup, config.crlfile.c_str(), X509_FILETYPE_PEM) < 1) {
      return fail("crlfile " + config.crlfile + " unusable (no PEM CRL read)");
    }
    X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
  }
  if (!config.dhparamfile.empty()) {
    BIO* bio = BIO_new_file(config.dhparamfile.c_str(), "r");
    EVP_PKEY* dh = bio != nullptr ? PEM_read_bio_Parameters(bio, nullptr) : nullptr;
    BIO_free(bio);
    if (dh == nullptr || SSL_CTX_set0_tmp_dh_pkey(ctx.get(), dh) != 1) {
      EVP_PKEY_free(dh);
      return fail("dhparamfile " + config.dhparamfile + " unusable");
    }
  }
  return Result<SslCtxPtr>::success(std::move(ctx));
}

Result<SslCtxPtr> make_client_context(const TlsClientConfig& config) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return fail("cannot create SSL_CTX");
  auto min = parse_min_version(config.tls_version, TLS1_3_VERSION);
  if (!min) return Result<SslCtxPtr>::failure(min.error());
  SSL_CTX_set_min_proto_version(ctx.get(), *min);
  if (!config.ciphers_tls13.empty() &&
      SSL_CTX_set_ciphersuites(ctx.get(), config.ciphers_tls13.c_str()) != 1) {
    return fail("ciphers_tls1.3 \"" + config.ciphers_tls13 + "\" rejected");
  }
  if (!config.psk_identity.empty() || !config.psk_key_hex.empty()) {
    auto key = attest::from_hex(config.psk_key_hex);
    if (config.psk_identity.empty() || !key || key->empty()) {
      return Result<SslCtxPtr>::failure("PSK needs an identity and a non-empty hex key");
    }
    auto* psk = new ClientPsk{config.psk_identity, std::move(*key)};
    if (SSL_CTX_set_ex_data(ctx.get(), ctx_client_psk_index(), psk) != 1) {
      delete psk;
      return fail("cannot store the PSK");
    }
    SSL_CTX_set_psk_client_callback(ctx.get(), &client_psk_callback);
    // Only the key authenticates the server: no certificate is accepted (and no CA is used).
    if (!config.cafile.empty()) {
      return Result<SslCtxPtr>::failure("a PSK client accepts no certificate: cafile not allowed");
    }
    auto psk_only = require_psk_authentication(ctx.get());
    if (!psk_only) return Result<SslCtxPtr>::failure(psk_only.error());
  } else if (config.verify_peer) {
    int ok = config.cafile.empty()
                 ? SSL_CTX_set_default_verify_paths(ctx.get())
                 : SSL_CTX_load_verify_locations(ctx.get(), config.cafile.c_str(), nullptr);
    if (ok != 1) return fail("cafile " + config.cafile + " unusable");
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  } else {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  }
  if (!config.certfile.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx.get(), config.certfile.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx.get(), config.keyfile.c_str(), SSL_FILETYPE_PEM) != 1) {
      return fail("client certfile/keyfile unusable");
    }
  }
  return Result<SslCtxPtr>::success(std::move(ctx));
}

std::string psk_identity_of(const SSL* ssl) {
  auto* stored = static_cast<std::string*>(SSL_get_ex_data(ssl, ssl_psk_identity_index()));
  return stored == nullptr ? std::string() : *stored;
}

}  // namespace trustmq::tls
