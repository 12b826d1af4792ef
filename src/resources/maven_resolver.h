// Dependencies of Flink jobs given as Maven coordinates: parsing them, resolving them to jar files
// with Maven itself, caching the result, and finding two versions of one library among a job's
// jars.
//
// Sluice never resolves Maven dependencies itself: MvnResolver writes a throw-away pom listing the
// coordinates (with their exclusions) and a settings.xml that sends every request to one
// repository, and runs `mvn ... dependency:list` as a child process. Maven downloads what is
// missing into the local repository and lists every file it resolved; Sluice copies those files
// into a cache folder keyed by the request, with a JSON manifest next to them, so the same request
// later is answered from the cache without starting Maven.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "flink/process.h"

namespace sluice::resources {

// ---------------------------------------------------------------------------------------------
// Coordinates

// One Maven artifact. Every part holds only the characters Maven allows in ids, [A-Za-z0-9_.-]
// (so nothing can break out of the pom it is written into, or interpolate a ${property}), is not
// empty, and does not start with '.'. Exclusion parts may also be "*".
struct MavenCoordinate {
  std::string group;
  std::string artifact;
  std::string version;  // a fixed version: ranges ("[1.0,2.0)") are refused by the character rule
  std::optional<std::string> classifier;  // e.g. "tests"; nullopt: none (never "")
  std::string extension = "jar";          // written as the dependency's <type>
  // Artifacts left out of this one's transitive dependencies, as (group, artifact); either may
  // be "*" (Maven 3.2.1+ wildcards).
  std::vector<std::pair<std::string, std::string>> exclusions;
  // Whether this coordinate's own dependencies are resolved too; nullopt: the request's
  // ResolveOptions::transitive. (Non-transitive is written as the exclusion *:*.)
  std::optional<bool> transitive;

  // Maven's short form, which ParseCoordinate reads back: "g:a:v" for a jar without classifier,
  // "g:a:ext:v" for another extension, "g:a:ext:classifier:v" with a classifier. Exclusions and
  // transitivity are not part of it.
  std::string ToString() const;

  friend bool operator==(const MavenCoordinate&, const MavenCoordinate&) = default;
};

// Parses Maven's own artifact format (that of `mvn dependency:get -Dartifact=...` and Aether's
// DefaultArtifact):
//   group:artifact:version                         e.g. com.mysql:mysql-connector-j:8.4.0
//   group:artifact:extension:version               e.g. org.example:bundle:zip:1.2
//   group:artifact:extension:classifier:version
//                                  e.g. org.apache.flink:flink-core:jar:tests:1.20.0
// Surrounding whitespace is ignored. Note that four parts are group:artifact:EXTENSION:version, as
// in Maven; "g:a:v:classifier" is not a form Maven knows, and a four-part text whose third part
// starts with a digit is refused with a hint to write g:a:jar:classifier:v.
// Errors: INVALID_ARGUMENT (field "coordinate") naming the bad part (group, artifact, version,
// extension, classifier), the character that is not allowed, or the wrong number of parts.
Result<MavenCoordinate> ParseCoordinate(std::string_view text);

// Parses an exclusion "group:artifact", where artifact (or both parts) may be "*".
// Errors: INVALID_ARGUMENT (field "exclusion") naming the bad part.
Result<std::pair<std::string, std::string>> ParseExclusion(std::string_view text);

// The checks of ParseCoordinate and ParseExclusion applied to a coordinate built by hand
// (every part, the classifier when set, every exclusion). Errors: INVALID_ARGUMENT (field
// "coordinate" or "exclusion").
Status ValidateCoordinate(const MavenCoordinate& coordinate);

// ---------------------------------------------------------------------------------------------
// Resolution

inline constexpr std::string_view kMavenCentral = "https://repo.maven.apache.org/maven2";
// The maven-dependency-plugin Sluice runs, pinned so that Maven never looks up "the latest".
inline constexpr std::string_view kDependencyPlugin =
    "org.apache.maven.plugins:maven-dependency-plugin:3.8.1";

struct ResolveOptions {
  // The one repository Maven may use: written as the pom's <repositories> entry and as a mirror
  // of "*" in the generated settings.xml, so plugins and every dependency come from here too and
  // nothing else is contacted. http, https or file URL without user:password.
  std::string repository_url = std::string(kMavenCentral);
  // Maven's local repository (its download cache); "": $HOME/.m2/repository.
  std::string local_repository;
  // Where resolved jars are kept: one folder per request under it (created when missing).
  // Required.
  std::string cache_dir;
  // Default for coordinates whose `transitive` is unset.
  bool transitive = true;
  // Limit for the Maven run (not for waiting on another run of the same resolver).
  std::chrono::milliseconds timeout{std::chrono::minutes(5)};
  // The scopes whose artifacts are part of the result: "compile" and/or "runtime". The requested
  // coordinates themselves are compile scope; "runtime" adds the dependencies needed only to run
  // (e.g. JDBC drivers of a library).
  std::vector<std::string> scopes = {"compile", "runtime"};
  // Resolve with Maven even when the cache holds the answer, and replace it. A request naming a
  // -SNAPSHOT version is always resolved afresh.
  bool refresh = false;
  // When it becomes true, a running Maven is killed and Resolve fails. May be null.
  const std::atomic<bool>* cancel = nullptr;
};

struct ResolvedArtifact {
  MavenCoordinate coordinate;  // group, artifact, version, classifier, extension (no exclusions)
  std::string scope;           // "compile" or "runtime"
  bool direct = false;         // one of the requested coordinates (else a transitive dependency)
  std::string path;            // absolute path of the copy in the cache folder
  uint64_t size = 0;           // bytes
  std::string sha256;          // lowercase hex
};

struct Resolution {
  std::vector<ResolvedArtifact> artifacts;  // sorted by group, artifact, classifier
  std::string cache_key;                    // 64 hex digits; the folder's name under cache_dir
  std::string folder;                       // absolute path: <cache_dir>/<cache_key>
  bool from_cache = false;                  // answered without running Maven
};

class MavenResolver {
 public:
  virtual ~MavenResolver() = default;

