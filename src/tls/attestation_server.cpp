#include "tls/attestation_server.h"

#include <openssl/crypto.h>

#include "attest/appraisal.h"
#include "attest/trust_anchors.h"
#include "tls/attestation_binding.h"
#include "tls/attestation_wire.h"

namespace trustmq::tls {

namespace {

constexpr unsigned int kExtensionContexts =
    SSL_EXT_CLIENT_HELLO | SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS | SSL_EXT_TLS1_3_CERTIFICATE;

// Added to the leaf Certificate entry: "the evidence is bound to this certificate".
const unsigned char kCertificateMarker[1] = {0};

struct ServerConnectionState {
  AttestationRequest request;
  ServerAttestationStatus status;
};

void free_state(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<ServerConnectionState*>(ptr);
}

int state_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, &free_state);
  return index;
}

ServerConnectionState* find_state(const SSL* ssl) {
  return static_cast<ServerConnectionState*>(SSL_get_ex_data(ssl, state_index()));
}

}  // namespace

struct AttestationServer::Callbacks {
  static int parse(SSL* ssl, unsigned int, unsigned int context, const unsigned char* in,
                   size_t inlen, X509*, size_t, int* al, void* arg) {
    if (context != SSL_EXT_CLIENT_HELLO) return 1;
    auto* server = static_cast<AttestationServer*>(arg);
    ServerConnectionState* st = find_state(ssl);
    if (st == nullptr) {
      st = new ServerConnectionState();
      if (SSL_set_ex_data(ssl, state_index(), st) != 1) {
        delete st;
        *al = SSL_AD_INTERNAL_ERROR;
        return 0;
      }
    }
    st->status.requested = true;
    auto request = decode_request(attest::ByteSpan(in, inlen));
    if (!request) {
      st->status.error = "refused attestation request: " + request.error().message;
      server->log("attestation: " + st->status.error);
      *al = request.error().alert;
      return 0;
    }
    st->request = std::move(*request);
    return 1;
  }

  static int add(SSL* ssl, unsigned int, unsigned int context, const unsigned char** out,
                 size_t* outlen, X509* x, size_t chainidx, int* al, void* arg) {
    auto* server = static_cast<AttestationServer*>(arg);
    ServerConnectionState* st = find_state(ssl);
    if (st == nullptr || !st->status.requested) return 0;
    if (context == SSL_EXT_TLS1_3_CERTIFICATE) {
      if (chainidx != 0 || x == nullptr || !st->status.evidence_sent) return 0;
      *out = kCertificateMarker;
      *outlen = 0;
      return 1;
    }
    if (context != SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS) return 0;
    const attest::Attester* attester = server->attester_for(st->request.accepted_types);
    if (attester == nullptr) return 0;  // nothing we can produce: the client decides

    auto values = read_handshake_values(ssl, /*server_side=*/true);
    if (!values) {
      st->status.error = "cannot bind evidence: " + values.error();
      server->log("attestation: " + st->status.error);
      *al = SSL_AD_INTERNAL_ERROR;
      return -1;
    }
    attest::Bytes spki_hash;
    if (!SSL_session_reused(ssl)) {  // with a PSK no certificate is sent: empty spki_hash
      if (X509* cert = SSL_get_certificate(ssl); cert != nullptr) {
        attest::Sha256Digest d = attest::spki_sha256(cert);
        spki_hash.assign(d.begin(), d.end());
      }
    }
    attest::ReportData report =
        compute_binding(st->request.nonce, values->client_random, values->server_random,
                        values->server_key_share, spki_hash);
    auto evidence = attester->attest(report);
    if (!evidence) {
      st->status.error = "attester failed: " + evidence.error();
      server->log("attestation: " + st->status.error);
      *al = SSL_AD_INTERNAL_ERROR;
      return -1;
    }
    if (evidence->size() > kMaxEvidenceSize) {
      st->status.error = "evidence of " + std::to_string(evidence->size()) +
                         " bytes exceeds the maximum of " + std::to_string(kMaxEvidenceSize) +
                         " bytes that fits in EncryptedExtensions";
      server->log("attestation: " + st->status.error);
      *al = SSL_AD_INTERNAL_ERROR;
      return -1;
    }
    Bytes wire = encode_evidence({static_cast<std::uint16_t>(attester->type()), *evidence});
    auto* buf = static_cast<unsigned char*>(OPENSSL_memdup(wire.data(), wire.size()));
    if (buf == nullptr) {
      *al = SSL_AD_INTERNAL_ERROR;
      return -1;
    }
    *out = buf;
    *outlen = wire.size();
    st->status.evidence_sent = true;
    st->status.evidence_type = static_cast<std::uint16_t>(attester->type());
    return 1;
  }

  static void free_out(SSL*, unsigned int, unsigned int, const unsigned char* out, void*) {
    if (out != kCertificateMarker) OPENSSL_free(const_cast<unsigned char*>(out));
  }
};

AttestationServer::AttestationServer(std::vector<std::shared_ptr<const attest::Attester>> attesters,
                                     LogSink log)
    : attesters_(std::move(attesters)), log_(std::move(log)) {}

void AttestationServer::log(std::string_view line) const {
  if (log_) log_(line);
}

const attest::Attester* AttestationServer::attester_for(
    const std::vector<std::uint16_t>& accepted) const {
  for (std::uint16_t type : accepted) {  // the client's order of preference
    for (const auto& a : attesters_) {
      if (a && static_cast<std::uint16_t>(a->type()) == type) return a.get();
    }
  }
  return nullptr;
}

Result<void> AttestationServer::attach(SSL_CTX* ctx) {
  if (SSL_CTX_add_custom_ext(ctx, kAttestationExtensionType, kExtensionContexts, &Callbacks::add,
                             &Callbacks::free_out, this, &Callbacks::parse, this) != 1) {
    return Result<void>::failure(attest::take_openssl_error(
        "attestation server: cannot register the extension (already attached?)"));
  }
  for (const auto& a : attesters_) {
    if (a && a->type() == attest::EvidenceType::kSim) {
      log(std::string("attestation: serving ") + attest::kSimHonestyNote);
    }
  }
  return Result<void>::success();
}

ServerAttestationStatus AttestationServer::status(const SSL* ssl) {
  const ServerConnectionState* st = find_state(ssl);
  return st == nullptr ? ServerAttestationStatus{} : st->status;
}

}  // namespace trustmq::tls
