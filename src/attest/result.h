// A value or an error, never both: errors are values in trustmq (no exceptions cross an API).
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace trustmq::attest {

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

}  // namespace trustmq::attest
