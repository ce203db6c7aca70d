#include "attest/sim_platform.h"

#include "attest/certificate_issuer.h"
#include "attest/private_key_permissions.h"

namespace trustmq::attest {

namespace {
std::shared_ptr<EVP_PKEY> share(EvpPkeyPtr k) {
  return std::shared_ptr<EVP_PKEY>(k.release(), [](EVP_PKEY* p) { EVP_PKEY_free(p); });
}
}  // namespace

Result<SimPlatform> SimPlatform::open_or_create(const std::string& dir,
                                                const SimPlatformOptions& options) {
  using R = Result<SimPlatform>;
  const std::string root_cert = dir + "/" + kRootCertFile;
  const std::string root_key = dir + "/" + kRootKeyFile;
  const std::string plat_cert = dir + "/" + kPlatformCertFile;
  const std::string plat_key = dir + "/" + kPlatformKeyFile;
  const std::string files[] = {root_cert, root_key, plat_cert, plat_key};
  int present = 0;
  for (const auto& f : files) present += file_exists(f) ? 1 : 0;

  if (present == 0) {
    auto d = ensure_private_directory(dir);
    if (!d) return R::failure("sim platform: " + d.error());
    auto rk = generate_p256_key();
    auto pk = generate_p256_key();
    if (!rk || !pk) return R::failure("sim platform: cannot generate keys");
    CertificateRequest root_req;
    root_req.common_name = "trustmq sim root CA (NO hardware protection)";
    root_req.subject_key = rk->get();
    root_req.issuer_key = rk->get();
    root_req.is_ca = true;
    root_req.not_after_offset_seconds = 20LL * 365 * 24 * 3600;
    auto rc = issue_certificate(root_req);
    if (!rc) return R::failure("sim platform: " + rc.error());
    CertificateRequest plat_req;
    plat_req.common_name = "trustmq sim platform (NO hardware protection)";
    plat_req.subject_key = pk->get();
    plat_req.issuer_cert = rc->get();
    plat_req.issuer_key = rk->get();
    plat_req.not_before_offset_seconds = options.platform_not_before_offset_seconds;
    plat_req.not_after_offset_seconds = options.platform_not_after_offset_seconds;
    auto pc = issue_certificate(plat_req);
    if (!pc) return R::failure("sim platform: " + pc.error());
    for (auto w :
         {write_private_key_pem(root_key, rk->get()), write_certificate_pem(root_cert, rc->get()),
          write_private_key_pem(plat_key, pk->get()),
          write_certificate_pem(plat_cert, pc->get())}) {
      if (!w) return R::failure("sim platform: " + w.error());
    }
  } else if (present != 4) {
    for (const auto& f : files) {
      if (!file_exists(f)) {
        return R::failure("sim platform: incomplete state, " + f +
                          " is missing (remove the directory to create a new platform)");
      }
    }
  }

  // Whoever can read these keys can forge evidence: refuse them unless private (also right
  // after creating them, which proves the rule holds for what we write).
  for (auto check : {check_private_key_directory(dir, "sim platform directory"),
                     check_private_key_file(root_key, "sim root CA key"),
                     check_private_key_file(plat_key, "sim platform key")}) {
    if (!check) return R::failure(check.error());
  }
  auto rc = read_certificate_pem(root_cert);
  auto pc = read_certificate_pem(plat_cert);
  auto pk = read_private_key_pem(plat_key);
  if (!rc) return R::failure("sim platform: " + rc.error());
  if (!pc) return R::failure("sim platform: " + pc.error());
  if (!pk) return R::failure("sim platform: " + pk.error());
  if (X509_check_private_key(pc->get(), pk->get()) != 1) {
    return R::failure("sim platform: " + plat_key + " does not match " + plat_cert);
  }
  SimPlatform p;
  unsigned char* der = nullptr;
  int len = i2d_X509(pc->get(), &der);
  if (len <= 0) return R::failure("sim platform: cannot encode platform certificate");
  p.platform_cert_der_.assign(der, der + len);
  OPENSSL_free(der);
  p.platform_key_ = share(std::move(*pk));
  p.platform_cert_ = share_x509(std::move(*pc));
  p.root_cert_ = share_x509(std::move(*rc));
  p.root_cert_path_ = root_cert;
  return R::success(std::move(p));
}

}  // namespace trustmq::attest
