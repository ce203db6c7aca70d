#include "shell/password_file.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "shell/config_file.h"
#include "support/temp_directory.h"

namespace trustmq::shell {
namespace {

// Runs Debian's mosquitto_passwd (package mosquitto, listed in scripts/install-deps.sh).
void run_mosquitto_passwd(const std::string& args) {
  const std::string command = "/usr/bin/mosquitto_passwd " + args + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
}

std::string password_error_of(std::string_view text) {
  try {
    PasswordFile::parse(text, "pw");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(PasswordFileTest, VerifiesAFileWrittenByMosquittoPasswdPbkdf2) {
  test_support::TempDirectory dir;
  const std::string path = dir.file("passwd");
  run_mosquitto_passwd("-c -b " + path + " alice 'correct horse'");
  run_mosquitto_passwd("-b " + path + " bob s3cr3t");

  const PasswordFile file = PasswordFile::load(path);
  ASSERT_EQ(file.entries().size(), 2u);
  EXPECT_EQ(file.entries()[0].kind, PasswordFile::HashKind::kPbkdf2Sha512);
  EXPECT_EQ(file.entries()[0].iterations, 101u);  // mosquitto_passwd 2.0's default
  EXPECT_EQ(file.entries()[0].salt.size(), 12u);
  EXPECT_EQ(file.entries()[0].hash.size(), 64u);

  EXPECT_TRUE(file.verify("alice", "correct horse"));
  EXPECT_TRUE(file.verify("bob", "s3cr3t"));
  EXPECT_FALSE(file.verify("alice", "correct hors"));
  EXPECT_FALSE(file.verify("alice", "correct horse "));
  EXPECT_FALSE(file.verify("alice", "s3cr3t"));
  EXPECT_FALSE(file.verify("bob", ""));
  EXPECT_FALSE(file.verify("carol", "s3cr3t"));
  EXPECT_FALSE(file.verify("", ""));
}

TEST(PasswordFileTest, VerifiesAFileWrittenByMosquittoPasswdSha512) {
  test_support::TempDirectory dir;
  const std::string path = dir.file("passwd");
  run_mosquitto_passwd("-H sha512 -c -b " + path + " bob hunter2");
  const PasswordFile file = PasswordFile::load(path);
  ASSERT_EQ(file.entries().size(), 1u);
  EXPECT_EQ(file.entries()[0].kind, PasswordFile::HashKind::kSha512);
  EXPECT_TRUE(file.verify("bob", "hunter2"));
  EXPECT_FALSE(file.verify("bob", "hunter3"));
}

TEST(PasswordFileTest, KnownVectors) {
  // Computed independently with Python's hashlib:
  //   pbkdf2_hmac('sha512', b'pass', b'0123456789ab', 101) and sha512(b'pass' + b'0123456789ab').
  const std::string text =
      "# comment\n"
      "\n"
      "u7:$7$101$MDEyMzQ1Njc4OWFi$"
      "GaJjlmQ1KvwkVYJGZ5apEG5jtpL5rZuks3UvTqxFpFOFgatWhH8CaWDByNDea0N2XABdI2LYx5ixMfJLvI3GqQ==\n"
      "u6:$6$MDEyMzQ1Njc4OWFi$"
      "EFcT8CYtK9S+SyfFWtWu0OKvsERW7UvmM0cyv9vWF2Vvn1fDIidhysE8MJLPvyqX0vLnifJStSgWgTfQtaXKyA==\n";
  const PasswordFile file = PasswordFile::parse(text, "vectors");
  ASSERT_EQ(file.entries().size(), 2u);
  EXPECT_TRUE(file.verify("u7", "pass"));
  EXPECT_TRUE(file.verify("u6", "pass"));
  EXPECT_FALSE(file.verify("u7", "Pass"));
  EXPECT_FALSE(file.verify("u6", "Pass"));
}

TEST(PasswordFileTest, BinaryPasswordsAreComparedByteForByte) {
  test_support::TempDirectory dir;
  const std::string path = dir.file("passwd");
  run_mosquitto_passwd("-c -b " + path + " dave abc");
  const PasswordFile file = PasswordFile::load(path);
  // (A trailing NUL would not do: HMAC pads short keys with zeros, so "abc\0" == "abc" there.)
  const std::uint8_t with_nul[] = {'a', 'b', 0, 'c'};
  const std::uint8_t plain[] = {'a', 'b', 'c'};
  EXPECT_FALSE(file.verify("dave", std::span<const std::uint8_t>(with_nul, 4)));
  EXPECT_TRUE(file.verify("dave", std::span<const std::uint8_t>(plain, 3)));
}

TEST(PasswordFileTest, ErrorsNameFileAndLine) {
  EXPECT_EQ(password_error_of("\nalice\n"), "pw:2: expected 'username:hash'");
  EXPECT_EQ(password_error_of(":$6$MDEy$AAAA\n"), "pw:1: empty username");
  EXPECT_EQ(password_error_of("alice:plaintext\n"),
            "pw:1: user 'alice': unknown password hash format (expected $7$ or $6$ as written "
            "by mosquitto_passwd)");
  EXPECT_EQ(password_error_of("alice:$5$abc$def\n"),
            "pw:1: user 'alice': unknown password hash format (expected $7$ or $6$ as written "
            "by mosquitto_passwd)");
  EXPECT_EQ(password_error_of("alice:$7$0$MDEy$AAAA\n"),
            "pw:1: user 'alice': invalid iteration count '0'");
  EXPECT_EQ(password_error_of("alice:$7$x$MDEy$AAAA\n"),
            "pw:1: user 'alice': invalid iteration count 'x'");
  EXPECT_EQ(password_error_of("alice:$6$M*Ey$AAAA\n"), "pw:1: user 'alice': invalid base64 salt");
  EXPECT_EQ(password_error_of("alice:$6$MDEyMzQ1Njc4OWFi$AAAA\n"),
            "pw:1: user 'alice': invalid hash (expected 64 bytes of base64)");
  EXPECT_EQ(password_error_of("alice:$7$101$MDEyMzQ1Njc4OWFi\n"),
            "pw:1: user 'alice': unknown password hash format (expected $7$ or $6$ as written "
            "by mosquitto_passwd)");
}

TEST(PasswordFileTest, MissingFileIsAnError) {
  test_support::TempDirectory dir;
  try {
    PasswordFile::load(dir.file("nope"));
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot open password_file"), std::string::npos);
  }
}

}  // namespace
}  // namespace trustmq::shell
