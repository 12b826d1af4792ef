// What a deploy hands to Flink's CLI, built from one version of an app: the job's configuration
// as -D properties, in the documented order of precedence, and the job jar with the app's
// dependency jars nested under lib/ (Flink's PackagedProgram puts nested lib/*.jar on the job's
// class path and ships them with the job, on every version and target).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/result.h"

namespace sluice::apps {

// The job's properties, later sources winning: the environment's own config file (read by the CLI
// itself, so not part of this map) < `config_yaml` < `options` < `dynamic_properties` <
// `sluice_set` (what Sluice sets itself: the job id, ...). `defaults` are applied only where
// nothing else set the key (Sluice's opinions, such as keeping checkpoints on cancel).
// `spec` is a canonical spec (app_spec.h), so its fields are valid already; a config_yaml that
// Flink's parser refuses is INVALID_ARGUMENT (field config_yaml).
Result<std::map<std::string, std::string>> ComposeJobProperties(
    const Json& spec, const std::map<std::string, std::string>& sluice_set,
    const std::map<std::string, std::string>& defaults = {});

// Writes `out_path`: a copy of `main_jar` with each of `dependency_jars` added as
// lib/<file name> (a second jar of the same file name gets a numbered prefix). With no
// dependencies the copy is plain. INTERNAL when a file cannot be read or written (the message
// names it), INVALID_ARGUMENT when `main_jar` is not a zip archive.
Status PackageJobJar(const std::string& main_jar, const std::vector<std::string>& dependency_jars,
                     const std::string& out_path);

// The names of the entries of a zip archive (for tests and the console). INVALID_ARGUMENT when it
// is not one.
Result<std::vector<std::string>> ZipEntries(const std::string& path);

// A new Flink job id: 32 lowercase hex digits from a cryptographic random source.
std::string NewJobId();

}  // namespace sluice::apps
