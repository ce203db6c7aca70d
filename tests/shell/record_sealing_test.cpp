// Sealing of persistence records: round trip; a flipped byte, a value moved to another key, a
// different module measurement or platform secret are each refused with a reason; the
// platform secret file is created 0600 and refused when others may read it.
#include "shell/record_sealing.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <stdexcept>
#include <vector>

#include "support/temp_directory.h"

namespace trustmq::shell {
namespace {

const std::string kSealingMeasurementA(64, 'a');
const std::string kSealingMeasurementB(64, 'b');

std::array<std::uint8_t, kPlatformSecretBytes> secret(std::uint8_t fill) {
  std::array<std::uint8_t, kPlatformSecretBytes> s{};
  s.fill(fill);
  return s;
}

mqtt::Bytes bytes_of(std::string_view text) { return mqtt::Bytes(text.begin(), text.end()); }

TEST(RecordSealingTest, SealedRecordOpensAndHidesThePlaintext) {
  RecordSealer sealer(secret(1), kSealingMeasurementA);
  const mqtt::Bytes key = bytes_of("\x01key");
  const mqtt::Bytes plaintext = bytes_of("a retained message payload");
  const mqtt::Bytes sealed = sealer.seal(key, plaintext);
  EXPECT_EQ(std::search(sealed.begin(), sealed.end(), plaintext.begin(), plaintext.end()),
            sealed.end());
  EXPECT_NE(sealer.seal(key, plaintext), sealed);  // a fresh nonce each time
  std::string error;
  auto opened = sealer.open(key, sealed, error);
  ASSERT_TRUE(opened) << error;
  EXPECT_EQ(*opened, plaintext);
}

TEST(RecordSealingTest, SealIntoReusesItsContextAndEachValueOpensOnItsOwnKey) {
  RecordSealer sealer(secret(1), kSealingMeasurementA);
  RecordSealer other(secret(2), kSealingMeasurementA);
  mqtt::Bytes sealed;
  std::vector<mqtt::Bytes> values;
  // Longer, shorter, empty: `out` is resized each time, the context keeps only the key.
  for (const std::string_view text : {"first value, the longest of them", "second", ""}) {
    sealer.seal_into(bytes_of("\x03k"), bytes_of(text), sealed);
    values.push_back(sealed);
    std::string error;
    const auto opened = sealer.open(bytes_of("\x03k"), sealed, error);
    ASSERT_TRUE(opened) << error;
    EXPECT_EQ(*opened, bytes_of(text));
    EXPECT_FALSE(sealer.open(bytes_of("\x03j"), sealed, error));  // the key is authenticated
    EXPECT_FALSE(other.open(bytes_of("\x03k"), sealed, error));   // so is the secret
  }
  sealer.seal_into(bytes_of("\x03k"), bytes_of("second"), sealed);
  EXPECT_NE(sealed, values[1]);  // a fresh nonce each time
}

TEST(RecordSealingTest, EveryFlippedByteIsRefused) {
  RecordSealer sealer(secret(1), kSealingMeasurementA);
  const mqtt::Bytes key = bytes_of("\x01k");
  const mqtt::Bytes sealed = sealer.seal(key, bytes_of("payload"));
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    mqtt::Bytes altered = sealed;
    altered[i] ^= 0x01;
    std::string error;
    EXPECT_FALSE(sealer.open(key, altered, error)) << i;
    EXPECT_FALSE(error.empty());
  }
  mqtt::Bytes truncated(sealed.begin(), sealed.end() - 1);
  std::string error;
  EXPECT_FALSE(sealer.open(key, truncated, error));
}

TEST(RecordSealingTest, OpenAppendAddsThePlaintextBehindWhatIsThereAndNothingIfRefused) {
  RecordSealer sealer(secret(1), kSealingMeasurementA);
  RecordSealer other_module(secret(1), kSealingMeasurementB);
  const mqtt::Bytes key = bytes_of("\x01k");
  mqtt::Bytes out = bytes_of("head:");
  std::string error;
  // One context for all: each value opens after the previous one, whatever its length.
  for (const std::string_view text : {"a longer first plaintext", "", "x"}) {
    ASSERT_TRUE(sealer.open_append(key, sealer.seal(key, bytes_of(text)), out, error)) << error;
  }
  EXPECT_EQ(out, bytes_of("head:a longer first plaintextx"));
  mqtt::Bytes altered = sealer.seal(key, bytes_of("secret"));
  altered[altered.size() - 20] ^= 0x01;  // in the ciphertext
  EXPECT_FALSE(sealer.open_append(key, altered, out, error));
  EXPECT_NE(error.find("authentication failed"), std::string::npos) << error;
  EXPECT_FALSE(sealer.open_append(bytes_of("\x01j"), sealer.seal(key, bytes_of("s")), out, error));
  EXPECT_FALSE(other_module.open_append(key, sealer.seal(key, bytes_of("s")), out, error));
  EXPECT_NE(error.find("sealed by module measurement " + kSealingMeasurementA), std::string::npos)
      << error;
  EXPECT_EQ(out, bytes_of("head:a longer first plaintextx"));  // nothing appended when refused
  EXPECT_EQ(other_module.measurement_hex(), kSealingMeasurementB);
}

TEST(RecordSealingTest, AlteredCiphertextNamesAuthenticationFailure) {
  RecordSealer sealer(secret(1), kSealingMeasurementA);
  mqtt::Bytes sealed = sealer.seal(bytes_of("\x01k"), bytes_of("payload"));
  sealed[50] ^= 0x80;
  std::string error;
  EXPECT_FALSE(sealer.open(bytes_of("\x01k"), sealed, error));
  EXPECT_TRUE(error.starts_with("authentication failed")) << error;
}

TEST(RecordSealingTest, ValueMovedToAnotherKeyIsRefused) {
  RecordSealer sealer(secret(1), kSealingMeasurementA);
  const mqtt::Bytes sealed = sealer.seal(bytes_of("\x01one"), bytes_of("payload"));
  std::string error;
  EXPECT_FALSE(sealer.open(bytes_of("\x01two"), sealed, error));
  EXPECT_TRUE(error.starts_with("authentication failed")) << error;
}

TEST(RecordSealingTest, AnotherModuleMeasurementIsRefusedByName) {
  const mqtt::Bytes key = bytes_of("\x01k");
  const mqtt::Bytes sealed = RecordSealer(secret(1), kSealingMeasurementA).seal(key, bytes_of("x"));
  std::string error;
  EXPECT_FALSE(RecordSealer(secret(1), kSealingMeasurementB).open(key, sealed, error));
  EXPECT_EQ(error, "sealed by module measurement " + kSealingMeasurementA +
                       ", not by this broker's " + kSealingMeasurementB);
  // Rewriting the clear measurement does not help: the key differs.
  mqtt::Bytes relabelled = sealed;
  for (std::size_t i = 0; i < 32; ++i) relabelled[1 + i] = 0xbb;
  EXPECT_FALSE(RecordSealer(secret(1), kSealingMeasurementB).open(key, relabelled, error));
  EXPECT_TRUE(error.starts_with("authentication failed")) << error;
}

TEST(RecordSealingTest, AnotherPlatformSecretIsRefused) {
  const mqtt::Bytes key = bytes_of("\x01k");
  const mqtt::Bytes sealed = RecordSealer(secret(1), kSealingMeasurementA).seal(key, bytes_of("x"));
  std::string error;
  EXPECT_FALSE(RecordSealer(secret(2), kSealingMeasurementA).open(key, sealed, error));
  EXPECT_TRUE(error.starts_with("authentication failed")) << error;
}

TEST(RecordSealingTest, MeasurementMustBeASha256) {
  EXPECT_THROW(RecordSealer(secret(1), "abc"), std::runtime_error);
  EXPECT_THROW(RecordSealer(secret(1), std::string(64, 'G')), std::runtime_error);
}

TEST(RecordSealingTest, PlatformSecretIsCreatedOnceWithMode0600) {
  test_support::TempDirectory dir;
  const std::string path = dir.file("platform_secret");
  const auto first = load_or_create_platform_secret(path);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, static_cast<off_t>(kPlatformSecretBytes));
  EXPECT_EQ(load_or_create_platform_secret(path), first);
  EXPECT_NE(first, secret(0));
}

TEST(RecordSealingTest, PlatformSecretReadableByOthersOrOfTheWrongSizeIsRefused) {
  test_support::TempDirectory dir;
  const std::string path = dir.file("platform_secret");
  load_or_create_platform_secret(path);
  ::chmod(path.c_str(), 0644);
  EXPECT_THROW(load_or_create_platform_secret(path), std::runtime_error);
  const std::string short_path = dir.write("short", "abc");
  ::chmod(short_path.c_str(), 0600);
  EXPECT_THROW(load_or_create_platform_secret(short_path), std::runtime_error);
}

}  // namespace
}  // namespace trustmq::shell
