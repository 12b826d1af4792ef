// The acceptance scenario of the applications issue, on every provisioned Flink version: the
// mission's user's job. Kafka (KRaft, scripts/provision/kafka.sh) and MariaDB
// (scripts/db/mariadb.sh) run on loopback; a topic receives JSON shaped {"Data": {"uid": "..."}}; a
// SQL app reads it (JSON, a consumer group, earliest offsets) and writes Data.uid into a table with
// a unique key through the JDBC connector. The connectors and the driver are Maven coordinates,
// checkpointing is set in config_yaml, a dynamic property is set, and the database password is a
// secret variable. Deploy; rows arrive; stop with a savepoint; deploy from it; more rows; every
// uid is there.
//
// Both versions write to MariaDB through a jdbc:mysql: URL and Connector/J: Flink 1.20 with the
// JDBC bundle (flink-connector-jdbc 3.3.0-1.20, MySQL dialect included); Flink 2.0 with
// flink-connector-jdbc-core 4.0.0-2.0 and Sluice's own MySQL dialect
// (dev.sluice:sluice-connector-jdbc-mysql, connectors/jdbc-mysql, installed into ~/.m2 by
// scripts/provision/jdbc-mysql.sh), since flink-connector-jdbc-mysql 4.0.0-2.0 is not on the
// mirror.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fixture.h"
#include "flink/flink_home.h"
#include "flink_homes.h"
#include "store/database.h"

namespace sluice::testing {
namespace {

namespace fs = std::filesystem;

// Runs a shell command; answers its stdout (trimmed) and sets *ok.
std::string Shell(const std::string& command, bool* ok) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    *ok = false;
    return out;
  }
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  *ok = ::pclose(pipe) == 0;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

int FreePort() {
  bool ok = false;
  std::string port = Shell(
      "python3 -c 'import socket; s=socket.socket(); s.bind((\"127.0.0.1\",0)); "
      "print(s.getsockname()[1])'",
      &ok);
  return ok ? std::atoi(port.c_str()) : 0;
}

struct Sink {
  std::string url;       // the store URL the test reads with
  std::string jdbc_url;  // what Flink writes to
  std::string user = "sluice";
  std::string password = "sluice";
};

class AcceptanceFlinkTest : public SluiceTest, public ::testing::WithParamInterface<std::string> {
 protected:
  ServerOptions Options() override {
    ServerOptions options;
    const char* runner = std::getenv("SLUICE_TEST_RUNNER_JAR");
    options.extra_args = {"--runner-jar", runner ? runner : ""};
    options.extra_env = {{"SLUICE_TRACKING_INTERVAL_MS", "500"}};
    return options;
  }
  void SetUp() override {
    ASSERT_FALSE(FlinkHomes().empty()) << "SLUICE_TEST_FLINK_HOMES is not set: `make test`";
    const char* runner = std::getenv("SLUICE_TEST_RUNNER_JAR");
    ASSERT_TRUE(runner && fs::exists(runner)) << "SLUICE_TEST_RUNNER_JAR is not set";
    work_ = fs::temp_directory_path() /
            ("sluice-acceptance-" + GetParam() + "-" + std::to_string(::getpid()));
    fs::remove_all(work_);
    fs::create_directories(work_);
    SluiceTest::SetUp();
  }
  void TearDown() override {
    bool ok = false;
    if (cluster_ != 0) {
      (void)admin().Post("/api/v1/clusters/" + std::to_string(cluster_) + "/stop", nullptr);
    }
    if (kafka_port_) {
      Shell(Script("scripts/provision/kafka.sh") + " stop " + (work_ / "kafka").string() + " " +
                std::to_string(kafka_port_) + " >/dev/null 2>&1",
            &ok);
    }
    if (db_port_) {
      Shell(Script("scripts/db/mariadb.sh") + " stop " + (work_ / "db").string() + " " +
                std::to_string(db_port_) + " >/dev/null 2>&1",
            &ok);
    }
    SluiceTest::TearDown();
    if (!HasFailure()) fs::remove_all(work_);
  }
  static std::string Script(const std::string& relative) {
    return std::string(SLUICE_SOURCE_DIR) + "/" + relative;
  }
  std::string Home() const { return FlinkHomeOfVersion(GetParam()); }
  void Scenario(bool legacy);
  Json App(int64_t id) { return admin().Get("/api/v1/apps/" + std::to_string(id)).json(); }
  Json Act(int64_t app, const std::string& action, const Json& body) {
    HttpResult accepted = admin().Post("/api/v1/apps/" + std::to_string(app) + action, body);
    EXPECT_EQ(accepted.status, 202) << accepted.body;
    int64_t op = accepted.json().value("id", int64_t{0});
    Json done;
    EXPECT_TRUE(WaitFor(
        [&] {
          done = admin().Get("/api/v1/operations/" + std::to_string(op)).json();
          return done.value("state", "") == "SUCCEEDED" || done.value("state", "") == "FAILED";
        },
        std::chrono::minutes(5)))
        << done.dump();
    return done;
  }
  void Produce(int from, int to) {
    std::string file = (work_ / ("messages-" + std::to_string(from) + ".json")).string();
    {
      std::ofstream out(file);
      for (int i = from; i < to; ++i) out << "{\"Data\": {\"uid\": \"user-" << i << "\"}}\n";
    }
    bool ok = false;
    std::string output =
        Shell(Script("scripts/provision/kafka.sh") +
                  " tool kafka.tools.ConsoleProducer "
                  "--bootstrap-server 127.0.0.1:" +
                  std::to_string(kafka_port_) + " --topic events < " + file + " 2>&1",
              &ok);
    ASSERT_TRUE(ok) << output;
  }
  int64_t Rows() {
    auto db = store::OpenDatabase(sink_.url);
    if (!db.ok()) return -1;
    auto rows = (*db)->Query("SELECT COUNT(DISTINCT uid) AS n FROM users");
    return rows.ok() ? rows->Int(0, "n") : -1;
  }

