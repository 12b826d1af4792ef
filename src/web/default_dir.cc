// Kept alone in its file: the compiled-in source path differs between checkouts, so only this
// object is rebuilt (and missed by ccache) per checkout.
#include "web/static_site.h"

#ifndef SLUICE_WEB_DIST_DIR
#define SLUICE_WEB_DIST_DIR ""
#endif

namespace sluice::web {

std::vector<std::filesystem::path> DefaultWebDirs() {
  std::vector<std::filesystem::path> out;
  if (std::string_view(SLUICE_WEB_DIST_DIR) != "") out.emplace_back(SLUICE_WEB_DIST_DIR);
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) out.push_back(exe.parent_path().parent_path() / "share" / "sluice" / "web");
  return out;
}

}  // namespace sluice::web
