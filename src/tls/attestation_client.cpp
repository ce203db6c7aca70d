#include "tls/attestation_client.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <ctime>

#include "attest/hardware_verifier.h"
#include "attest/sim_verifier.h"
#include "attest/trust_anchors.h"
#include "tls/attestation_binding.h"
#include "tls/attestation_wire.h"

namespace trustmq::tls {

namespace {

constexpr unsigned int kExtensionContexts =
    SSL_EXT_CLIENT_HELLO | SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS | SSL_EXT_TLS1_3_CERTIFICATE;

struct ClientConnectionState {
  attest::Bytes nonce;
  std::vector<std::uint16_t> offered;
  bool evidence_received = false;
  bool failed = false;
  AttestationEvidence evidence;
  HandshakeTranscriptValues values;
  AttestationOutcome outcome;
};

void free_state(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<ClientConnectionState*>(ptr);
}

int state_index() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, &free_state);
  return index;
}

ClientConnectionState* find_state(const SSL* ssl) {
  return static_cast<ClientConnectionState*>(SSL_get_ex_data(ssl, state_index()));
}

// Stands in for SSL_VERIFY_NONE (see Callbacks::add): accepts any chain, so that only the
// attestation check in the certificate-verify hook can fail the handshake.
int accept_any_chain(int, X509_STORE_CTX*) { return 1; }

std::uint64_t now_seconds() { return static_cast<std::uint64_t>(std::time(nullptr)); }

std::string type_list(const std::vector<std::uint16_t>& types) {
  std::string s;
  for (auto t : types) {
    if (!s.empty()) s += ", ";
    s += attest::evidence_type_name(t);
  }
  return s.empty() ? "none" : s;
}

int fail(ClientConnectionState& st, AttestationError e, std::string message, int alert, int* al) {
  st.failed = true;
  st.outcome.error = e;
  st.outcome.message = std::move(message);
  *al = alert;
  return 0;
}

AttestationError error_for(attest::VerifyError e) {
  switch (e) {
    case attest::VerifyError::kMalformed:
      return AttestationError::kMalformedEvidence;
    case attest::VerifyError::kSignatureInvalid:
      return AttestationError::kSignatureInvalid;
    case attest::VerifyError::kUntrustedPlatform:
      return AttestationError::kUntrustedPlatform;
    case attest::VerifyError::kCertificateExpired:
      return AttestationError::kCertificateExpired;
    case attest::VerifyError::kCertificateNotYetValid:
      return AttestationError::kCertificateNotYetValid;
    case attest::VerifyError::kCertificateRevoked:
      return AttestationError::kCertificateRevoked;
    case attest::VerifyError::kCollateralMissing:
      return AttestationError::kCollateralMissing;
    case attest::VerifyError::kCollateralInvalid:
      return AttestationError::kCollateralInvalid;
    case attest::VerifyError::kPlatformMismatch:
      return AttestationError::kPlatformMismatch;
    case attest::VerifyError::kInternal:
      return AttestationError::kInternal;
  }
  return AttestationError::kInternal;
}

AttestationError error_for(attest::AppraisalCheck c) {
  switch (c) {
    case attest::AppraisalCheck::kEvidenceType:
      return AttestationError::kEvidenceTypeNotAllowed;
    case attest::AppraisalCheck::kModuleMeasurement:
      return AttestationError::kModuleMeasurementRejected;
    case attest::AppraisalCheck::kRuntimeMeasurement:
      return AttestationError::kRuntimeMeasurementRejected;
    case attest::AppraisalCheck::kDebug:
      return AttestationError::kDebugNotAllowed;
    case attest::AppraisalCheck::kTooOld:
      return AttestationError::kEvidenceTooOld;
    case attest::AppraisalCheck::kFromFuture:
      return AttestationError::kEvidenceFromFuture;
    case attest::AppraisalCheck::kTeeMeasurement:
      return AttestationError::kTeeMeasurementRejected;
    case attest::AppraisalCheck::kTeeSvn:
    case attest::AppraisalCheck::kTcbStatus:
    case attest::AppraisalCheck::kCollateralAge:
      return AttestationError::kTcbRejected;
    case attest::AppraisalCheck::kGuestPolicy:
      return AttestationError::kGuestPolicyRejected;
  }
  return AttestationError::kInternal;
}

}  // namespace

