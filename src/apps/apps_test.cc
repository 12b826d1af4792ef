// The applications API through the dispatcher: creation, validation, versions, permissions.
#include "apps/apps.h"

#include <gtest/gtest.h>

#include "system/system_test_fixture.h"

namespace sluice::apps {
namespace {

using system::testing::Answer;

class AppsTest : public system::testing::SystemTest {
 protected:
  void SetUp() override {
    SystemTest::SetUp();
    service_ = std::make_unique<AppService>(*db_, clock_);
    service_->RegisterRoutes(router_, module_->guard());
    auto env = db_->Query(
        "INSERT INTO flink_envs (name, home, version, config_file, config_text, description, "
        "is_default, created_at, updated_at) VALUES ('flink', '/opt/flink', '1.20.5', "
        "'config.yaml', '', '', 1, 0, 0) RETURNING id");
    ASSERT_TRUE(env.ok());
    env_id_ = env->Int(0, "id");
    auto cluster = db_->Query(
        "INSERT INTO clusters (name, kind, flink_env_id, addresses, config, state, "
        "state_changed_at, created_at, updated_at) VALUES ('local', 'managed', ?, '[]', '{}', "
        "'RUNNING', 0, 0, 0) RETURNING id",
        {env_id_});
    ASSERT_TRUE(cluster.ok());
    cluster_id_ = cluster->Int(0, "id");
    team_ = AddTeam("data");
  }

  Json SqlApp(const std::string& name, int64_t team) {
    return {{"name", name},
            {"team_id", team},
            {"kind", "sql"},
            {"target", {{"mode", "session"}, {"cluster_id", cluster_id_}}},
            {"sql", "INSERT INTO sink SELECT * FROM source;"}};
  }
  std::string AppPath(int64_t id, const std::string& suffix = "") {
    return "/api/v1/apps/" + std::to_string(id) + suffix;
  }

