#include "dualwrite/sql_mismatch_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <random>
#include <set>
#include <utility>

#include "adapters/odbc/migrations.h"
#include "adapters/odbc/statement.h"
#include "common/logging.h"

namespace corebridge::dualwrite {

namespace odbc = adapters::odbc;
using odbc::Connection;
using odbc::Statement;

namespace {

using odbc::Migration;

std::vector<Migration> migrations(const odbc::Dialect& dialect) {
  const std::string engine = odbc::tableOptions(dialect);
  std::vector<Migration> all;
  all.push_back(Migration{
      1,
      "mismatches and their field differences",
      {
          "CREATE TABLE dw_mismatches ("
          " mismatch_id VARCHAR(40) NOT NULL PRIMARY KEY,"
          " time_us BIGINT NOT NULL,"
          " time_utc VARCHAR(32) NOT NULL,"
          " trancode VARCHAR(8) NOT NULL,"
          " product_line VARCHAR(32) NOT NULL,"
          " stage VARCHAR(16) NOT NULL,"
          " primary_side VARCHAR(8) NOT NULL,"
          " txn_id VARCHAR(64) NOT NULL,"
          " account VARCHAR(64) NOT NULL,"
          " difference_count INTEGER NOT NULL,"
          " legacy_payload TEXT NOT NULL,"
          " new_payload TEXT NOT NULL)" +
              engine,
          "CREATE INDEX dw_mismatches_time ON dw_mismatches (time_us)",
          "CREATE INDEX dw_mismatches_trancode ON dw_mismatches (trancode, time_us)",
          "CREATE INDEX dw_mismatches_line ON dw_mismatches (product_line, time_us)",
          "CREATE TABLE dw_mismatch_fields ("
          " mismatch_id VARCHAR(40) NOT NULL,"
          " seq INTEGER NOT NULL,"
          " kind VARCHAR(16) NOT NULL,"
          " path TEXT NOT NULL,"
          " field VARCHAR(64) NOT NULL,"
          " legacy_value TEXT NOT NULL,"
          " new_value TEXT NOT NULL,"
          " PRIMARY KEY (mismatch_id, seq))" +
              engine,
          "CREATE INDEX dw_mismatch_fields_field ON dw_mismatch_fields (field, mismatch_id)",
      }});
  return all;
}

std::string isoTime(std::chrono::system_clock::time_point t) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch());
  std::time_t secs = static_cast<std::time_t>(us.count() / 1000000);
  int64_t frac = us.count() % 1000000;
  if (frac < 0) {
    frac += 1000000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:06}Z", buf, frac);
}

int64_t micros(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

std::string clip(std::string_view s, size_t n) { return std::string(s.substr(0, n)); }

// What the store writes of a difference value: masked again if the field
// is named like an account and the value is not masked yet.
std::string storedValue(const FieldDifference& d, const std::string& value) {
  if (d.kind == FieldDifference::Kind::kUndecodable || d.kind == FieldDifference::Kind::kOutcome) {
    return maskFreeText(value, false);
  }
  if (isAccountFieldName(d.field, {}) && value != "(absent)" &&
      value.find('*') == std::string::npos) {
    return maskAccount(value);
  }
  return value;
}

// The WHERE clause of `filter` over dw_mismatches m, and its parameters.
struct Where {
  std::string sql;
  std::vector<std::string> text_params;  // bound in order, before int_param
  std::optional<int64_t> since_us;
};

Where whereOf(const MismatchFilter& filter, bool with_field) {
  Where w;
  std::vector<std::string> clauses;
  if (!filter.trancode.empty()) {
    clauses.push_back("m.trancode = ?");
    w.text_params.push_back(filter.trancode);
  }
  if (!filter.product_line.empty()) {
    clauses.push_back("m.product_line = ?");
    w.text_params.push_back(filter.product_line);
  }
  if (with_field && !filter.field.empty()) {
    clauses.push_back(
        "EXISTS (SELECT 1 FROM dw_mismatch_fields f WHERE f.mismatch_id = m.mismatch_id AND "
        "(f.field = ? OR f.path = ?))");
    w.text_params.push_back(filter.field);
    w.text_params.push_back(filter.field);
  }
  if (filter.since) {
    clauses.push_back("m.time_us >= ?");
    w.since_us = micros(*filter.since);
  }
  for (size_t i = 0; i < clauses.size(); ++i) {
    w.sql += (i == 0 ? " WHERE " : " AND ") + clauses[i];
  }
  return w;
}

Status bindWhere(Statement& st, const Where& w) {
  int index = 1;
  for (const std::string& p : w.text_params) {
    CB_RETURN_IF_ERROR(st.bindString(index++, p));
  }
  if (w.since_us) {
    CB_RETURN_IF_ERROR(st.bindInt64(index++, *w.since_us));
  }
  return okStatus();
}

}  // namespace

