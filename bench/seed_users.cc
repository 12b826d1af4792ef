// Seeds a Sluice store with N users (all members of team "default") for the list benchmark,
// straight through the store library: creating them over the API would hash N passwords.
//
//   build-bench/seed_users --db sqlite:///tmp/x/sluice.db --count 10000
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/clock.h"
#include "store/database.h"
#include "store/migrations.h"

int main(int argc, char** argv) {
  std::string db_url;
  int count = 10000;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--db") == 0) db_url = argv[i + 1];
    if (std::strcmp(argv[i], "--count") == 0) count = std::atoi(argv[i + 1]);
  }
  if (db_url.empty() || count <= 0) {
    std::fprintf(stderr, "usage: seed_users --db URL --count N\n");
    return 2;
  }
  auto db = sluice::store::OpenDatabase(db_url);
  if (!db.ok()) {
    std::fprintf(stderr, "seed_users: %s\n", db.error().message.c_str());
    return 1;
  }
  sluice::SystemClock& clock = sluice::SystemClock::Instance();
  auto migrated = sluice::store::Migrate(**db, sluice::store::SchemaMigrations(), clock);
  if (!migrated.ok()) {
    std::fprintf(stderr, "seed_users: %s\n", migrated.error().message.c_str());
    return 1;
  }
  int64_t now = sluice::ToUnixMillis(clock.Now());
  sluice::Status status = (*db)->Transaction([&](sluice::store::Connection& c) -> sluice::Status {
    for (int i = 0; i < count; ++i) {
      using sluice::store::Value;
      // The hash is not a valid argon2 string: these users cannot log in, which is the point.
      auto inserted = c.Query(
          "INSERT INTO users (username, display_name, email, password_hash, is_admin, disabled, "
          "created_at, updated_at) VALUES (?, ?, ?, ?, 0, 0, ?, ?)",
          {Value("bench-user-" + std::to_string(i)), Value("Bench User " + std::to_string(i)),
           Value("bench" + std::to_string(i) + "@example.com"), Value("!seeded"), Value(now),
           Value(now)});
      if (!inserted.ok()) return std::move(inserted).error();
    }
    return sluice::Status::Ok();
  });
  if (!status.ok()) {
    std::fprintf(stderr, "seed_users: %s (%s)\n", status.error().message.c_str(),
                 status.error().internal_detail.c_str());
    return 1;
  }
  std::printf("seeded %d users\n", count);
  return 0;
}