  fs::path work_;
  int kafka_port_ = 0;
  int db_port_ = 0;
  Sink sink_;
  int64_t cluster_ = 0;
};

// `legacy`: the SQL workbench's variant (issue 8): the user's script with legacy connector.type
// options is refused at deploy with the suggested rewrite, migrated through POST
// /api/v1/sql/migrate, and the migrated app then runs the same scenario.
void AcceptanceFlinkTest::Scenario(bool legacy) {
  std::string home = Home();
  ASSERT_FALSE(home.empty()) << "no Flink " << GetParam();
  const bool flink2 = GetParam().rfind("2.", 0) == 0;

  // ---- Kafka and the database on loopback
  bool ok = false;
  auto start_kafka = [&] {
    kafka_port_ = FreePort();
    return Shell(Script("scripts/provision/kafka.sh") + " start " + (work_ / "kafka").string() +
                     " " + std::to_string(kafka_port_) + " 2>&1",
                 &ok);
  };
  std::string kafka = start_kafka();
  if (!ok) {
    // Ports are picked before the broker binds them, so another process on the machine may take
    // one in between; the broker then exits at start-up. One more try, on new ports, says
    // whether it is that (the first failure's words are kept for the message).
    std::string first = kafka;
    kafka = first + "\n--- second try ---\n" + start_kafka();
  }
  ASSERT_TRUE(ok) << kafka;
  std::string topic =
      Shell(Script("scripts/provision/kafka.sh") +
                " tool org.apache.kafka.tools.TopicCommand --bootstrap-server "
                "127.0.0.1:" +
                std::to_string(kafka_port_) + " --create --topic events --partitions 2 2>&1",
            &ok);
  ASSERT_TRUE(ok) << topic;
  db_port_ = FreePort();
  std::string db_url = Shell(Script("scripts/db/mariadb.sh") + " start " + (work_ / "db").string() +
                                 " " + std::to_string(db_port_) + " | tail -1",
                             &ok);
  ASSERT_TRUE(ok) << db_url;
  sink_.url = db_url;
  sink_.jdbc_url = "jdbc:mysql://127.0.0.1:" + std::to_string(db_port_) + "/sluice";
  {
    auto db = store::OpenDatabase(sink_.url);
    ASSERT_TRUE(db.ok()) << db.error().message;
    ASSERT_TRUE((*db)->Query("CREATE TABLE users (uid VARCHAR(64) NOT NULL PRIMARY KEY)").ok());
  }

  // ---- Flink, a managed cluster, the secret variable
  HttpResult env = admin().Post("/api/v1/flink-envs", {{"name", "flink"}, {"home", home}});
  ASSERT_EQ(env.status, 201) << env.body;
  HttpResult cluster =
      admin().Post("/api/v1/clusters", {{"name", "local"},
                                        {"kind", "managed"},
                                        {"flink_env_id", env.json()["id"]},
                                        {"config",
                                         {{"taskmanager.numberOfTaskSlots", 4},
                                          {"jobmanager.memory.process.size", "1024m"},
                                          {"taskmanager.memory.process.size", "1536m"}}}});
  ASSERT_EQ(cluster.status, 201) << cluster.body;
  cluster_ = cluster.json()["id"];
  std::string cluster_path = "/api/v1/clusters/" + std::to_string(cluster_);
  ASSERT_EQ(admin().Post(cluster_path + "/start", nullptr).status, 202);
  int64_t team = admin().Get("/api/v1/teams").json()["items"][0]["id"];
  HttpResult variable = admin().Post(
      "/api/v1/variables",
      {{"team_id", team}, {"name", "db_password"}, {"value", sink_.password}, {"secret", true}});
  ASSERT_EQ(variable.status, 201) << variable.body;

  // ---- the app: connectors as Maven coordinates, checkpointing in YAML, a dynamic property
  Json maven = Json::array();
  auto add = [&](const std::string& group, const std::string& artifact,
                 const std::string& version) {
    maven.push_back(
        {{"group", group},
         {"artifact", artifact},
         {"version", version},
         {"exclusions",
          {"org.apache.flink:flink-core", "org.apache.flink:flink-table-common",
           "org.apache.flink:flink-streaming-java", "org.slf4j:*", "org.apache.logging.log4j:*"}}});
  };
  if (flink2) {
    add("org.apache.flink", "flink-sql-connector-kafka", "4.0.1-2.0");
    add("org.apache.flink", "flink-connector-jdbc-core", "4.0.0-2.0");
    add("dev.sluice", "sluice-connector-jdbc-mysql", "1.0.0-2.0");
  } else {
    add("org.apache.flink", "flink-connector-kafka", "3.4.0-1.20");
    add("org.apache.flink", "flink-connector-jdbc", "3.3.0-1.20");
  }
  add("com.mysql", "mysql-connector-j", "8.4.0");
  std::string sql =
      "CREATE TABLE events (\n"
      "  `Data` ROW<uid STRING>\n"
      ") WITH (\n"
      "  'connector' = 'kafka',\n"
      "  'topic' = 'events',\n"
      "  'properties.bootstrap.servers' = '127.0.0.1:" +
      std::to_string(kafka_port_) +
      "',\n"
      "  'properties.group.id' = 'sluice-acceptance',\n"
      "  'scan.startup.mode' = 'earliest-offset',\n"
      "  'format' = 'json'\n"
      ");\n"
      "CREATE TABLE users (\n"
      "  uid STRING,\n"
      "  PRIMARY KEY (uid) NOT ENFORCED\n"
      ") WITH (\n"
      "  'connector' = 'jdbc',\n"
      "  'url' = '" +
      sink_.jdbc_url +
      "',\n"
      "  'table-name' = 'users',\n"
      "  'username' = '" +
      sink_.user +
      "',\n"
      "  'password' = '${db_password}',\n"
      "  'sink.buffer-flush.interval' = '1s'\n"
      ");\n"
      "INSERT INTO users SELECT `Data`.uid FROM events;\n";
  std::string migrated_sql;
  if (legacy) {
    // The user's script, shaped exactly like theirs (mission.md, issue 8).
    migrated_sql = sql;
    sql =
        "CREATE TABLE events (\n"
        "  `Data` ROW<uid STRING>\n"
        ") WITH (\n"
        "  'connector.type' = 'kafka',\n"
        "  'connector.version' = 'universal',\n"
        "  'connector.topic' = 'events',\n"
        "  'connector.properties.bootstrap.servers' = '127.0.0.1:" +
        std::to_string(kafka_port_) +
        "',\n"
        "  'connector.properties.group.id' = 'sluice-acceptance',\n"
        "  'connector.startup-mode' = 'earliest-offset',\n"
        "  'update-mode' = 'append',\n"
        "  'format.type' = 'json',\n"
        "  'format.derive-schema' = 'true'\n"
        ");\n"
        "CREATE TABLE users (\n"
        "  uid STRING,\n"
        "  PRIMARY KEY (uid) NOT ENFORCED\n"
        ") WITH (\n"
        "  'connector.type' = 'jdbc',\n"
        "  'connector.url' = '" +
        sink_.jdbc_url +
        "',\n"
        "  'connector.table' = 'users',\n"
        "  'connector.username' = '" +
        sink_.user +
        "',\n"
        "  'connector.password' = '${db_password}',\n"
        "  'connector.write.flush.max-rows' = '100',\n"
        "  'connector.write.flush.interval' = '1s',\n"
        "  'connector.write.max-retries' = '3'\n"
        ");\n"
        "INSERT INTO users SELECT `Data`.uid FROM events;\n";
    HttpResult lint = admin().Post("/api/v1/sql/lint", {{"sql", sql}});
    ASSERT_EQ(lint.status, 200) << lint.body;
    EXPECT_NE(lint.body.find("legacy-options"), std::string::npos) << lint.body;
    HttpResult migrated = admin().Post("/api/v1/sql/migrate", {{"sql", sql}});
    ASSERT_EQ(migrated.status, 200) << migrated.body;
    ASSERT_TRUE(migrated.json().value("changed", false)) << migrated.body;
    EXPECT_TRUE(migrated.json()["findings"].empty()) << migrated.body;
    migrated_sql = migrated.json()["sql"].get<std::string>();
    EXPECT_EQ(migrated_sql.find("connector."), std::string::npos) << migrated_sql;
  }
  HttpResult app_created = admin().Post(
      "/api/v1/apps", {{"name", "users-from-kafka"},
                       {"team_id", team},
                       {"kind", "sql"},
                       {"target", {{"mode", "session"}, {"cluster_id", cluster_}}},
                       {"sql", sql},
                       {"dependencies", {{"maven", maven}}},
                       {"config_yaml", "execution:\n  checkpointing:\n    interval: 2s\n"},
                       {"dynamic_properties", "-Dstate.backend.incremental=true\n"}});
  ASSERT_EQ(app_created.status, 201) << app_created.body;
  int64_t app = app_created.json()["id"];
  ASSERT_TRUE(
      WaitFor([&] { return admin().Get(cluster_path).json().value("state", "") == "RUNNING"; },
              std::chrono::minutes(3)));

  if (!legacy) {
    // The SQL workbench with the app's own jars (resolved from its Maven coordinates; on 2.0
    // Sluice's MySQL dialect among them): the lint judges the WITH options against the factories
    // read from those jars and finds nothing wrong, and Flink validates the script (planning the
    // INSERT loads the dialect for the jdbc:mysql: URL).
    Json request = {{"sql", sql}, {"app_id", app}, {"flink_env_id", env.json()["id"]}};
    Json linted;
    ASSERT_TRUE(WaitFor(
        [&] {
          HttpResult r = admin().Post("/api/v1/sql/lint", request);
          linted = r.status == 200 ? r.json() : Json::object();
          return linted.value("connectors_checked", false);
        },
        std::chrono::minutes(2)))
        << linted.dump();
    for (const auto& f : linted["findings"]) {
      EXPECT_NE(f.value("severity", ""), "error") << f.dump();
      EXPECT_NE(f.value("severity", ""), "warning") << f.dump();
    }
    HttpResult validated = admin().Post("/api/v1/sql/validate", request);
    ASSERT_EQ(validated.status, 200) << validated.body;
    EXPECT_TRUE(validated.json().value("valid", false)) << validated.body;
  }
  if (legacy) {
    // Legacy SQL does not deploy: the answer carries the rewrite. Then the migrated script does.
    Json refused = Act(app, "/deploy", Json::object());
    ASSERT_EQ(refused.value("state", ""), "FAILED") << refused.dump();
    EXPECT_NE(refused.dump().find("legacy connector.type options"), std::string::npos)
        << refused.dump();
    EXPECT_NE(refused.dump().find("'connector' = 'kafka'"), std::string::npos) << refused.dump();
    HttpResult patched = admin().Patch("/api/v1/apps/" + std::to_string(app),
                                       {{"sql", migrated_sql}, {"note", "migrated"}});
    ASSERT_EQ(patched.status, 200) << patched.body;
  }
  Produce(0, 100);
  Json deployed = Act(app, "/deploy", Json::object());
  ASSERT_EQ(deployed.value("state", ""), "SUCCEEDED") << deployed.dump();
  ASSERT_TRUE(
      WaitFor([&] { return App(app).value("state", "") == "RUNNING"; }, std::chrono::seconds(90)))
      << App(app).dump();
  ASSERT_TRUE(WaitFor([&] { return Rows() == 100; }, std::chrono::seconds(120)))
      << "rows: " << Rows() << " " << App(app).dump();
  Produce(100, 150);
  ASSERT_TRUE(WaitFor([&] { return Rows() == 150; }, std::chrono::seconds(60))) << Rows();

  // The password never shows: not in the app, its versions, its start log or its events.
  HttpResult log = admin().Get("/api/v1/apps/" + std::to_string(app) + "/logs/start");
  EXPECT_EQ(log.body.find("'" + sink_.password + "'"), std::string::npos);
  EXPECT_EQ(admin().Get("/api/v1/variables").body.find("\"" + sink_.password + "\""),
            std::string::npos);

  // ---- stop with a savepoint, produce while it is stopped, deploy from the savepoint
  Json stopped = Act(app, "/stop", {{"savepoint", true}});
  ASSERT_EQ(stopped.value("state", ""), "SUCCEEDED") << stopped.dump();
  Produce(150, 200);
  Json again = Act(app, "/deploy", {{"restore", "latest"}});
  ASSERT_EQ(again.value("state", ""), "SUCCEEDED") << again.dump();
  EXPECT_EQ(again["result"]["restored_from"], stopped["result"]["savepoint"]);
  ASSERT_TRUE(
      WaitFor([&] { return App(app).value("state", "") == "RUNNING"; }, std::chrono::seconds(90)));
  Produce(200, 250);
  // Every uid, none missing (the unique key makes a replayed message harmless).
  ASSERT_TRUE(WaitFor([&] { return Rows() == 250; }, std::chrono::seconds(120))) << Rows();

  Json cancelled = Act(app, "/stop", Json::object());
  EXPECT_EQ(cancelled.value("state", ""), "SUCCEEDED") << cancelled.dump();
}

TEST_P(AcceptanceFlinkTest, KafkaToDatabaseWithMavenConnectorsAndASavepointInBetween) {
  Scenario(false);
}

TEST_P(AcceptanceFlinkTest, LegacySqlMigratedThroughTheApiRunsKafkaToDatabase) { Scenario(true); }

INSTANTIATE_TEST_SUITE_P(Versions, AcceptanceFlinkTest, ::testing::Values("1.20.5", "2.0.2"));

}  // namespace
}  // namespace sluice::testing