SqlMismatchStore::SqlMismatchStore(std::unique_ptr<odbc::ConnectionPool> pool,
                                   MismatchStoreOptions options, int schema_version)
    : pool_(std::move(pool)),
      options_(options),
      schema_version_(schema_version),
      instance_(std::random_device{}() * 0x100000000ull + std::random_device{}()) {
  if (!options_.read_only) {
    writer_ = std::thread([this] { writerLoop(); });
  }
}

SqlMismatchStore::~SqlMismatchStore() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (writer_.joinable()) {
    writer_.join();
  }
}

Result<std::unique_ptr<SqlMismatchStore>> SqlMismatchStore::open(
    const std::string& connection_string, MismatchStoreOptions options) {
  CB_ASSIGN_OR_RETURN(odbc::OpenedStore store,
                      odbc::openStore(connection_string, options.pool_size, options.read_only,
                                      {"dw_schema_migrations", "mismatch store", migrations}));
  options.queue_capacity = std::max<size_t>(1, options.queue_capacity);
  options.batch_size = std::max<size_t>(1, options.batch_size);
  return std::unique_ptr<SqlMismatchStore>(
      new SqlMismatchStore(std::move(store.pool), options, store.schema_version));
}

void SqlMismatchStore::record(const Mismatch& mismatch) {
  if (options_.read_only) {
    dropped_.fetch_add(1);
    return;
  }
  Mismatch copy = mismatch;  // outside the lock: payloads are kilobytes
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_ || queue_.size() >= options_.queue_capacity) {
      dropped_.fetch_add(1);
      return;
    }
    queue_.push_back(std::move(copy));
    ++enqueued_seq_;
  }
  recorded_.fetch_add(1);
  wake_.notify_one();
}

bool SqlMismatchStore::flush(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t target = enqueued_seq_;
  return drained_.wait_for(lock, timeout, [&] { return done_seq_ >= target; });
}

void SqlMismatchStore::writerLoop() {
  std::vector<Mismatch> batch;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) {
        return;  // stopping, and everything is written
      }
      batch.clear();
      while (!queue_.empty() && batch.size() < options_.batch_size) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    const Status s = writeBatch(batch);
    size_t done = batch.size();
    if (s.ok()) {
      written_.fetch_add(batch.size());
    } else {
      write_failures_.fetch_add(batch.size());
      logger("dualwrite")
          ->error("mismatch store: {} mismatches lost: {}", batch.size(), s.toString());
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!s.ok() && stop_) {
        // Closing with the database failing: do not retry batch after batch
        // and hold up shutdown; what is left is lost and counted.
        write_failures_.fetch_add(queue_.size());
        done += queue_.size();
        queue_.clear();
      }
      done_seq_ += done;
    }
    drained_.notify_all();
  }
}

std::string SqlMismatchStore::nextId() {
  return fmt::format("{:016x}-{:016x}", instance_, id_counter_.fetch_add(1));
}

