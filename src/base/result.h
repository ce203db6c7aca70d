// A value or an error, never both. Errors are values in trustmq: every fallible call of the
// attest, tls and client libraries returns a Result, and the MQTT core reports protocol errors
// as values of its own (Violation, reason codes). Where exceptions may still be thrown, and
// why, is stated in docs/architecture.md, Conventions.
//
// The error type is the layer's: a message (std::string, the default) where callers only
// report it, a struct with a code where callers branch on it (client::ClientError,
// attest::VerifyFailure, tls::WireError).
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace trustmq {

template <typename T, typename E = std::string>
class [[nodiscard]] Result {
 public:
  static Result success(T value) {
    Result r;
    r.value_.emplace(std::move(value));
    return r;
  }
  static Result failure(E error) {
    Result r;
    r.error_ = std::move(error);
    return r;
  }

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }

  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

  // Meaningful only when !ok().
  const E& error() const { return error_; }

 private:
  Result() = default;
  std::optional<T> value_;
  E error_{};
};

// An operation that only succeeds or fails: Result<void>::success() carries no value.
template <typename E>
class [[nodiscard]] Result<void, E> {
 public:
  static Result success() {
    Result r;
    r.ok_ = true;
    return r;
  }
  static Result failure(E error) {
    Result r;
    r.error_ = std::move(error);
    return r;
  }

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok(); }

  // Meaningful only when !ok().
  const E& error() const { return error_; }

 private:
  Result() = default;
  bool ok_ = false;
  E error_{};
};

}  // namespace trustmq
