// What the TPM adds to a persistence store (docs/persistence.md, "TPM-sealed platform secret"
// and "Rollback"): the platform secret of record sealing, made by TPM2_GetRandom and kept only
// in TPM-sealed form in persistence_location/platform_secret.tpm, and the index of the TPM NV
// counter that dates the store. Both are sealed together, so the host can neither read the
// secret without this TPM nor point the store at another counter.
//
// The TPM is opened for start-up and closed again (a TPM without resource manager, such as
// device:/dev/tpm0, takes one user at a time, and the tpm2-quote attester needs it); each later
// counter operation opens it again.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "shell/record_sealing.h"

namespace trustmq::shell {

class TpmStoreProtection {
 public:
  // Unseals DIRECTORY/platform_secret.tpm with the TPM at `tcti`, or, if the file does not
  // exist, makes a secret (TPM2_GetRandom), defines an NV counter, seals both and writes the
  // file (mode 0600). Throws std::runtime_error naming the file and the TCTI: an unreachable
  // TPM, a file sealed by another TPM, a counter that is gone.
  static std::unique_ptr<TpmStoreProtection> open(const std::string& tcti,
                                                  const std::string& directory);
  ~TpmStoreProtection();
  TpmStoreProtection(const TpmStoreProtection&) = delete;
  TpmStoreProtection& operator=(const TpmStoreProtection&) = delete;

  const std::array<std::uint8_t, kPlatformSecretBytes>& platform_secret() const { return secret_; }
  // True if the secret (and counter) were made by this open(): the store must then be new.
  bool created() const { return created_; }
  std::uint32_t counter_index() const { return counter_index_; }
  // "TPM-sealed secret (swtpm: a software TPM, TCTI '…')" or "TPM-sealed secret (TPM
  // manufacturer …, TCTI '…')".
  const std::string& description() const { return description_; }
  const std::string& sealed_path() const { return sealed_path_; }

  // The NV counter now / after adding one. Throw std::runtime_error naming the TCTI.
  std::uint64_t read_counter() const;
  std::uint64_t increment_counter() const;

 private:
  TpmStoreProtection() = default;

  std::string tcti_;
  std::string sealed_path_;
  std::array<std::uint8_t, kPlatformSecretBytes> secret_{};
  std::uint32_t counter_index_ = 0;
  bool created_ = false;
  std::string description_;
};

}  // namespace trustmq::shell