  // Resolves `coordinates` (and, unless told otherwise, their transitive dependencies) to jar
  // files in a folder under options.cache_dir, which stays there for as long as the cache is kept:
  // the caller may hand the paths to Flink. The same request (the same coordinates in any order,
  // duplicates ignored, with the same exclusions, transitivity, repository and scopes) is answered
  // from that folder without running Maven. Blocks while Maven runs. Thread-safe.
  //
  // Errors:
  // - DEPENDENCY_INVALID (field "coordinates" or the option's name): no coordinates, a coordinate
  //   or exclusion that fails ValidateCoordinate (the message names it and its bad part), a
  //   repository URL that is not http(s)/file or holds user:password or characters outside a
  //   plain URL, an empty cache_dir, a scope other than compile/runtime, a timeout <= 0.
  // - DEPENDENCY_CONFLICT: the request names one group:artifact (same extension and classifier)
  //   twice with different versions, exclusions or transitivity.
  // - DEPENDENCY_NOT_FOUND: the repository does not have an artifact; the message names each one
  //   Maven reported ("dev.sluice:no-such-artifact:jar:1.0") and the repository.
  // - DEPENDENCY_RESOLVE_FAILED: Maven failed otherwise (repository unreachable, a bad checksum,
  //   a broken pom, the plugin not available, mvn not installed, cancelled); `message` quotes
  //   Maven's telling line, `internal_detail` holds its whole output.
  // - DEPENDENCY_TIMEOUT: Maven did not finish within options.timeout; it was killed.
  // - INTERNAL: the cache folder or temporary files cannot be written.
  virtual Result<Resolution> Resolve(const std::vector<MavenCoordinate>& coordinates,
                                     const ResolveOptions& options) = 0;
};

// Runs a child process to completion; flink::RunToCompletion in production, a fake in tests.
using ProcessRunner = std::function<Result<flink::RunResult>(
    const flink::SpawnSpec&, std::chrono::milliseconds, const std::atomic<bool>*)>;

// The real resolver. For a request that is not in the cache it makes a temporary folder under
// cache_dir holding pom.xml (BuildPom) and settings.xml (BuildSettings) and runs there
//   mvn -B -q -U -C -Dstyle.color=never -s settings.xml -f pom.xml
//       org.apache.maven.plugins:maven-dependency-plugin:3.8.1:list -DoutputFile=deps.txt
//       -DoutputAbsoluteArtifactFilename=true -DincludeScope=runtime -Dsort=true
// (-U: a missing artifact is looked for again rather than answered from Maven's failure cache;
// -C: a checksum mismatch fails). It reads deps.txt (ParseDependencyList), copies each file of a
// wanted scope from the local repository into the new cache folder under its own file name
// (prefixed with "<group>-" when two share a name), writes manifest.json and renames the folder
// into place, so a half-done resolution is never seen as cached.
//
// One Maven run at a time per MvnResolver: Maven 3.8's local repository has no locking. Cache
// hits never wait for it.
class MvnResolver final : public MavenResolver {
 public:
  // `mvn`: the Maven command (a path, or a name looked up on PATH). `runner`: empty means
  // flink::RunToCompletion.
  explicit MvnResolver(std::string mvn = "mvn", ProcessRunner runner = {});

  Result<Resolution> Resolve(const std::vector<MavenCoordinate>& coordinates,
                             const ResolveOptions& options) override;

