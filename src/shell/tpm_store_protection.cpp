#include "shell/tpm_store_protection.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "attest/tpm_connection.h"
#include "attest/tpm_nv_counter.h"
#include "attest/tpm_sealed_secret.h"

namespace trustmq::shell {
namespace {

constexpr std::size_t kSealedDataBytes = kPlatformSecretBytes + 4;  // secret | counter index

std::unique_ptr<attest::TpmConnection> connect(const std::string& tcti) {
  auto tpm = attest::TpmConnection::open(tcti);
  if (!tpm) throw std::runtime_error("persistence: " + tpm.error());
  return std::move(*tpm);
}

// The sealed file, or nothing if it does not exist; must be ours and 0600.
std::optional<attest::Bytes> read_sealed_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 && errno == ENOENT) return std::nullopt;
  if (fd < 0) {
    throw std::runtime_error("persistence: cannot open " + path + ": " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || (st.st_mode & 077) != 0 || st.st_uid != ::geteuid()) {
    ::close(fd);
    throw std::runtime_error("persistence: " + path +
                             " must be owned by the broker's user with mode 0600");
  }
  attest::Bytes bytes;
  std::uint8_t buffer[4096];
  ssize_t n = 0;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0 && bytes.size() < 65536) {
    bytes.insert(bytes.end(), buffer, buffer + n);
  }
  ::close(fd);
  if (n < 0) throw std::runtime_error("persistence: cannot read " + path);
  return bytes;
}

// Written to a temporary file, fsynced and renamed: never half a file.
void write_sealed_file(const std::string& path, const attest::Bytes& bytes) {
  const std::string temporary = path + ".new";
  ::unlink(temporary.c_str());
  const int fd =
      ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    throw std::runtime_error("persistence: cannot create " + temporary + ": " +
                             std::strerror(errno));
  }
  const bool written =
      ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()) &&
      ::fsync(fd) == 0;
  ::close(fd);
  if (!written || ::rename(temporary.c_str(), path.c_str()) != 0) {
    ::unlink(temporary.c_str());
    throw std::runtime_error("persistence: cannot write " + path);
  }
  const std::string directory = path.substr(0, path.find_last_of('/') + 1);
  const int dir = ::open(directory.empty() ? "." : directory.c_str(), O_RDONLY | O_DIRECTORY);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

}  // namespace

std::unique_ptr<TpmStoreProtection> TpmStoreProtection::open(const std::string& tcti,
                                                             const std::string& directory) {
  std::unique_ptr<TpmStoreProtection> p(new TpmStoreProtection());
  p->tcti_ = tcti;
  p->sealed_path_ = directory + "/platform_secret.tpm";
  const auto tpm = connect(tcti);
  const auto software = tpm->is_software_tpm();
  const auto described = tpm->describe();
  if (!software || !described) {
    throw std::runtime_error("persistence: " + (!software ? software.error() : described.error()));
  }
  p->description_ = *software ? "TPM-sealed secret (swtpm: a software TPM, TCTI '" + tcti + "')"
                              : "TPM-sealed secret (TPM " + *described + ", TCTI '" + tcti + "')";

  attest::Bytes data;
  if (const auto sealed = read_sealed_file(p->sealed_path_)) {
    auto unsealed = attest::tpm_unseal(*tpm, *sealed);
    if (!unsealed) {
      throw std::runtime_error("persistence: cannot unseal the platform secret " + p->sealed_path_ +
                               ": " + unsealed.error());
    }
    data = std::move(*unsealed);
    if (data.size() != kSealedDataBytes) {
      OPENSSL_cleanse(data.data(), data.size());
      throw std::runtime_error("persistence: " + p->sealed_path_ +
                               " does not hold a trustmq platform secret");
    }
  } else {
    auto random = attest::tpm_random(*tpm, kPlatformSecretBytes);
    if (!random) throw std::runtime_error("persistence: " + random.error());
    auto index = attest::tpm_define_counter(*tpm);
    if (!index) throw std::runtime_error("persistence: " + index.error());
    data = std::move(*random);
    for (int shift = 24; shift >= 0; shift -= 8) {
      data.push_back(static_cast<std::uint8_t>(*index >> shift));
    }
    auto made = attest::tpm_seal(*tpm, data);
    if (!made) {
      OPENSSL_cleanse(data.data(), data.size());
      throw std::runtime_error("persistence: " + made.error());
    }
    write_sealed_file(p->sealed_path_, *made);
    p->created_ = true;
  }
  std::memcpy(p->secret_.data(), data.data(), kPlatformSecretBytes);
  for (std::size_t i = 0; i < 4; ++i) {
    p->counter_index_ = (p->counter_index_ << 8) | data[kPlatformSecretBytes + i];
  }
  OPENSSL_cleanse(data.data(), data.size());
  return p;
}

TpmStoreProtection::~TpmStoreProtection() { OPENSSL_cleanse(secret_.data(), secret_.size()); }

std::uint64_t TpmStoreProtection::read_counter() const {
  const auto tpm = connect(tcti_);
  auto value = attest::tpm_read_counter(*tpm, counter_index_);
  if (!value) throw std::runtime_error("persistence: rollback counter: " + value.error());
  return *value;
}

std::uint64_t TpmStoreProtection::increment_counter() const {
  const auto tpm = connect(tcti_);
  auto value = attest::tpm_increment_counter(*tpm, counter_index_);
  if (!value) throw std::runtime_error("persistence: rollback counter: " + value.error());
  return *value;
}

}  // namespace trustmq::shell
