// tpm_store_cost: what TPM sealing and rollback detection of the persistence store cost
// (docs/persistence.md, Measurements): TPM2_NV_Increment (+ read back) of the rollback
// counter, TPM2_NV_Read, one unseal of the platform secret (CreatePrimary of the storage key,
// Load, Unseal: what each start pays) and one seal. Medians and maxima in microseconds over
// --count rounds, against the TPM at --tcti (e.g. a swtpm: a SOFTWARE TPM, whose figures say
// nothing about a hardware TPM's NV write latency). It defines one NV counter in trustmq's
// range and leaves it (a counter cannot be lowered; undefine it with tpm2_nvundefine if needed).
//
//   tpm_store_cost --tcti TCTI [--count 200]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "attest/tpm_connection.h"
#include "attest/tpm_nv_counter.h"
#include "attest/tpm_sealed_secret.h"

namespace {

using trustmq::attest::Bytes;

void report(const char* name, int count, const std::function<bool()>& round) {
  std::vector<double> us;
  for (int i = 0; i < count; ++i) {
    const auto start = std::chrono::steady_clock::now();
    if (!round()) {
      std::printf("%-40s FAILED at round %d\n", name, i);
      return;
    }
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
                     .count());
  }
  std::sort(us.begin(), us.end());
  std::printf("%-40s median %8.0f us   max %8.0f us   (%d rounds)\n", name, us[us.size() / 2],
              us.back(), count);
}

}  // namespace

int main(int argc, char** argv) {
  std::string tcti;
  int count = 200;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string option = argv[i];
    if (option == "--tcti") {
      tcti = argv[i + 1];
    } else if (option == "--count") {
      count = std::max(1, std::atoi(argv[i + 1]));
    } else {
      std::fprintf(stderr, "unknown option %s\n", option.c_str());
      return 2;
    }
  }
  if (tcti.empty()) {
    std::fprintf(stderr, "usage: tpm_store_cost --tcti TCTI [--count N]\n");
    return 2;
  }
  auto tpm = trustmq::attest::TpmConnection::open(tcti);
  if (!tpm) {
    std::fprintf(stderr, "%s\n", tpm.error().c_str());
    return 1;
  }
  const trustmq::attest::TpmConnection& c = **tpm;
  if (auto d = c.describe()) std::printf("TPM at TCTI '%s': %s\n", tcti.c_str(), d->c_str());
  auto index = trustmq::attest::tpm_define_counter(c);
  if (!index) {
    std::fprintf(stderr, "%s\n", index.error().c_str());
    return 1;
  }
  const Bytes secret(36, 0x5A);
  auto sealed = trustmq::attest::tpm_seal(c, secret);
  if (!sealed) {
    std::fprintf(stderr, "%s\n", sealed.error().c_str());
    return 1;
  }
  report("NV_Increment + NV_Read (rollback counter)", count,
         [&] { return static_cast<bool>(trustmq::attest::tpm_increment_counter(c, *index)); });
  report("NV_Read (rollback counter)", count,
         [&] { return static_cast<bool>(trustmq::attest::tpm_read_counter(c, *index)); });
  report("unseal (CreatePrimary, Load, Unseal)", std::min(count, 50), [&] {
    auto u = trustmq::attest::tpm_unseal(c, *sealed);
    return u && *u == secret;
  });
  report("seal (CreatePrimary, Create)", std::min(count, 50),
         [&] { return static_cast<bool>(trustmq::attest::tpm_seal(c, secret)); });
  return 0;
}
