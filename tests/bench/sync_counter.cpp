#include "sync_counter.hpp"

#include <dlfcn.h>
#include <sqlite3.h>

#include <atomic>
#include <cstring>

#include "bench_util.hpp"

namespace {

std::atomic<std::uint64_t> g_xsync{0};
std::atomic<std::uint64_t> g_fsync{0};

sqlite3_vfs* g_real = nullptr;
sqlite3_vfs g_shim;

// Our file wraps the real VFS's file, which lives right behind it in the same allocation.
struct ShimFile {
  sqlite3_file base;
  sqlite3_file* real;
};

sqlite3_file* R(sqlite3_file* f) { return reinterpret_cast<ShimFile*>(f)->real; }

int x_close(sqlite3_file* f) {
  int rc = R(f)->pMethods->xClose(R(f));
  f->pMethods = nullptr;
  return rc;
}
int x_read(sqlite3_file* f, void* b, int n, sqlite3_int64 o) { return R(f)->pMethods->xRead(R(f), b, n, o); }
int x_write(sqlite3_file* f, const void* b, int n, sqlite3_int64 o) { return R(f)->pMethods->xWrite(R(f), b, n, o); }
int x_truncate(sqlite3_file* f, sqlite3_int64 s) { return R(f)->pMethods->xTruncate(R(f), s); }
int x_sync(sqlite3_file* f, int flags) {
  g_xsync.fetch_add(1, std::memory_order_relaxed);
  return R(f)->pMethods->xSync(R(f), flags);
}
int x_size(sqlite3_file* f, sqlite3_int64* s) { return R(f)->pMethods->xFileSize(R(f), s); }
int x_lock(sqlite3_file* f, int l) { return R(f)->pMethods->xLock(R(f), l); }
int x_unlock(sqlite3_file* f, int l) { return R(f)->pMethods->xUnlock(R(f), l); }
int x_check(sqlite3_file* f, int* out) { return R(f)->pMethods->xCheckReservedLock(R(f), out); }
int x_fcntl(sqlite3_file* f, int op, void* arg) { return R(f)->pMethods->xFileControl(R(f), op, arg); }
int x_sector(sqlite3_file* f) { return R(f)->pMethods->xSectorSize(R(f)); }
int x_devchar(sqlite3_file* f) { return R(f)->pMethods->xDeviceCharacteristics(R(f)); }
int x_shm_map(sqlite3_file* f, int pg, int sz, int ext, void volatile** p) {
  return R(f)->pMethods->xShmMap(R(f), pg, sz, ext, p);
}
int x_shm_lock(sqlite3_file* f, int off, int n, int flags) { return R(f)->pMethods->xShmLock(R(f), off, n, flags); }
void x_shm_barrier(sqlite3_file* f) { R(f)->pMethods->xShmBarrier(R(f)); }
int x_shm_unmap(sqlite3_file* f, int del) { return R(f)->pMethods->xShmUnmap(R(f), del); }
int x_fetch(sqlite3_file* f, sqlite3_int64 o, int n, void** pp) { return R(f)->pMethods->xFetch(R(f), o, n, pp); }
int x_unfetch(sqlite3_file* f, sqlite3_int64 o, void* p) { return R(f)->pMethods->xUnfetch(R(f), o, p); }

// One method table per iVersion of the real file's table (1..3).
sqlite3_io_methods g_methods[3];

int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  auto* s = reinterpret_cast<ShimFile*>(f);
  s->real = reinterpret_cast<sqlite3_file*>(s + 1);
  s->base.pMethods = nullptr;
  int rc = g_real->xOpen(g_real, name, s->real, flags, out_flags);
  if (s->real->pMethods) {
    int v = s->real->pMethods->iVersion;
    if (v < 1) v = 1;
    if (v > 3) v = 3;
    s->base.pMethods = &g_methods[v - 1];
  }
  return rc;
}

