// ocpp-fleet's report page: one self-contained HTML file (no network access) with the summary,
// the per-action table, a latency histogram per action and the timeline.
#pragma once

#include <string>

namespace fleet {

struct Report;

/// The page for a report.
std::string html_report(const Report& r);

}  // namespace fleet
