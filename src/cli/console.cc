#include "cli/console.h"

#include <termios.h>
#include <unistd.h>

#include <csignal>
#include <iostream>
#include <iterator>

namespace sluice::cli {

namespace {

// The terminal settings to put back if a signal arrives while echo is off.
struct termios g_saved_termios;
volatile sig_atomic_t g_echo_off = 0;

extern "C" void RestoreEchoAndReraise(int signal_number) {
  if (g_echo_off) ::tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_termios);
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

// Turns terminal echo off for its lifetime.
class EchoOff {
 public:
  EchoOff() {
    if (::tcgetattr(STDIN_FILENO, &g_saved_termios) != 0) return;
    struct termios quiet = g_saved_termios;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    for (int s : {SIGINT, SIGTERM, SIGQUIT, SIGHUP})
      old_[Index(s)] = ::signal(s, RestoreEchoAndReraise);
    if (::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0) g_echo_off = 1;
  }
  ~EchoOff() {
    if (g_echo_off) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved_termios);
    g_echo_off = 0;
    for (int s : {SIGINT, SIGTERM, SIGQUIT, SIGHUP}) {
      if (old_[Index(s)] != nullptr) ::signal(s, old_[Index(s)]);
    }
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  static int Index(int s) { return s == SIGINT ? 0 : s == SIGTERM ? 1 : s == SIGQUIT ? 2 : 3; }
  using Handler = void (*)(int);
  Handler old_[4] = {nullptr, nullptr, nullptr, nullptr};
};

}  // namespace

std::string TrimLineEnding(std::string text) {
  if (text.ends_with("\n")) text.pop_back();
  if (text.ends_with("\r")) text.pop_back();
  return text;
}

std::ostream& TerminalConsole::out() { return std::cout; }
std::ostream& TerminalConsole::err() { return std::cerr; }

bool TerminalConsole::Interactive() { return ::isatty(STDIN_FILENO) == 1; }

ApiResult<std::string> TerminalConsole::ReadStdin() {
  std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  if (std::cin.bad()) return ApiError::Local("cannot read stdin");
  return text;
}

ApiResult<std::string> TerminalConsole::Prompt(std::string_view prompt, bool secret) {
  std::cerr << prompt << std::flush;
  std::string line;
  bool got;
  if (secret) {
    EchoOff echo_off;
    got = static_cast<bool>(std::getline(std::cin, line));
  } else {
    got = static_cast<bool>(std::getline(std::cin, line));
  }
  if (!got) {
    std::cerr << "\n";
    return ApiError::Usage("no input");
  }
  return TrimLineEnding(std::move(line));
}

}  // namespace sluice::cli
