// Fake Flink homes for unit tests: the layout InspectFlinkHome checks (bin/flink, one
// lib/flink-dist jar, a configuration file), and optionally JobManager and TaskManager scripts
// that run a harmless long-lived process whose command line names its configuration folder,
// so process supervision can be tested without a JVM. Header-only.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

namespace sluice::flink::testing {

class FakeFlinkHome {
 public:
  FakeFlinkHome(const std::string& version, const std::string& config_file,
                const std::string& config_text) {
    static std::atomic<int> counter{0};
    root_ = std::filesystem::path(::testing::TempDir()) /
            ("sluice-fake-flink-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(root_);
    Write("bin/flink", "#!/bin/sh\necho \"Version: " + version + "\"\n", true);
    Write("lib/flink-dist-" + version + ".jar", "");
    Write("conf/" + config_file, config_text);
    Write("conf/log4j-console.properties", "# log4j\n");
  }
  ~FakeFlinkHome() { std::filesystem::remove_all(root_); }

  // bin/jobmanager.sh and bin/taskmanager.sh that stay alive until killed, like Flink's.
  void AddLongRunningScripts() {
    const std::string script =
        "#!/bin/sh\n"
        "exec tail -f \"$FLINK_CONF_DIR/log4j-console.properties\"\n";
    Write("bin/jobmanager.sh", script, true);
    Write("bin/taskmanager.sh", script, true);
  }

  void Write(const std::string& relative, const std::string& text, bool executable = false) {
    auto path = root_ / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
    if (executable) ::chmod(path.c_str(), 0755);
  }

  std::string path() const { return root_.string(); }

 private:
  std::filesystem::path root_;
};

}  // namespace sluice::flink::testing
