#include "attest/certificate_issuer.h"

#include <fcntl.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace trustmq::attest {

Result<EvpPkeyPtr> generate_p256_key() {
  EvpPkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return Result<EvpPkeyPtr>::failure(take_openssl_error("cannot generate P-256 key"));
  return Result<EvpPkeyPtr>::success(std::move(key));
}

namespace {
bool add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return ok == 1;
}
}  // namespace

Result<X509Ptr> issue_certificate(const CertificateRequest& r) {
  using R = Result<X509Ptr>;
  X509Ptr cert(X509_new());
  if (!cert || r.subject_key == nullptr || r.issuer_key == nullptr) {
    return R::failure("issue_certificate: missing key");
  }
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("trustmq"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(r.common_name.c_str()), -1, -1,
                             0);
  X509* issuer = r.issuer_cert != nullptr ? r.issuer_cert : cert.get();
  X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), static_cast<long>(r.not_before_offset_seconds));
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(r.not_after_offset_seconds));
  X509_set_pubkey(cert.get(), r.subject_key);
  bool ok = add_extension(cert.get(), issuer, NID_basic_constraints,
                          r.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE") &&
            add_extension(cert.get(), issuer, NID_key_usage,
                          r.is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature") &&
            add_extension(cert.get(), issuer, NID_subject_key_identifier, "hash");
  if (ok && r.issuer_cert != nullptr) {
    ok = add_extension(cert.get(), issuer, NID_authority_key_identifier, "keyid:always");
  }
  if (ok && !r.subject_alt_dns.empty()) {
    ok = add_extension(cert.get(), issuer, NID_subject_alt_name,
                       ("DNS:" + r.subject_alt_dns).c_str());
  }
  if (!ok) return R::failure(take_openssl_error("cannot add certificate extensions"));
  if (X509_sign(cert.get(), r.issuer_key, EVP_sha256()) <= 0) {
    return R::failure(take_openssl_error("cannot sign certificate"));
  }
  return R::success(std::move(cert));
}

Result<void> ensure_private_directory(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return Result<void>::failure("cannot create directory " + dir + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Result<void>::failure(dir + " exists and is not a directory");
  }
  // Keys are about to be written here: an existing folder (0755 from mkdir -p, say) is made
  // private as well, not only a new one.
  if ((st.st_mode & 07777) != 0700 && ::chmod(dir.c_str(), 0700) != 0) {
    return Result<void>::failure("cannot make directory " + dir +
                                 " private (chmod 700): " + std::strerror(errno));
  }
  return Result<void>::success();
}

namespace {
Result<void> write_bio_to_private_file(const std::string& path, BIO* mem) {
  char* data = nullptr;
  long len = BIO_get_mem_data(mem, &data);
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Result<void>::failure("cannot write " + path + ": " + std::strerror(errno));
  }
  ::fchmod(fd, 0600);
  long off = 0;
  while (off < len) {
    ssize_t n = ::write(fd, data + off, static_cast<std::size_t>(len - off));
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      return Result<void>::failure("cannot write " + path + ": " + std::strerror(e));
    }
    off += n;
  }
  ::close(fd);
  return Result<void>::success();
}
}  // namespace

Result<void> write_private_key_pem(const std::string& path, EVP_PKEY* key) {
  BioPtr mem(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_PrivateKey(mem.get(), key, nullptr, nullptr, 0, nullptr, nullptr)) {
    return Result<void>::failure(take_openssl_error("cannot encode key for " + path));
  }
  return write_bio_to_private_file(path, mem.get());
}

Result<void> write_certificate_pem(const std::string& path, X509* cert) {
  BioPtr mem(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_X509(mem.get(), cert)) {
    return Result<void>::failure(take_openssl_error("cannot encode certificate for " + path));
  }
  return write_bio_to_private_file(path, mem.get());
}

Result<EvpPkeyPtr> read_private_key_pem(const std::string& path) {
  BioPtr bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) return Result<EvpPkeyPtr>::failure(take_openssl_error("cannot open " + path));
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return Result<EvpPkeyPtr>::failure(take_openssl_error("no private key in " + path));
  return Result<EvpPkeyPtr>::success(std::move(key));
}

Result<X509Ptr> read_certificate_pem(const std::string& path) {
  BioPtr bio(BIO_new_file(path.c_str(), "r"));
  if (!bio) return Result<X509Ptr>::failure(take_openssl_error("cannot open " + path));
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return Result<X509Ptr>::failure(take_openssl_error("no certificate in " + path));
  return Result<X509Ptr>::success(std::move(cert));
}

bool file_exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

}  // namespace trustmq::attest