int x_delete(sqlite3_vfs*, const char* n, int dirsync) { return g_real->xDelete(g_real, n, dirsync); }
int x_access(sqlite3_vfs*, const char* n, int flags, int* out) { return g_real->xAccess(g_real, n, flags, out); }
int x_fullpath(sqlite3_vfs*, const char* n, int len, char* out) { return g_real->xFullPathname(g_real, n, len, out); }
void* x_dlopen(sqlite3_vfs*, const char* n) { return g_real->xDlOpen(g_real, n); }
void x_dlerror(sqlite3_vfs*, int n, char* m) { g_real->xDlError(g_real, n, m); }
void (*x_dlsym(sqlite3_vfs*, void* h, const char* s))(void) { return g_real->xDlSym(g_real, h, s); }
void x_dlclose(sqlite3_vfs*, void* h) { g_real->xDlClose(g_real, h); }
int x_random(sqlite3_vfs*, int n, char* out) { return g_real->xRandomness(g_real, n, out); }
int x_sleep(sqlite3_vfs*, int us) { return g_real->xSleep(g_real, us); }
int x_time(sqlite3_vfs*, double* t) { return g_real->xCurrentTime(g_real, t); }
int x_lasterr(sqlite3_vfs*, int n, char* m) { return g_real->xGetLastError ? g_real->xGetLastError(g_real, n, m) : 0; }
int x_time64(sqlite3_vfs*, sqlite3_int64* t) { return g_real->xCurrentTimeInt64(g_real, t); }
int x_setsys(sqlite3_vfs*, const char* n, sqlite3_syscall_ptr p) { return g_real->xSetSystemCall(g_real, n, p); }
sqlite3_syscall_ptr x_getsys(sqlite3_vfs*, const char* n) { return g_real->xGetSystemCall(g_real, n); }
const char* x_nextsys(sqlite3_vfs*, const char* n) { return g_real->xNextSystemCall(g_real, n); }

}  // namespace

namespace bench {

void install_sync_counter() {
  if (g_real) return;
  g_real = sqlite3_vfs_find(nullptr);
  if (!g_real) die("no default SQLite VFS");
  for (int v = 1; v <= 3; ++v) {
    sqlite3_io_methods& m = g_methods[v - 1];
    m = sqlite3_io_methods{};
    m.iVersion = v;
    m.xClose = x_close;
    m.xRead = x_read;
    m.xWrite = x_write;
    m.xTruncate = x_truncate;
    m.xSync = x_sync;
    m.xFileSize = x_size;
    m.xLock = x_lock;
    m.xUnlock = x_unlock;
    m.xCheckReservedLock = x_check;
    m.xFileControl = x_fcntl;
    m.xSectorSize = x_sector;
    m.xDeviceCharacteristics = x_devchar;
    if (v >= 2) {
      m.xShmMap = x_shm_map;
      m.xShmLock = x_shm_lock;
      m.xShmBarrier = x_shm_barrier;
      m.xShmUnmap = x_shm_unmap;
    }
    if (v >= 3) {
      m.xFetch = x_fetch;
      m.xUnfetch = x_unfetch;
    }
  }
  g_shim = sqlite3_vfs{};
  g_shim.iVersion = g_real->iVersion < 3 ? g_real->iVersion : 3;
  g_shim.szOsFile = static_cast<int>(sizeof(ShimFile)) + g_real->szOsFile;
  g_shim.mxPathname = g_real->mxPathname;
  g_shim.zName = "bench-sync-counter";
  g_shim.xOpen = x_open;
  g_shim.xDelete = x_delete;
  g_shim.xAccess = x_access;
  g_shim.xFullPathname = x_fullpath;
  g_shim.xDlOpen = x_dlopen;
  g_shim.xDlError = x_dlerror;
  g_shim.xDlSym = x_dlsym;
  g_shim.xDlClose = x_dlclose;
  g_shim.xRandomness = x_random;
  g_shim.xSleep = x_sleep;
  g_shim.xCurrentTime = x_time;
  g_shim.xGetLastError = x_lasterr;
  if (g_shim.iVersion >= 2) g_shim.xCurrentTimeInt64 = x_time64;
  if (g_shim.iVersion >= 3) {
    g_shim.xSetSystemCall = x_setsys;
    g_shim.xGetSystemCall = x_getsys;
    g_shim.xNextSystemCall = x_nextsys;
  }
  if (sqlite3_vfs_register(&g_shim, 1) != SQLITE_OK) die("sqlite3_vfs_register failed");
  if (sqlite3_vfs_find(nullptr) != &g_shim) die("the counting VFS is not the default");
}

SyncCounts sync_counts() {
  return SyncCounts{g_xsync.load(), g_fsync.load()};
}

}  // namespace bench

// Interposed system-call wrappers: libsqlite3's calls bind to these definitions.
extern "C" int fsync(int fd) {
  using Fn = int (*)(int);
  static Fn real = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "fsync"));
  g_fsync.fetch_add(1, std::memory_order_relaxed);
  return real(fd);
}

extern "C" int fdatasync(int fd) {
  using Fn = int (*)(int);
  static Fn real = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "fdatasync"));
  g_fsync.fetch_add(1, std::memory_order_relaxed);
  return real(fd);
}
