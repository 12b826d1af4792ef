// Errors as values.
//
// Expected failures (bad input, a missing row, an unreachable cluster) are returned as `Error`
// inside a `Result<T>` or `Status`; exceptions are reserved for bugs and are turned into a generic
// INTERNAL answer at the HTTP boundary. `Error::message` is shown to clients, so it must never
// contain internals (SQL text, stack traces, secrets); put those in `internal_detail`, which is
// only logged.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

#include "common/error_codes.h"

namespace sluice {

struct Error {
  ErrorCode code = ErrorCode::INTERNAL;
  std::string message;          // safe to show to the client
  std::string field;            // the offending input field, when there is one
  std::string internal_detail;  // for logs only; never sent to a client

  Error() = default;
  Error(ErrorCode c, std::string msg, std::string f = {}, std::string detail = {})
      : code(c), message(std::move(msg)), field(std::move(f)), internal_detail(std::move(detail)) {}
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : data_(std::move(error)) {}  // NOLINT

  bool ok() const { return std::holds_alternative<T>(data_); }
  explicit operator bool() const { return ok(); }

  // Precondition: ok().
  T& value() & { return std::get<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T&& value() && { return std::get<T>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // Precondition: !ok().
  const Error& error() const& { return std::get<Error>(data_); }
  Error&& error() && { return std::get<Error>(std::move(data_)); }

 private:
  std::variant<T, Error> data_;
};

// The result of an operation with no value.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design

  static Status Ok() { return Status(); }
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  // Precondition: !ok().
  const Error& error() const& { return error_; }
  Error&& error() && { return std::move(error_); }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace sluice

// Returns early from the enclosing function with the error of a failed Status/Result expression.
#define SLUICE_RETURN_IF_ERROR(expr)                         \
  do {                                                       \
    auto&& sluice_status_ = (expr);                          \
    if (!sluice_status_.ok()) return sluice_status_.error(); \
  } while (0)

#define SLUICE_CONCAT_INNER(a, b) a##b
#define SLUICE_CONCAT(a, b) SLUICE_CONCAT_INNER(a, b)
// Evaluates a Result expression; on error returns it, else moves the value into `lhs`.
#define SLUICE_ASSIGN_OR_RETURN(lhs, expr) \
  SLUICE_ASSIGN_OR_RETURN_IMPL(SLUICE_CONCAT(sluice_result_, __LINE__), lhs, expr)
#define SLUICE_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return std::move(tmp).error();      \
  lhs = std::move(tmp).value()