struct AttestationClient::Callbacks {
  // Full check: signature chain → binding → appraisal. Returns 1 or 0 with *al set.
  static int verify(const AttestationClient& client, ClientConnectionState& st,
                    attest::ByteSpan spki_hash, int* al) {
    attest::ReportData expected =
        compute_binding(st.nonce, st.values.client_random, st.values.server_random,
                        st.values.server_key_share, spki_hash);
    const bool psk_handshake = st.outcome.psk_handshake;  // set by the caller, kept
    st.outcome = client.check_evidence(st.evidence.type, st.evidence.evidence, expected);
    st.outcome.psk_handshake = psk_handshake;
    if (st.outcome.ok()) return 1;
    st.failed = true;
    *al = st.outcome.error == AttestationError::kMalformedEvidence ? SSL_AD_DECODE_ERROR
                                                                   : SSL_AD_ACCESS_DENIED;
    return 0;
  }

  static int add(SSL* ssl, unsigned int, unsigned int context, const unsigned char** out,
                 size_t* outlen, X509*, size_t, int* al, void* arg) {
    if (context != SSL_EXT_CLIENT_HELLO) return 0;
    auto* client = static_cast<AttestationClient*>(arg);
    ClientConnectionState* st = find_state(ssl);
    if (st == nullptr) {
      st = new ClientConnectionState();
      if (SSL_set_ex_data(ssl, state_index(), st) != 1) {
        delete st;
        *al = SSL_AD_INTERNAL_ERROR;
        return -1;
      }
    }
    if (st->nonce.empty()) {  // a second ClientHello (after HelloRetryRequest) keeps the nonce
      st->nonce.resize(kClientNonceSize);
      if (RAND_bytes(st->nonce.data(), static_cast<int>(st->nonce.size())) != 1) {
        fail(*st, AttestationError::kInternal, "no randomness for the nonce", SSL_AD_INTERNAL_ERROR,
             al);
        return -1;
      }
      st->offered = client->offered_types();
    }
    // With SSL_VERIFY_NONE, OpenSSL ignores a failing certificate-verify hook. Keep the
    // "no X.509 verification" meaning but make the hook's verdict fatal.
    if (SSL_get_verify_mode(ssl) == SSL_VERIFY_NONE) {
      SSL_set_verify(ssl, SSL_VERIFY_PEER, &accept_any_chain);
    }
    if (st->offered.empty()) {
      fail(*st, AttestationError::kNoVerifier,
           "policy allows no evidence type this client can verify", SSL_AD_INTERNAL_ERROR, al);
      return -1;
    }
    Bytes wire = encode_request({st->nonce, st->offered});
    auto* buf = static_cast<unsigned char*>(OPENSSL_memdup(wire.data(), wire.size()));
    if (buf == nullptr) return -1;
    *out = buf;
    *outlen = wire.size();
    return 1;
  }

  static void free_out(SSL*, unsigned int, unsigned int, const unsigned char* out, void*) {
    OPENSSL_free(const_cast<unsigned char*>(out));
  }

  static int parse(SSL* ssl, unsigned int, unsigned int context, const unsigned char* in,
                   size_t inlen, X509* x, size_t chainidx, int* al, void* arg) {
    const auto* client = static_cast<const AttestationClient*>(arg);
    ClientConnectionState* st = find_state(ssl);
    if (st == nullptr) {
      *al = SSL_AD_INTERNAL_ERROR;
      return 0;
    }
    if (st->failed) {
      *al = SSL_AD_ACCESS_DENIED;
      return 0;
    }
    if (context == SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS) {
      auto ev = decode_evidence(attest::ByteSpan(in, inlen));
      if (!ev) {
        AttestationError e =
            ev.error().alert == SSL_AD_ILLEGAL_PARAMETER && inlen > 4 + kMaxEvidenceSize
                ? AttestationError::kEvidenceTooLarge
                : AttestationError::kMalformedEvidence;
        return fail(*st, e, ev.error().message, ev.error().alert, al);
      }
      st->outcome.evidence_type = ev->type;
      st->outcome.evidence = ev->evidence;
      if (std::find(st->offered.begin(), st->offered.end(), ev->type) == st->offered.end()) {
        return fail(*st, AttestationError::kEvidenceTypeNotAllowed,
                    "server sent evidence type " +
                        std::string(attest::evidence_type_name(ev->type)) + " (0x" +
                        attest::to_hex(attest::Bytes{static_cast<std::uint8_t>(ev->type >> 8),
                                                     static_cast<std::uint8_t>(ev->type)}) +
                        ") which the policy does not allow (offered: " + type_list(st->offered) +
                        ")",
                    SSL_AD_ILLEGAL_PARAMETER, al);
      }
      auto values = read_handshake_values(ssl, /*server_side=*/false);
      if (!values) {
        return fail(*st, AttestationError::kInternal, values.error(), SSL_AD_INTERNAL_ERROR, al);
      }
      st->values = std::move(*values);
      st->evidence = std::move(*ev);
      st->evidence_received = true;
      if (SSL_session_reused(ssl)) {  // PSK: no Certificate follows; spki_hash is empty
        st->outcome.psk_handshake = true;
        return verify(*client, *st, {}, al);
      }
      return 1;  // completed in the Certificate callback (or the verify hook)
    }
    if (context == SSL_EXT_TLS1_3_CERTIFICATE) {
      if (chainidx != 0 || x == nullptr || !st->evidence_received ||
          st->outcome.error == AttestationError::kNone) {
        return 1;
      }
      attest::Sha256Digest spki = attest::spki_sha256(x);
      return verify(*client, *st, spki, al);
    }
    return 1;
  }

