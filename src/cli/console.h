// The command-line client's terminal: where output goes, and how it reads passwords. Behind an
// interface so tests can script input and capture output (FakeConsole in testing_fakes.h).
#pragma once

#include <ostream>
#include <string>
#include <string_view>

#include "cli/api_client.h"

namespace sluice::cli {

class Console {
 public:
  virtual ~Console() = default;
  virtual std::ostream& out() = 0;  // results
  virtual std::ostream& err() = 0;  // errors, warnings and prompts
  // True when stdin is a terminal, so a person can be asked for input.
  virtual bool Interactive() = 0;
  // Reads stdin to its end (for --password-stdin). kLocal error when it cannot be read.
  virtual ApiResult<std::string> ReadStdin() = 0;
  // Shows `prompt` on stderr and reads one line from the terminal, without echo when `secret`.
  // Precondition: Interactive(). The line is returned without its line ending.
  virtual ApiResult<std::string> Prompt(std::string_view prompt, bool secret) = 0;
};

// The process's stdin, stdout and stderr; secret prompts turn echo off with termios and restore
// it afterwards, also when interrupted with Ctrl-C.
class TerminalConsole final : public Console {
 public:
  std::ostream& out() override;
  std::ostream& err() override;
  bool Interactive() override;
  ApiResult<std::string> ReadStdin() override;
  ApiResult<std::string> Prompt(std::string_view prompt, bool secret) override;
};

// Drops one trailing "\n" or "\r\n" (what `echo` or a text editor adds after a password).
std::string TrimLineEnding(std::string text);

}  // namespace sluice::cli