 private:
  std::string mvn_;
  ProcessRunner runner_;
  std::mutex run_mutex_;  // held while Maven runs
};

// ---- The building blocks of MvnResolver, public so that tests can check each one ----

// The pom: packaging pom, the repository (id "sluice") and one <dependency> per coordinate with
// <type> (the extension), <classifier> when set and <exclusions> (plus *:* when not transitive).
// Every text is XML-escaped as well as validated. Precondition: the inputs passed validation.
std::string BuildPom(const std::vector<MavenCoordinate>& coordinates,
                     const ResolveOptions& options);

// settings.xml: the local repository, offline false, and the mirror "sluice" of "*" pointing at
// the repository URL.
std::string BuildSettings(const ResolveOptions& options, const std::string& local_repository);

// The cache key of a request (as normalized by Resolve: sorted, duplicates removed): the SHA-256
// of the coordinates with their exclusions and effective transitivity, the repository URL and the
// scopes. The local repository, cache folder and timeout do not change the answer, so they are
// not part of it.
std::string CacheKey(const std::vector<MavenCoordinate>& coordinates,
                     const ResolveOptions& options);

// One line of dependency:list's output file.
struct ListedArtifact {
  MavenCoordinate coordinate;
  std::string scope;
  std::string path;  // the file in the local repository
};

// Reads the file written by dependency:list with outputAbsoluteArtifactFilename:
//   "   group:artifact:type[:classifier]:version:scope:/abs/path[ (optional)][ -- module x ...]"
// Other lines (the heading, blank lines) are skipped.
// Errors: DEPENDENCY_RESOLVE_FAILED for an artifact line that cannot be read (internal_detail
// holds it).
Result<std::vector<ListedArtifact>> ParseDependencyList(std::string_view text);

// The error for a Maven run that exited non-zero (see MavenResolver::Resolve for the codes):
// DEPENDENCY_NOT_FOUND naming the artifacts from "Could not find artifact X", "Failure to find X",
// "X was not found in" and "The following artifacts could not be resolved: X, Y" (the last only
// when the line says they are absent: Maven uses the same words for transfer failures, which are
// not "not found"; Maven 3.9's "X (present, but unavailable)" is left out); else
// DEPENDENCY_RESOLVE_FAILED with the first telling [ERROR] line (Maven's boilerplate prefixes and
// "-> [Help 1]" removed). `internal_detail` holds the output.
Error MavenFailureError(std::string_view output, int exit_code, std::string_view repository_url);

// ---------------------------------------------------------------------------------------------
// Conflicts: two versions of one library among a job's jars

// What a jar is, as far as we can tell, and where it came from.
struct JarIdentity {
  std::string group;  // "" when unknown (a jar identified by its file name only)
  std::string artifact;
  std::string version;
  std::string source;  // shown in conflict messages, e.g. "uploaded jar mysql-8.0.33.jar"
};

// The identities of a resolution's jars; source "Maven: g:a:v (requested)" or "(transitive)".
std::vector<JarIdentity> IdentitiesOf(const Resolution& resolution);

// Identifies a jar by its file name "artifact-version[-qualifier].jar" (the path's folders are
// ignored): the version starts at the first "-<digit>" after which the name looks like a version,
// so "flink-connector-jdbc-3.3.0-1.20.jar" is (flink-connector-jdbc, 3.3.0-1.20) and
// "log4j-1.2-api-2.17.1.jar" is (log4j-1.2-api, 2.17.1), while "guava-32.1.2-jre.jar" and
// "maven-assembly-plugin-2.2-beta-5.jar" keep their qualifiers in the version. nullopt when the
// name has no version. A heuristic: prefer pom.properties when it is available.
//
// Uploaded jars are identified this way only: reading META-INF/maven/*/*/pom.properties needs a
// zip reader, and neither libzip nor minizip is a dependency of Sluice yet. ParsePomProperties is
// there for when one is.
std::optional<JarIdentity> IdentifyJarByFileName(std::string_view file_name, std::string source);

// Reads the groupId, artifactId and version of a pom.properties file ("key=value" lines, '#'
// comments). nullopt when one of the three is missing.
std::optional<JarIdentity> ParsePomProperties(std::string_view text, std::string source);

struct Conflict {
  std::string group;  // "" when both jars were identified by file name
  std::string artifact;
  JarIdentity first;   // in the order of the input
  JarIdentity second;  // a different version
  // "two versions of com.mysql:mysql-connector-j: 8.4.0 (Maven: ... (requested)) and 8.0.33
  // (uploaded jar mysql-connector-j-8.0.33.jar)"
  std::string message;
};

// Every pair of jars that are one library in two versions: same artifact, and same group unless
// one of them has no group (identified by file name). Each pair of versions of a library is
// reported once, in input order. Jars of the same version are duplicates, not conflicts.
std::vector<Conflict> FindConflicts(const std::vector<JarIdentity>& jars);

// DEPENDENCY_CONFLICT listing the conflicts' messages ("; "-separated). Precondition: not empty.
Error ConflictError(const std::vector<Conflict>& conflicts);

}  // namespace sluice::resources
