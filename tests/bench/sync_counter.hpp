// Exact counts of durable syncs made by SQLite in this process, two ways:
//  - a counting VFS shim registered as the default VFS (wraps the previous default and
//    counts xSync calls), and
//  - interposed fsync()/fdatasync() (the executable's definitions win over libc's for
//    libsqlite3's calls), which also sees directory syncs inside one xSync.
#pragma once

#include <cstdint>

namespace bench {

struct SyncCounts {
  std::uint64_t xsync = 0;      ///< xSync calls through the default VFS
  std::uint64_t fsync = 0;      ///< fsync() + fdatasync() system calls
};

/// Registers the counting VFS as the default. Call before any database is opened.
void install_sync_counter();
SyncCounts sync_counts();

}  // namespace bench