  // Runs for every server certificate chain: performs the normal X.509 verification, then
  // refuses the handshake unless evidence has been verified (or verifies it here against the
  // leaf if the server sent evidence but no Certificate marker).
  static int verify_certificate(X509_STORE_CTX* store_ctx, void* arg) {
    const auto* client = static_cast<const AttestationClient*>(arg);
    int rc = X509_verify_cert(store_ctx);
    auto* ssl = static_cast<SSL*>(
        X509_STORE_CTX_get_ex_data(store_ctx, SSL_get_ex_data_X509_STORE_CTX_idx()));
    if (ssl == nullptr) return rc;
    ClientConnectionState* st = find_state(ssl);
    if (st == nullptr) return -1;
    if (st->outcome.error == AttestationError::kNone) return rc;
    int al = 0;
    if (!st->failed) {
      if (SSL_version(ssl) != TLS1_3_VERSION) {
        fail(*st, AttestationError::kTlsVersionRefused,
             std::string("server negotiated ") + SSL_get_version(ssl) +
                 "; attestation requires TLS 1.3 (downgrade refused)",
             SSL_AD_PROTOCOL_VERSION, &al);
      } else if (!st->evidence_received) {
        fail(*st, AttestationError::kMissingEvidence,
             "server sent no attestation evidence (asked for: " + type_list(st->offered) + ")",
             SSL_AD_ACCESS_DENIED, &al);
      } else if (X509* leaf = X509_STORE_CTX_get0_cert(store_ctx); leaf != nullptr) {
        attest::Sha256Digest spki = attest::spki_sha256(leaf);
        if (verify(*client, *st, spki, &al) == 1) return rc;
      }
    }
    X509_STORE_CTX_set_error(store_ctx, X509_V_ERR_APPLICATION_VERIFICATION);
    return -1;  // fatal even with SSL_VERIFY_NONE
  }
};

AttestationOutcome AttestationClient::check_evidence(std::uint16_t type, attest::ByteSpan evidence,
                                                     const attest::ReportData& expected) const {
  AttestationOutcome outcome;
  outcome.evidence_type = type;
  outcome.evidence.assign(evidence.begin(), evidence.end());
  auto refuse = [&](AttestationError e, std::string message) {
    outcome.error = e;
    outcome.message = std::move(message);
    return outcome;
  };
  const attest::EvidenceVerifier* verifier = verifier_for(type);
  std::string type_name(attest::evidence_type_name(type));
  if (verifier == nullptr) {
    return refuse(AttestationError::kNoVerifier, "no verifier for evidence type " + type_name);
  }
  std::uint64_t now = now_seconds();
  auto claims =
      verifier->verify(evidence, policy_.anchors_for(static_cast<attest::EvidenceType>(type)), now);
  if (!claims) return refuse(error_for(claims.error().code), claims.error().message);
  outcome.claims = *claims;
  if (CRYPTO_memcmp(expected.data(), claims->report_data.data(), expected.size()) != 0) {
    return refuse(AttestationError::kBindingMismatch,
                  "evidence is bound to another handshake (replayed or relayed?): report data " +
                      attest::short_hex(claims->report_data) + " != expected " +
                      attest::short_hex(expected));
  }
  outcome.appraisal = attest::appraise(policy_, *claims, now);
  if (!outcome.appraisal.accepted) {
    std::string message;
    for (const auto& r : outcome.appraisal.reasons) {
      if (!message.empty()) message += "; ";
      message += r.text;
    }
    return refuse(error_for(outcome.appraisal.reasons.front().check), message);
  }
  outcome.error = AttestationError::kNone;
  outcome.message = "evidence verified: " + type_name + " from " + claims->platform_id;
  if (claims->type == attest::EvidenceType::kSim) {
    outcome.message += " (" + std::string(attest::kSimHonestyNote) + ")";
  } else if (claims->type == attest::EvidenceType::kTpm2Quote) {
    outcome.message += " (" + std::string(attest::kTpmHonestyNote) + ")";
  }
  return outcome;
}