Status SqlMismatchStore::writeBatch(const std::vector<Mismatch>& batch) {
  std::vector<std::string> ids;
  ids.reserve(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    ids.push_back(nextId());
  }
  return odbc::runTransaction(
      *pool_,
      [&](Connection& c) -> Status {
        CB_ASSIGN_OR_RETURN(
            auto insert_m,
            c.prepare("INSERT INTO dw_mismatches (mismatch_id, time_us, time_utc, trancode, "
                      "product_line, stage, primary_side, txn_id, account, difference_count, "
                      "legacy_payload, new_payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
        CB_ASSIGN_OR_RETURN(
            auto insert_f,
            c.prepare("INSERT INTO dw_mismatch_fields (mismatch_id, seq, kind, path, field, "
                      "legacy_value, new_value) VALUES (?, ?, ?, ?, ?, ?, ?)"));
        for (size_t i = 0; i < batch.size(); ++i) {
          const Mismatch& m = batch[i];
          Statement& st = *insert_m;
          CB_RETURN_IF_ERROR(st.bindString(1, ids[i]));
          CB_RETURN_IF_ERROR(st.bindInt64(2, micros(m.time)));
          CB_RETURN_IF_ERROR(st.bindString(3, isoTime(m.time)));
          CB_RETURN_IF_ERROR(st.bindString(4, clip(m.trancode, 8)));
          CB_RETURN_IF_ERROR(st.bindString(5, clip(m.product_line, 32)));
          CB_RETURN_IF_ERROR(st.bindString(6, clip(m.stage, 16)));
          CB_RETURN_IF_ERROR(st.bindString(7, sideName(m.primary)));
          CB_RETURN_IF_ERROR(st.bindString(8, clip(m.txn_id, 64)));
          CB_RETURN_IF_ERROR(st.bindString(9, clip(maskAccount(m.account), 64)));
          CB_RETURN_IF_ERROR(st.bindInt64(10, static_cast<int64_t>(m.differences.size())));
          CB_RETURN_IF_ERROR(st.bindString(11, m.legacy_payload));
          CB_RETURN_IF_ERROR(st.bindString(12, m.new_payload));
          CB_RETURN_IF_ERROR(st.execute());
          for (size_t k = 0; k < m.differences.size(); ++k) {
            const FieldDifference& d = m.differences[k];
            Statement& f = *insert_f;
            CB_RETURN_IF_ERROR(f.bindString(1, ids[i]));
            CB_RETURN_IF_ERROR(f.bindInt64(2, static_cast<int64_t>(k)));
            CB_RETURN_IF_ERROR(f.bindString(3, differenceKindName(d.kind)));
            CB_RETURN_IF_ERROR(f.bindString(4, d.path));
            CB_RETURN_IF_ERROR(f.bindString(5, clip(d.field, 64)));
            CB_RETURN_IF_ERROR(f.bindString(6, storedValue(d, d.legacy)));
            CB_RETURN_IF_ERROR(f.bindString(7, storedValue(d, d.new_value)));
            CB_RETURN_IF_ERROR(f.execute());
          }
        }
        return okStatus();
      },
      options_.retry);
}

Result<std::vector<Mismatch>> SqlMismatchStore::list(const MismatchFilter& filter) {
  std::vector<Mismatch> out;
  std::vector<std::string> ids;
  CB_ASSIGN_OR_RETURN(odbc::PooledConnection c, pool_->acquire());
  {
    const Where w = whereOf(filter, true);
    std::string sql =
        "SELECT m.mismatch_id, m.time_us, m.trancode, m.product_line, m.stage, m.primary_side, "
        "m.txn_id, m.account, m.legacy_payload, m.new_payload FROM dw_mismatches m" +
        w.sql + " ORDER BY m.time_us DESC, m.mismatch_id DESC";
    if (filter.limit > 0) {
      sql += " LIMIT " + std::to_string(filter.limit);
    }
    CB_ASSIGN_OR_RETURN(auto st, c->prepare(sql));
    CB_RETURN_IF_ERROR(bindWhere(*st, w));
    CB_RETURN_IF_ERROR(st->execute());
    while (true) {
      CB_ASSIGN_OR_RETURN(bool row, st->fetch());
      if (!row) {
        break;
      }
      Mismatch m;
      CB_ASSIGN_OR_RETURN(std::string id, st->getString(1));
      CB_ASSIGN_OR_RETURN(int64_t us, st->getInt64(2));
      m.time = std::chrono::system_clock::time_point(
          std::chrono::duration_cast<std::chrono::system_clock::duration>(
              std::chrono::microseconds(us)));
      CB_ASSIGN_OR_RETURN(m.trancode, st->getString(3));
      CB_ASSIGN_OR_RETURN(m.product_line, st->getString(4));
      CB_ASSIGN_OR_RETURN(m.stage, st->getString(5));
      CB_ASSIGN_OR_RETURN(std::string side, st->getString(6));
      if (!parseSide(side, &m.primary)) {
        std::string message = "mismatch ";
        message.append(id).append(": primary_side '").append(side);
        message.append("' is not legacy or new");
        return dataLoss(std::move(message));
      }
      CB_ASSIGN_OR_RETURN(m.txn_id, st->getString(7));
      CB_ASSIGN_OR_RETURN(m.account, st->getString(8));
      CB_ASSIGN_OR_RETURN(m.legacy_payload, st->getString(9));
      CB_ASSIGN_OR_RETURN(m.new_payload, st->getString(10));
      ids.push_back(std::move(id));
      out.push_back(std::move(m));
    }
  }
  // The differences, for a bounded number of ids per statement.
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < ids.size(); ++i) {
    index.emplace(ids[i], i);
  }
  constexpr size_t kChunk = 100;
  for (size_t from = 0; from < ids.size(); from += kChunk) {
    const size_t to = std::min(ids.size(), from + kChunk);
    std::string sql =
        "SELECT mismatch_id, seq, kind, path, field, legacy_value, new_value "
        "FROM dw_mismatch_fields WHERE mismatch_id IN (";
    for (size_t i = from; i < to; ++i) {
      sql += i == from ? "?" : ", ?";
    }
    sql += ") ORDER BY mismatch_id, seq";
    CB_ASSIGN_OR_RETURN(auto st, c->prepare(sql));
    for (size_t i = from; i < to; ++i) {
      CB_RETURN_IF_ERROR(st->bindString(static_cast<int>(i - from + 1), ids[i]));
    }
    CB_RETURN_IF_ERROR(st->execute());
    while (true) {
      CB_ASSIGN_OR_RETURN(bool row, st->fetch());
      if (!row) {
        break;
      }
      CB_ASSIGN_OR_RETURN(std::string id, st->getString(1));
      FieldDifference d;
      CB_ASSIGN_OR_RETURN(std::string kind, st->getString(3));
      if (!parseDifferenceKind(kind, &d.kind)) {
        std::string message = "mismatch ";
        message.append(id).append(": difference kind '").append(kind).append("' is unknown");
        return dataLoss(std::move(message));
      }
      CB_ASSIGN_OR_RETURN(d.path, st->getString(4));
      CB_ASSIGN_OR_RETURN(d.field, st->getString(5));
      CB_ASSIGN_OR_RETURN(d.legacy, st->getString(6));
      CB_ASSIGN_OR_RETURN(d.new_value, st->getString(7));
      auto it = index.find(id);
      if (it != index.end()) {
        out[it->second].differences.push_back(std::move(d));
      }
    }
  }
  return out;
}

Result<std::vector<FieldCount>> SqlMismatchStore::countsByField(const MismatchFilter& filter) {
  CB_ASSIGN_OR_RETURN(odbc::PooledConnection c, pool_->acquire());
  const Where w = whereOf(filter, false);
  const std::string sql =
      "SELECT f.field, COUNT(DISTINCT f.mismatch_id), COUNT(*) FROM dw_mismatch_fields f "
      "JOIN dw_mismatches m ON m.mismatch_id = f.mismatch_id" +
      w.sql + " GROUP BY f.field ORDER BY COUNT(DISTINCT f.mismatch_id) DESC, f.field";
  CB_ASSIGN_OR_RETURN(auto st, c->prepare(sql));
  CB_RETURN_IF_ERROR(bindWhere(*st, w));
  CB_RETURN_IF_ERROR(st->execute());
  std::vector<FieldCount> out;
  while (true) {
    CB_ASSIGN_OR_RETURN(bool row, st->fetch());
    if (!row) {
      break;
    }
    FieldCount fc;
    CB_ASSIGN_OR_RETURN(fc.field, st->getString(1));
    CB_ASSIGN_OR_RETURN(fc.mismatches, st->getInt64(2));
    CB_ASSIGN_OR_RETURN(fc.differences, st->getInt64(3));
    out.push_back(std::move(fc));
  }
  return out;
}

}  // namespace corebridge::dualwrite
