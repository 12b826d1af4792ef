// The SQL workbench's speed (docs/performance.md):
//   - lint (split + analysis + every rule, with a connector catalog) of 50-, 500- and 5,000-line
//     scripts: the console lints as the user types, so 500 lines must take 5 ms or less;
//   - migration of the same scripts in their legacy form;
//   - validation by Flink (the runner's --serve mode): the first check after start, and the warm
//     repeat, for every Flink home in SLUICE_BENCH_FLINK_HOMES (colon-separated, with
//     <home>/connectors/*.jar as the dependencies) and SLUICE_BENCH_RUNNER_JAR; left out when
//     they are not set.
//
//   build-bench/sql_bench [--benchmark_filter=Lint]
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>

#include "http/client.h"
#include "sql/analysis.h"
#include "sql/complete.h"
#include "sql/lint.h"
#include "sql/migrate.h"
#include "sql/validator.h"

namespace {

using namespace sluice::sql;

// A script of about `lines` lines: Kafka sources and JDBC sinks of 10 lines each, and INSERTs
// joining them, as a real multi-pipeline script looks.
std::string Script(int lines, bool legacy) {
  std::string out;
  int n = 0, written = 0;
  while (written < lines) {
    std::string i = std::to_string(n++);
    if (legacy) {
      out += "CREATE TABLE src" + i +
             " (\n  id BIGINT,\n  name STRING,\n  amount DOUBLE\n) WITH (\n"
             "  'connector.type' = 'kafka',\n  'connector.version' = 'universal',\n"
             "  'connector.topic' = 'orders" +
             i +
             "',\n"
             "  'connector.properties.bootstrap.servers' = 'kafka:9092',\n"
             "  'update-mode' = 'append',\n  'format.type' = 'json'\n);\n";
    } else {
      out += "CREATE TABLE src" + i +
             " (\n  id BIGINT,\n  name STRING,\n  amount DOUBLE\n) WITH (\n"
             "  'connector' = 'kafka',\n  'topic' = 'orders" +
             i +
             "',\n"
             "  'properties.bootstrap.servers' = '${kafka_servers}',\n  'format' = 'json'\n);\n";
    }
    out += "CREATE TABLE dst" + i +
           " (id BIGINT, total DOUBLE, PRIMARY KEY (id) NOT ENFORCED) WITH (\n"
           "  'connector' = 'jdbc', 'url' = 'jdbc:mysql://db:3306/shop', 'table-name' = 'totals" +
           i + "');\n";
    out += "-- the totals of pipeline " + i + "\nINSERT INTO dst" + i +
           "\nSELECT id, SUM(amount) FROM src" + i + "\nWHERE name <> 'x;y' GROUP BY id;\n";
    written += legacy ? 13 + 2 + 4 : 11 + 2 + 4;
  }
  return out;
}

ConnectorCatalog Catalog() { return BuiltinCatalog(); }

void BM_Lint(benchmark::State& state) {
  std::string sql = Script(static_cast<int>(state.range(0)), false);
  ConnectorCatalog catalog = Catalog();
  LintOptions options;
  options.catalog = &catalog;
  options.variables = std::set<std::string>{"kafka_servers"};
  size_t findings = 0;
  for (auto _ : state) {
    Analysis a = Analyze(sql);
    auto f = Lint(a, options);
    findings = f.size();
    benchmark::DoNotOptimize(f);
  }
  state.counters["lines"] = static_cast<double>(std::count(sql.begin(), sql.end(), '\n'));
  state.counters["findings"] = static_cast<double>(findings);
}
BENCHMARK(BM_Lint)->Arg(50)->Arg(500)->Arg(5000)->Unit(benchmark::kMicrosecond);

void BM_Migrate(benchmark::State& state) {
  std::string sql = Script(static_cast<int>(state.range(0)), true);
  for (auto _ : state) {
    Migration m = Migrate(sql);
    benchmark::DoNotOptimize(m);
  }
  state.counters["lines"] = static_cast<double>(std::count(sql.begin(), sql.end(), '\n'));
}
BENCHMARK(BM_Migrate)->Arg(50)->Arg(500)->Arg(5000)->Unit(benchmark::kMicrosecond);

void BM_Complete(benchmark::State& state) {
  std::string sql = Script(500, false);
  int lines = static_cast<int>(std::count(sql.begin(), sql.end(), '\n'));
  for (auto _ : state) {
    auto r = Complete(sql, lines / 2, 3, nullptr);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_Complete)->Unit(benchmark::kMicrosecond);

// Validation: one pool per Flink home; the first iteration is the first check after start.
void BM_Validate(benchmark::State& state, std::string home, bool warm) {
  static sluice::http::CurlHttpClient client;
  RunnerValidatorOptions options;
  options.runner_jar = std::getenv("SLUICE_BENCH_RUNNER_JAR");
  options.work_dir =
      (std::filesystem::temp_directory_path() / ("sluice-sql-bench-" + std::to_string(::getpid())))
          .string();
  ValidationTarget target;
  target.flink_home = home;
  target.flink_version = std::filesystem::path(home).filename().string().substr(6);
  for (const auto& e :
       std::filesystem::directory_iterator(std::filesystem::path(home) / "connectors"))
    if (e.path().extension() == ".jar") target.jars.push_back(e.path().string());
  std::string sql =
      "CREATE TABLE src (id BIGINT, amount DOUBLE) WITH ('connector' = 'datagen');\n"
      "CREATE TABLE k (id BIGINT, total DOUBLE) WITH ('connector' = 'kafka', 'topic' = 't',\n"
      "  'properties.bootstrap.servers' = '127.0.0.1:1', 'format' = 'json');\n"
      "INSERT INTO k SELECT id, amount * 2 FROM src WHERE amount > 1;\n";
  static std::map<std::string, std::unique_ptr<RunnerValidatorPool>> pools;
  auto& pool = pools[home + (warm ? "#warm" : "#first")];
  for (auto _ : state) {
    if (!warm) {
      state.PauseTiming();
      pool.reset();
      pool = std::make_unique<RunnerValidatorPool>(options, client);
      state.ResumeTiming();
    } else if (!pool) {
      state.PauseTiming();
      pool = std::make_unique<RunnerValidatorPool>(options, client);
      (void)pool->Check(target, sql, false);
      state.ResumeTiming();
    }
    auto r = pool->Check(target, sql, false);
    if (!r.ok() || !r->valid) {
      state.SkipWithError("validation failed");
      break;
    }
  }
  if (!warm) pool.reset();
}

}  // namespace

int main(int argc, char** argv) {
  const char* homes = std::getenv("SLUICE_BENCH_FLINK_HOMES");
  const char* jar = std::getenv("SLUICE_BENCH_RUNNER_JAR");
  if (homes && *homes && jar && *jar) {
    std::stringstream list(homes);
    std::string home;
    while (std::getline(list, home, ':')) {
      if (home.empty()) continue;
      std::string v = std::filesystem::path(home).filename().string();
      benchmark::RegisterBenchmark(("BM_ValidateFirst/" + v).c_str(), BM_Validate, home, false)
          ->Iterations(3)
          ->Unit(benchmark::kMillisecond);
      benchmark::RegisterBenchmark(("BM_ValidateWarm/" + v).c_str(), BM_Validate, home, true)
          ->Iterations(10)
          ->Unit(benchmark::kMillisecond);
    }
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
