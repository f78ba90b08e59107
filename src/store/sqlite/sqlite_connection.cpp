#include "store/sqlite/sqlite_connection.hpp"

namespace ocpp::sqlite {

namespace {
// The connection whose reader this thread is using inside read(): stmt() then hands out the
// reader's statements. Reads and writes never nest, so one pointer is enough.
thread_local const Connection* t_reading = nullptr;

void close_connection(sqlite3* db, std::array<sqlite3_stmt*, kSqlCount>& stmts) noexcept {
  for (auto*& s : stmts) {
    sqlite3_finalize(s);
    s = nullptr;
  }
  sqlite3_close_v2(db);
}
}  // namespace

Connection::Connection(sqlite3* db, sqlite3* reader) noexcept : db_(db), reader_(reader) {
  sqlite3_wal_hook(
      db_,
      [](void* self, sqlite3*, const char*, int frames) {
        static_cast<Connection*>(self)->wal_frames_ = frames;
        return SQLITE_OK;
      },
      this);
}

Connection::~Connection() {
  if (reader_ != nullptr) close_connection(reader_, reader_stmts_);
  close_connection(db_, stmts_);
}

sqlite3_stmt* Connection::stmt(Sql which) noexcept {
  const bool reading = t_reading == this;
  sqlite3* db = reading ? reader_ : db_;
  auto& stmts = reading ? reader_stmts_ : stmts_;
  if (stmts[which] == nullptr)
    sqlite3_prepare_v3(db, kSqlText[which], -1, SQLITE_PREPARE_PERSISTENT, &stmts[which], nullptr);
  return stmts[which];
}

std::error_code Connection::read(const std::function<std::error_code()>& body) noexcept {
  try {
    if (reader_ == nullptr) {
      std::lock_guard<std::mutex> lk(db_m_);
      return body();
    }
    std::lock_guard<std::mutex> lk(read_m_);
    struct Reading {
      explicit Reading(const Connection* c) { t_reading = c; }
      ~Reading() { t_reading = nullptr; }
      Reading(const Reading&) = delete;
      Reading& operator=(const Reading&) = delete;
    } reading(this);
    return body();
  } catch (...) {
    return make_error_code(Errc::storage_error);
  }
}

std::error_code Connection::write(const std::function<std::error_code()>& body, bool append) noexcept {
  try {
    Pending me{&body, append, {}, false};
    std::unique_lock<std::mutex> lk(queue_m_);
    queue_.push_back(&me);
    for (;;) {
      if (me.done) return me.result;
      if (committing_) {
        queue_cv_.wait(lk);
        continue;
      }
      // No commit in progress: this writer commits everything queued so far, its own write
      // and those of the writers who queued while the last commit ran.
      committing_ = true;
      std::vector<Pending*> batch;
      batch.swap(queue_);
      lk.unlock();
      {
        std::lock_guard<std::mutex> db(db_m_);
        commit_batch(batch);
      }
      lk.lock();
      for (Pending* p : batch) p->done = true;
      committing_ = false;
      queue_cv_.notify_all();
    }
  } catch (...) {
    // Only the allocation of the queue can throw here, before anything was queued or run.
    return make_error_code(Errc::storage_error);
  }
}

void Connection::commit_batch(std::vector<Pending*>& batch) noexcept {
  std::error_code ec = run(kBegin);
  if (ec) {
    rollback();
    for (Pending* p : batch) p->result = ec;
    return;
  }
  bool any_ok = false;
  bool only_appends = true;
  for (Pending* p : batch) {
    // One write alone needs no savepoint: its failure rolls back the whole transaction.
    const bool shared = batch.size() > 1;
    try {
      if (shared && (ec = exec("SAVEPOINT w"))) {
        p->result = ec;
        continue;
      }
      p->result = (*p->body)();
    } catch (...) {
      p->result = make_error_code(Errc::storage_error);
    }
    if (shared) {
      if (p->result) exec("ROLLBACK TO w");
      exec("RELEASE w");
    }
    if (!p->result) {
      any_ok = true;
      only_appends = only_appends && p->append;
    }
  }
  if (!any_ok) {
    rollback();
    return;
  }
  ec = run(kCommit);
  if (ec) {
    rollback();
    for (Pending* p : batch)
      if (!p->result) p->result = ec;
    return;
  }
  checkpoint(only_appends ? kAppendCheckpointFrames : kCheckpointFrames);
}

// Checkpoints: SQLite's automatic checkpoint would run inside whichever commit crosses 1000
// WAL frames, adding syncs to that call. The library thread's writes checkpoint once the WAL
// holds 1000 frames; appends only past 4000 (about 16 MB), which bounds the file while the
// CSMS stays unreachable. PASSIVE: never waits for readers; what it cannot copy now is
// copied next time.
void Connection::checkpoint(int threshold) noexcept {
  if (wal_frames_ < threshold) return;
  int log = 0, copied = 0;
  if (sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &copied) == SQLITE_OK &&
      copied == log)
    wal_frames_ = 0;
}

void Connection::rollback() noexcept {
  // Some errors (I/O, full disk) make SQLite roll back by itself; a second ROLLBACK would
  // only fail, so issue one only while a transaction is still open.
  if (sqlite3_get_autocommit(db_) == 0) run(kRollback);
}

std::error_code Connection::run(Sql which) noexcept {
  Use u(stmt(which));
  return from_sqlite(u.step());
}

std::error_code Connection::exec(const char* sql) noexcept {
  return from_sqlite(sqlite3_exec(db_, sql, nullptr, nullptr, nullptr));
}

}  // namespace ocpp::sqlite