  std::unique_ptr<AppService> service_;
  int64_t env_id_ = 0;
  int64_t cluster_id_ = 0;
  int64_t team_ = 0;
};

TEST_F(AppsTest, CreatesASqlAppAsVersionOneWithDefaultsFilledIn) {
  Answer created = Call("POST", "/api/v1/apps", SqlApp("orders", team_), AdminToken());
  ASSERT_EQ(created.status, 201) << created.body;
  const Json& app = created.json;
  EXPECT_EQ(app["state"], "NEW");
  EXPECT_EQ(app["draft_version"], 1);
  EXPECT_TRUE(app["version"].is_null());  // nothing deployed yet
  EXPECT_TRUE(app["operation"].is_null());
  EXPECT_EQ(app["flink_env_id"], env_id_);  // the default environment
  EXPECT_EQ(app["parallelism"], 1);
  EXPECT_EQ(app["options"], Json::object());
  EXPECT_EQ(app["dependencies"]["maven"], Json::array());
  EXPECT_EQ(app["target"]["cluster_id"], cluster_id_);
  EXPECT_EQ(CountRows("app_versions"), 1);
}

TEST_F(AppsTest, CreatesAJarAppWithDependencies) {
  Json body = {
      {"name", "etl"},
      {"team_id", team_},
      {"kind", "jar"},
      {"target", {{"mode", "application"}}},
      {"jar", {{"resource_id", 3}, {"main_class", "com.acme.Etl"}, {"args", {"--x", "1"}}}},
      {"dependencies",
       {{"maven",
         {{{"group", "com.mysql"},
           {"artifact", "mysql-connector-j"},
           {"version", "8.4.0"},
           {"exclusions", {"com.google.protobuf:protobuf-java"}}}}},
        {"resources", {7}}}},
      {"parallelism", 4},
      {"options", {{"taskmanager.numberOfTaskSlots", 2}}},
      {"config_yaml", "execution.checkpointing.interval: 10 s\n"},
      {"dynamic_properties", "-Dstate.backend.incremental=true\n\n# a comment\n"}};
  Answer created = Call("POST", "/api/v1/apps", body, AdminToken());
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json["jar"]["main_class"], "com.acme.Etl");
  EXPECT_EQ(created.json["options"]["taskmanager.numberOfTaskSlots"], "2");
  EXPECT_EQ(created.json["dependencies"]["maven"][0]["exclusions"][0],
            "com.google.protobuf:protobuf-java");
  EXPECT_TRUE(created.json["sql"].is_null());
}

TEST_F(AppsTest, BadDefinitionsNameTheFieldAndStoreNothing) {
  struct Case {
    Json change;
    std::string field;
    std::string text;
  };
  std::vector<Case> cases = {
      {{{"kind", "python"}}, "kind", "not known"},
      {{{"sql", ""}}, "sql", "needs 'sql'"},
      {{{"jar", {{"resource_id", 1}}}}, "jar", "no 'jar'"},
      {{{"target", {{"mode", "session"}}}}, "target", "cluster_id"},
      {{{"target", {{"mode", "session"}, {"cluster_id", 999}}}}, "target", "no cluster"},
      {{{"target", {{"mode", "yarn"}}}}, "target", "not known"},
      {{{"flink_env_id", 999}}, "flink_env_id", "no Flink environment"},
      {{{"parallelism", 0}}, "parallelism", "1 to 100000"},
      {{{"options", {{"bad key", "1"}}}}, "options", "not valid"},
      {{{"config_yaml", "a: [unclosed\n"}}, "config_yaml", "not valid"},
      {{{"dynamic_properties", "-Da=1\nstate.backend=rocksdb\n"}}, "dynamic_properties", "line 2"},
      {{{"dynamic_properties", "-Da=1\n-Db=x\ny\n"}}, "dynamic_properties", "line 3"},
      {{{"dependencies", {{"maven", {{{"group", "a<b>"}, {"artifact", "x"}, {"version", "1"}}}}}}},
       "dependencies",
       "group"},
      {{{"dependencies", {{"maven", {{{"group", "a"}, {"artifact", "x"}}}}}}},
       "dependencies",
       "needs 'version'"},
      {{{"tags", {std::string(40, 't')}}}, "tags", "1 to 32"},
      {{{"restart_policy", {{"max_restarts", -1}, {"window_minutes", 10}}}},
       "restart_policy.max_restarts",
       "0 to 1000"},
      {{{"name", "has space"}}, "name", "1 to 64"},
  };
  for (const Case& c : cases) {
    Json body = SqlApp("orders", team_);
    for (const auto& [key, value] : c.change.items()) body[key] = value;
    Answer answer = Call("POST", "/api/v1/apps", body, AdminToken());
    EXPECT_EQ(answer.status, 400) << c.change.dump() << " -> " << answer.body;
    EXPECT_EQ(answer.json["error"]["field"], c.field) << answer.body;
    EXPECT_NE(answer.json["error"]["message"].get<std::string>().find(c.text), std::string::npos)
        << answer.body;
  }
  EXPECT_EQ(CountRows("apps"), 0);
  EXPECT_EQ(CountRows("app_versions"), 0);
}

TEST_F(AppsTest, OnlyDefinitionChangesMakeVersionsAndOldOnesCanBeRestored) {
  Answer created = Call("POST", "/api/v1/apps", SqlApp("orders", team_), AdminToken());
  int64_t id = created.json["id"];
  Answer renamed = Call("PATCH", AppPath(id), {{"description", "the orders job"}}, AdminToken());
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_EQ(renamed.json["draft_version"], 1);  // not a definition change
  Answer same =
      Call("PATCH", AppPath(id), {{"sql", "INSERT INTO sink SELECT * FROM source;"}}, AdminToken());
  EXPECT_EQ(same.json["draft_version"], 1);  // the same SQL again
  Answer changed = Call("PATCH", AppPath(id),
                        {{"sql", "INSERT INTO sink SELECT id FROM source;"}, {"note", "only ids"}},
                        AdminToken());
  ASSERT_EQ(changed.status, 200) << changed.body;
  EXPECT_EQ(changed.json["draft_version"], 2);
  Answer tuned = Call("PATCH", AppPath(id), {{"parallelism", 3}}, AdminToken());
  EXPECT_EQ(tuned.json["draft_version"], 3);
  EXPECT_EQ(tuned.json["sql"], "INSERT INTO sink SELECT id FROM source;");  // kept

  Answer versions = Call("GET", AppPath(id, "/versions"), nullptr, AdminToken());
  ASSERT_EQ(versions.json["total"], 3);
  EXPECT_EQ(versions.json["items"][0]["version"], 3);
  EXPECT_EQ(versions.json["items"][0]["draft"], true);
  EXPECT_EQ(versions.json["items"][1]["note"], "only ids");
  EXPECT_EQ(versions.json["items"][2]["created_by"], "admin");

  Answer first = Call("GET", AppPath(id, "/versions/1"), nullptr, AdminToken());
  EXPECT_EQ(first.json["sql"], "INSERT INTO sink SELECT * FROM source;");
  EXPECT_EQ(first.json["parallelism"], 1);
  Answer restored = Call("POST", AppPath(id, "/versions/1/restore"), nullptr, AdminToken());
  ASSERT_EQ(restored.status, 200) << restored.body;
  EXPECT_EQ(restored.json["draft_version"], 4);
  EXPECT_EQ(restored.json["sql"], "INSERT INTO sink SELECT * FROM source;");
  EXPECT_EQ(Call("GET", AppPath(id, "/versions/1"), nullptr, AdminToken()).json["sql"],
            "INSERT INTO sink SELECT * FROM source;");  // history is never rewritten
  Answer missing = Call("GET", AppPath(id, "/versions/99"), nullptr, AdminToken());
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.code(), "APP_VERSION_NOT_FOUND");
  Answer kind = Call("PATCH", AppPath(id), {{"jar", {{"resource_id", 1}}}}, AdminToken());
  EXPECT_EQ(kind.status, 400);
  EXPECT_EQ(Call("GET", AppPath(id, "/versions"), nullptr, AdminToken()).json["total"], 4);
}