AttestationClient::AttestationClient(attest::Policy policy) : policy_(std::move(policy)) {
  verifiers_.push_back(std::make_unique<attest::SimVerifier>());
  // Hardware verifiers, with the collateral of the policy's section (never fetched online).
  for (auto type : {attest::EvidenceType::kSevSnp, attest::EvidenceType::kSgxDcap,
                    attest::EvidenceType::kTdx, attest::EvidenceType::kTpm2Quote}) {
    if (auto v = attest::make_hardware_verifier(type, policy_.collateral_for(type))) {
      verifiers_.push_back(std::move(v));
    }
  }
}

AttestationClient::~AttestationClient() = default;

void AttestationClient::add_verifier(std::unique_ptr<attest::EvidenceVerifier> verifier) {
  for (auto& v : verifiers_) {
    if (v->type() == verifier->type()) {
      v = std::move(verifier);  // replaces the built-in verifier of that type
      return;
    }
  }
  verifiers_.push_back(std::move(verifier));
}

const attest::EvidenceVerifier* AttestationClient::verifier_for(std::uint16_t type) const {
  for (const auto& v : verifiers_) {
    if (static_cast<std::uint16_t>(v->type()) == type) return v.get();
  }
  return nullptr;
}

std::vector<std::uint16_t> AttestationClient::offered_types() const {
  std::vector<std::uint16_t> out;
  for (attest::EvidenceType t : policy_.allowed_types) {
    if (policy_.allows(t) && verifier_for(static_cast<std::uint16_t>(t)) != nullptr) {
      out.push_back(static_cast<std::uint16_t>(t));
    }
  }
  if (out.size() > kMaxAcceptedTypes) out.resize(kMaxAcceptedTypes);
  return out;
}

Result<void> AttestationClient::attach(SSL_CTX* ctx) {
  if (offered_types().empty()) {
    return Result<void>::failure(
        "attestation client: the policy allows no evidence type this build can verify (" +
        type_list([&] {
          std::vector<std::uint16_t> v;
          for (auto t : policy_.allowed_types) v.push_back(static_cast<std::uint16_t>(t));
          return v;
        }()) +
        ")");
  }
  if (SSL_CTX_add_custom_ext(ctx, kAttestationExtensionType, kExtensionContexts, &Callbacks::add,
                             &Callbacks::free_out, this, &Callbacks::parse, this) != 1) {
    return Result<void>::failure(attest::take_openssl_error(
        "attestation client: cannot register the extension (already attached?)"));
  }
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1) {
    return Result<void>::failure("attestation client: cannot require TLS 1.3");
  }
  SSL_CTX_set_cert_verify_callback(ctx, &Callbacks::verify_certificate, this);
  return Result<void>::success();
}

AttestationOutcome AttestationClient::outcome(SSL* ssl, int connect_result) const {
  const ClientConnectionState* st = find_state(ssl);
  AttestationOutcome o;
  if (st != nullptr) o = st->outcome;
  bool recorded_failure = st != nullptr && st->failed;
  if (recorded_failure) return o;
  if (connect_result != 1) {
    unsigned long err = ERR_peek_error();
    int reason = ERR_GET_REASON(err);
    if (reason == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION || reason == SSL_R_UNSUPPORTED_PROTOCOL ||
        reason == SSL_R_NO_PROTOCOLS_AVAILABLE || reason == SSL_R_WRONG_SSL_VERSION) {
      o.error = AttestationError::kTlsVersionRefused;
      o.message = "server does not speak TLS 1.3; attestation requires TLS 1.3 (downgrade refused)";
    } else {
      char buf[256] = "no OpenSSL error";
      if (err != 0) ERR_error_string_n(err, buf, sizeof buf);
      o.error = AttestationError::kHandshakeFailed;
      o.message = std::string("TLS handshake failed: ") + buf;
    }
    return o;
  }
  if (SSL_version(ssl) != TLS1_3_VERSION) {
    o.error = AttestationError::kTlsVersionRefused;
    o.message = std::string("negotiated ") + SSL_get_version(ssl) +
                "; attestation requires TLS 1.3 (downgrade refused)";
    return o;
  }
  if (st == nullptr) {
    o.error = AttestationError::kNotVerified;
    o.message =
        "attestation never started on this connection (client not attached to its SSL_CTX?)";
    return o;
  }
  if (o.error != AttestationError::kNone) {
    o.error = AttestationError::kMissingEvidence;
    o.message =
        st->evidence_received
            ? "server sent evidence that was never bound to this handshake"
            : "server sent no attestation evidence (asked for: " + type_list(st->offered) + ")";
  }
  return o;
}

}  // namespace trustmq::tls
