#include "attest/intel_pck_certificate.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>

#include <algorithm>
#include <memory>
#include <string>

namespace trustmq::attest {

namespace {

constexpr const char* kSgxExtensions = "1.2.840.113741.1.13.1";

struct SeqDeleter {
  void operator()(STACK_OF(ASN1_TYPE) * s) const { sk_ASN1_TYPE_pop_free(s, ASN1_TYPE_free); }
};
using Sequence = std::unique_ptr<STACK_OF(ASN1_TYPE), SeqDeleter>;

Sequence parse_sequence(const unsigned char* data, long len) {
  const unsigned char* p = data;
  Sequence s(d2i_ASN1_SEQUENCE_ANY(nullptr, &p, len));
  if (s && p != data + len) s.reset();
  ERR_clear_error();
  return s;
}

Sequence parse_sequence(const ASN1_TYPE* t) {
  if (t == nullptr || t->type != V_ASN1_SEQUENCE) return nullptr;
  return parse_sequence(t->value.sequence->data, t->value.sequence->length);
}

std::string oid_text(const ASN1_OBJECT* obj) {
  char buf[80];
  OBJ_obj2txt(buf, sizeof buf, obj, 1);
  return buf;
}

// Calls `f(oid, value)` for each SEQUENCE { OBJECT, value } of `seq`; false if one is not.
template <typename F>
bool for_each_pair(const Sequence& seq, F f) {
  for (int i = 0; i < sk_ASN1_TYPE_num(seq.get()); ++i) {
    Sequence pair = parse_sequence(sk_ASN1_TYPE_value(seq.get(), i));
    if (!pair || sk_ASN1_TYPE_num(pair.get()) != 2) return false;
    const ASN1_TYPE* oid = sk_ASN1_TYPE_value(pair.get(), 0);
    if (oid->type != V_ASN1_OBJECT) return false;
    if (!f(oid_text(oid->value.object), sk_ASN1_TYPE_value(pair.get(), 1))) return false;
  }
  return true;
}

bool integer_value(const ASN1_TYPE* t, std::int64_t max, std::int64_t& out) {
  if (t->type != V_ASN1_INTEGER) return false;
  std::int64_t v = -1;
  if (ASN1_INTEGER_get_int64(&v, t->value.integer) != 1 || v < 0 || v > max) {
    ERR_clear_error();
    return false;
  }
  out = v;
  return true;
}

template <std::size_t N>
bool octets_value(const ASN1_TYPE* t, std::array<std::uint8_t, N>& out) {
  if (t->type != V_ASN1_OCTET_STRING || t->value.octet_string->length != static_cast<int>(N)) {
    return false;
  }
  std::copy_n(t->value.octet_string->data, N, out.begin());
  return true;
}

}  // namespace

Result<PckCertificateInfo> read_pck_certificate(X509* cert) {
  using R = Result<PckCertificateInfo>;
  std::unique_ptr<ASN1_OBJECT, decltype(&ASN1_OBJECT_free)> obj(OBJ_txt2obj(kSgxExtensions, 1),
                                                                &ASN1_OBJECT_free);
  const int index = obj ? X509_get_ext_by_OBJ(cert, obj.get(), -1) : -1;
  if (index < 0) return R::failure("PCK certificate has no SGX extensions (1.2.840.113741.1.13.1)");
  const ASN1_OCTET_STRING* ext = X509_EXTENSION_get_data(X509_get_ext(cert, index));
  Sequence top = parse_sequence(ext->data, ext->length);
  if (!top) return R::failure("PCK certificate SGX extensions are not a DER SEQUENCE");

  PckCertificateInfo info;
  bool have_tcb = false, have_fmspc = false, have_pce_id = false, tcb_ok = true;
  std::string bad;
  const bool ok = for_each_pair(top, [&](const std::string& oid, const ASN1_TYPE* value) {
    if (oid == "1.2.840.113741.1.13.1.2") {
      Sequence tcb = parse_sequence(value);
      if (!tcb) return false;
      int components = 0;
      bool have_pce_svn = false, have_cpu_svn = false;
      const bool tcb_parsed = for_each_pair(tcb, [&](const std::string& t, const ASN1_TYPE* v) {
        const std::string prefix = "1.2.840.113741.1.13.1.2.";
        if (t.rfind(prefix, 0) != 0) return true;
        const int n = std::atoi(t.c_str() + prefix.size());
        std::int64_t x = 0;
        if (n >= 1 && n <= 16) {
          if (!integer_value(v, 255, x)) return false;
          info.component_svns[static_cast<std::size_t>(n - 1)] = static_cast<std::uint8_t>(x);
          ++components;
        } else if (n == 17) {
          if (!integer_value(v, 65535, x)) return false;
          info.pce_svn = static_cast<std::uint16_t>(x);
          have_pce_svn = true;
        } else if (n == 18) {
          if (!octets_value(v, info.cpu_svn)) return false;
          have_cpu_svn = true;
        }
        return true;
      });
      tcb_ok = tcb_parsed && components == 16 && have_pce_svn && have_cpu_svn;
      have_tcb = true;
      if (!tcb_ok) bad = "TCB";
      return tcb_ok;
    }
    if (oid == "1.2.840.113741.1.13.1.3") {
      have_pce_id = octets_value(value, info.pce_id);
      if (!have_pce_id) bad = "PCE-ID";
      return have_pce_id;
    }
    if (oid == "1.2.840.113741.1.13.1.4") {
      have_fmspc = octets_value(value, info.fmspc);
      if (!have_fmspc) bad = "FMSPC";
      return have_fmspc;
    }
    return true;
  });
  if (!ok) {
    return R::failure("PCK certificate SGX extension " +
                      (bad.empty() ? std::string("entry") : bad) + " is malformed");
  }
  if (!have_tcb) return R::failure("PCK certificate SGX extensions lack the TCB");
  if (!have_pce_id) return R::failure("PCK certificate SGX extensions lack the PCE-ID");
  if (!have_fmspc) return R::failure("PCK certificate SGX extensions lack the FMSPC");
  return R::success(info);
}

}  // namespace trustmq::attest
