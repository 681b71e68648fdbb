// The URL of a Dolt remote (doltremote= at initremote, --doltremote of git-annex-dolt migrate):
// checked once before it is handed to dolt or kept in git-annex's remote.log, where anyone with
// the repository reads it, so a URL carrying credentials is refused.
#pragma once

#include <string>
#include <string_view>

#include "core/failure.h"

namespace gad::core::dolt {

// url, unchanged, when it is a Dolt remote URL this program passes on: file:///ABSOLUTE/PATH,
// http(s)://HOST[:PORT]/PATH (a remotesapi server, DoltHub, DoltLab), aws://[TABLE:BUCKET]/DB,
// gs://BUCKET/PATH, or DoltHub's OWNER/REPOSITORY. Fails with one line naming what is wrong:
// user or password in the URL (credentials go through dolt's own: `dolt creds`,
// DOLT_REMOTE_PASSWORD), a query string, spaces or control characters, another scheme. The
// message never repeats the URL's user information.
Result<std::string> check_remote_url(std::string_view url);

// True for a file:// URL (a Dolt remote in a local directory).
bool is_file_url(std::string_view url);

}  // namespace gad::core::dolt