TEST_F(AppsTest, TeamsSeeAndChangeOnlyTheirOwnApps) {
  int64_t other_team = AddTeam("other");
  int64_t dev = AddUser("dev");
  int64_t viewer = AddUser("viewer");
  int64_t outsider = AddUser("outsider");
  AddMember(team_, dev, "developer");
  AddMember(team_, viewer, "viewer");
  AddMember(other_team, outsider, "owner");
  std::string dev_token = Login("dev");
  std::string viewer_token = Login("viewer");
  std::string outsider_token = Login("outsider");

  Answer created = Call("POST", "/api/v1/apps", SqlApp("orders", team_), dev_token);
  ASSERT_EQ(created.status, 201) << created.body;
  int64_t id = created.json["id"];
  EXPECT_EQ(Call("POST", "/api/v1/apps", SqlApp("x", team_), viewer_token).status, 403);
  Answer not_member = Call("POST", "/api/v1/apps", SqlApp("x", team_), outsider_token);
  EXPECT_EQ(not_member.status, 404);
  EXPECT_EQ(not_member.code(), "TEAM_NOT_FOUND");

  EXPECT_EQ(Call("GET", AppPath(id), nullptr, viewer_token).status, 200);
  EXPECT_EQ(Call("PATCH", AppPath(id), {{"parallelism", 2}}, viewer_token).status, 403);
  Answer hidden = Call("GET", AppPath(id), nullptr, outsider_token);
  EXPECT_EQ(hidden.status, 404);
  EXPECT_EQ(hidden.code(), "APP_NOT_FOUND");
  EXPECT_EQ(Call("GET", "/api/v1/apps", nullptr, outsider_token).json["total"], 0);
  EXPECT_EQ(Call("GET", "/api/v1/apps", nullptr, viewer_token).json["total"], 1);

  // Names are unique within a team, not across teams.
  Answer taken = Call("POST", "/api/v1/apps", SqlApp("orders", team_), dev_token);
  EXPECT_EQ(taken.status, 409);
  EXPECT_EQ(taken.code(), "APP_EXISTS");
  EXPECT_EQ(Call("POST", "/api/v1/apps", SqlApp("orders", other_team), outsider_token).status, 201);
  EXPECT_EQ(Call("GET", "/api/v1/apps?q=ord", nullptr, AdminToken()).json["total"], 2);
  EXPECT_EQ(Call("GET", "/api/v1/apps?team_id=" + std::to_string(other_team), nullptr, AdminToken())
                .json["total"],
            1);

  EXPECT_EQ(Call("DELETE", AppPath(id), nullptr, viewer_token).status, 403);
  EXPECT_EQ(Call("DELETE", AppPath(id), nullptr, dev_token).status, 204);
  EXPECT_EQ(CountRows("app_versions", "app_id = " + std::to_string(id)), 0);
}

}  // namespace
}  // namespace sluice::apps
