#include "backend/meta/journal.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "backend/meta/env.h"

namespace tessera::meta {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteAll(const fs::path& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() / ("tessera_journal_" + std::to_string(std::random_device{}()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // (txn id, ops) of every record, and the rounds they carry.
  std::vector<std::pair<uint64_t, std::string>> Records(Journal& journal,
                                                        std::vector<uint64_t>* rounds = nullptr) {
    std::vector<std::pair<uint64_t, std::string>> out;
    Status s = journal.ForEach([&](uint64_t round, uint64_t id, std::string_view ops) {
      out.emplace_back(id, std::string(ops));
      if (rounds != nullptr) rounds->push_back(round);
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  // Runs `work` in a forked child that dies without closing anything (a crash): `work` ends
  // the child with ::_exit while its environment is still open (0 for success); returning
  // would run destructors, so a return is treated as an exit code too, for early failures.
  static void InCrashingChild(const std::function<int()>& work) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) ::_exit(work());
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 0);
  }

  // A child that opens `options`, commits bucket "b" = "1" and crashes.
  static void CommitOneAndCrash(const EnvOptions& options) {
    InCrashingChild([&]() -> int {
      auto env = Env::Open(options);
      if (!env.ok()) return 2;
      auto txn = (*env)->BeginWrite();
      if (!txn.ok() || !txn->Put(Table::kBuckets, "b", "1").ok() || !txn->Commit().ok()) return 3;
      ::_exit(0);  // the environment stays open: a crash
    });
  }

  fs::path dir_;
};

TEST_F(JournalTest, OpsRoundTripAndGarbageIsRefused) {
  std::string ops;
  AppendJournalPut(&ops, 3, "key", std::string("v\0lue", 5));
  AppendJournalDelete(&ops, 7, "gone");
  AppendJournalPut(&ops, 0, "", "");
  std::vector<std::string> seen;
  ASSERT_TRUE(ForEachJournalOp(ops, [&](JournalOp op, uint8_t table, std::string_view key,
                                        std::string_view value) {
                seen.push_back(std::to_string(static_cast<int>(op)) + "/" + std::to_string(table) +
                               "/" + std::string(key) + "/" + std::string(value));
                return Status::Ok();
              }).ok());
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], std::string("1/3/key/v\0lue", 13));
  EXPECT_EQ(seen[1], "2/7/gone/");
  EXPECT_EQ(seen[2], "1/0//");
  for (size_t cut = 1; cut < ops.size(); ++cut) {
    if (cut == 18 || cut == 28) continue;  // where the first and second ops end
    Status s = ForEachJournalOp(
        std::string_view(ops).substr(0, cut),
        [](JournalOp, uint8_t, std::string_view, std::string_view) { return Status::Ok(); });
    EXPECT_FALSE(s.ok()) << "cut at " << cut;
  }
  std::string bad = ops;
  bad[0] = 9;  // no such op
  EXPECT_FALSE(ForEachJournalOp(bad, [](JournalOp, uint8_t, std::string_view, std::string_view) {
                 return Status::Ok();
               }).ok());
}

TEST_F(JournalTest, RecordsComeBackInOrderAndATornTailEndsThem) {
  const fs::path path = dir_ / "journal";
  {
    auto journal = Journal::Open(path.string());
    ASSERT_TRUE(journal.ok());
    ASSERT_TRUE((*journal)->Append(5, "first").ok());
    ASSERT_TRUE((*journal)->Append(6, std::string(10000, 'x')).ok());
    ASSERT_TRUE((*journal)->Append(7, "third").ok());
    EXPECT_EQ((*journal)->appends(), 3u);
    auto records = Records(**journal);
    ASSERT_EQ(records.size(), 3u);
    EXPECT_EQ(records[0], std::make_pair(uint64_t{5}, std::string("first")));
    EXPECT_EQ(records[1].second.size(), 10000u);
    EXPECT_EQ(records[2], std::make_pair(uint64_t{7}, std::string("third")));
  }
  // The file is zero-filled past the records; a flipped byte in the last one ends the log
  // just before it.
  std::string data = ReadAll(path);
  EXPECT_EQ(data.size() % (1 << 20), 0u);
  const size_t third = 24 + 5 + 4 + 24 + 10000 + 4;
  data[third + 18] ^= 0x40;
  WriteAll(path, data);
  auto journal = Journal::Open(path.string());
  ASSERT_TRUE(journal.ok());
  auto records = Records(**journal);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].first, 6u);
}

TEST_F(JournalTest, UndoAndResetLeaveOnlyWhatReplayMayTake) {
  const fs::path path = dir_ / "journal";
  auto journal = Journal::Open(path.string());
  ASSERT_TRUE(journal.ok());
  ASSERT_TRUE((*journal)->Append(10, "a").ok());
  ASSERT_TRUE((*journal)->Append(11, "b").ok());
  ASSERT_TRUE((*journal)->Undo().ok());  // 11 did not commit
  EXPECT_EQ(Records(**journal).size(), 1u);
  ASSERT_TRUE((*journal)->Append(11, "b2").ok());
  ASSERT_TRUE((*journal)->Append(12, "c").ok());
  // A checkpoint at 12 starts round 12; a record of 13 goes over the first. What follows it
  // in the file is of round 0, which replay of round 12 never takes.
  (*journal)->Reset(12);
  EXPECT_EQ((*journal)->size(), 0u);
  ASSERT_TRUE((*journal)->Append(13, "d").ok());
  std::vector<uint64_t> rounds;
  auto records = Records(**journal, &rounds);
  ASSERT_GE(records.size(), 1u);
  EXPECT_EQ(records[0], std::make_pair(uint64_t{13}, std::string("d")));
  EXPECT_EQ(rounds[0], 12u);
  for (size_t i = 1; i < records.size(); ++i) EXPECT_EQ(rounds[i], 0u);
}

TEST_F(JournalTest, CheckpointRoundTripsAndDamageIsRefused) {
  const fs::path path = dir_ / "checkpoint";
  auto none = ReadCheckpoint(path.string());
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  CheckpointState state;
  state.txn_id = 42;
  state.meta_page.assign(4096, '\0');
  for (int i = 0; i < 8; ++i)
    state.meta_page[16 + 128 + i] = static_cast<char>(uint64_t{42} >> (8 * i));
  state.meta_page[100] = 'm';
  ASSERT_TRUE(WriteCheckpoint(path.string(), state).ok());
  auto read = ReadCheckpoint(path.string());
  ASSERT_TRUE(read.ok() && read->has_value());
  EXPECT_EQ((*read)->txn_id, 42u);
  EXPECT_EQ((*read)->meta_page, state.meta_page);
  std::string data = ReadAll(path);
  data[200] ^= 1;
  WriteAll(path, data);
  EXPECT_FALSE(ReadCheckpoint(path.string()).ok());
}

// The model of what the environment holds: table -> key -> value.
using Model = std::map<int, std::map<std::string, std::string>>;

// One transaction of a deterministic workload: puts (many overwrites, values of varied
// size, some larger than a page) and deletes over three tables, so that LMDB frees and
// reuses pages all the time. With no transaction, only the model changes (the same draws).
bool Step(std::mt19937& rng, Txn* txn, Model& model) {
  const Table tables[] = {Table::kObjects, Table::kExtents, Table::kFragments};
  const int changes = 1 + static_cast<int>(rng() % 8);
  for (int c = 0; c < changes; ++c) {
    const Table table = tables[rng() % 3];
    const std::string key = "key-" + std::to_string(rng() % 400);
    auto& rows = model[static_cast<int>(table)];
    if (rng() % 4 == 0) {
      if (txn != nullptr && !txn->Delete(table, key).ok()) return false;
      rows.erase(key);
    } else {
      const size_t size = rng() % 16 == 0 ? 5000 + rng() % 3000 : 10 + rng() % 300;
      std::string value(size, static_cast<char>('a' + rng() % 26));
      value += std::to_string(rng());
      if (txn != nullptr && !txn->Put(table, key, value).ok()) return false;
      rows[key] = value;
    }
  }
  return true;
}

void ExpectHolds(Env& env, const Model& model) {
  auto txn = env.BeginRead();
  ASSERT_TRUE(txn.ok());
  for (const auto& [table, rows] : model) {
    auto cursor = Cursor::Open(*txn, static_cast<Table>(table));
    ASSERT_TRUE(cursor.ok());
    ASSERT_TRUE(cursor->First().ok());
    auto it = rows.begin();
    for (; cursor->valid(); ++it) {
      ASSERT_NE(it, rows.end()) << "extra key " << cursor->key();
      ASSERT_EQ(cursor->key(), it->first);
      ASSERT_EQ(cursor->value(), it->second) << it->first;
      ASSERT_TRUE(cursor->Next().ok());
    }
    EXPECT_EQ(it, rows.end()) << "missing key " << it->first;
  }
}

class JournalCrashTest : public JournalTest,
                         public ::testing::WithParamInterface<std::tuple<int, int>> {};

// A child process checkpoints, keeps committing and dies without closing. What it left on
// disk is then damaged the way a power cut can: every page of data.mdb is either as the
// checkpoint synced it or as the later (never synced) writes left it, meta pages included.
// Every committed transaction must come back.
TEST_P(JournalCrashTest, EveryCommitSurvivesACutAnyWayTheUnsyncedPagesFell) {
  // Not a structured binding: the lambda below captures them (clang 14 cannot).
  const auto seed = std::get<0>(GetParam());
  const auto newer_percent = std::get<1>(GetParam());
  const fs::path meta = dir_ / "meta";
  const fs::path image = dir_ / "checkpointed.mdb";
  constexpr int kBefore = 150, kAfter = 400;
  EnvOptions options{meta.string(), 64 << 20};
  options.checkpoint_ms = 0;
  InCrashingChild([&]() -> int {
    auto env = Env::Open(options);
    if (!env.ok()) ::_exit(2);
    std::mt19937 rng(seed);
    Model model;
    for (int i = 0; i < kBefore + kAfter; ++i) {
      if (i == kBefore) {
        if (!(*env)->Checkpoint().ok()) ::_exit(3);
        fs::copy_file(meta / "data.mdb", image);
      }
      auto txn = (*env)->BeginWrite();
      if (!txn.ok()) ::_exit(4);
      if (!Step(rng, &*txn, model) || !txn->Commit().ok()) ::_exit(5);
    }
    ::_exit(0);  // no close, no checkpoint
  });

  const std::string synced = ReadAll(image);
  std::string now = ReadAll(meta / "data.mdb");
  ASSERT_GE(now.size(), synced.size());
  constexpr size_t kPage = 4096;
  std::mt19937 cut(seed * 7919 + newer_percent);
  int newer = 0, older = 0;
  for (size_t at = 0; at < now.size(); at += kPage) {
    const bool keep_newer = static_cast<int>(cut() % 100) < newer_percent;
    if (keep_newer) {
      ++newer;
      continue;
    }
    ++older;
    if (at < synced.size()) {
      now.replace(at, kPage, synced, at, kPage);
    } else {
      now.replace(at, kPage, std::string(kPage, '\0'));
    }
  }
  WriteAll(meta / "data.mdb", now);

  std::mt19937 rng(seed);
  Model model;
  for (int i = 0; i < kBefore + kAfter; ++i) Step(rng, nullptr, model);
  auto env = Env::Open(options);
  ASSERT_TRUE(env.ok()) << env.status().ToString() << " (pages newer " << newer << ", older "
                        << older << ")";
  ExpectHolds(**env, model);
  // And it keeps working: a commit after recovery, a clean close, a clean open.
  {
    auto txn = (*env)->BeginWrite();
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(txn->Put(Table::kObjects, "after", "recovery").ok());
    ASSERT_TRUE(txn->Commit().ok());
    model[static_cast<int>(Table::kObjects)]["after"] = "recovery";
  }
  env->reset();
  auto again = Env::Open(options);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ExpectHolds(**again, model);
}

INSTANTIATE_TEST_SUITE_P(Cuts, JournalCrashTest,
                         ::testing::Combine(::testing::Values(1, 2, 3),
                                            ::testing::Values(0, 30, 70, 100)));

TEST_F(JournalTest, NestedChangesJoinTheirParentsRecordAndAbortedOnesDoNot) {
  const fs::path meta = dir_ / "meta";
  EnvOptions options{meta.string(), 16 << 20};
  options.checkpoint_ms = 0;
  InCrashingChild([&]() -> int {
    auto env = Env::Open(options);
    if (!env.ok()) ::_exit(2);
    auto txn = (*env)->BeginWrite();
    if (!txn.ok() || !txn->Put(Table::kBuckets, "parent", "1").ok()) ::_exit(3);
    {
      auto kept = txn->BeginNested();
      if (!kept.ok() || !kept->Put(Table::kBuckets, "kept", "2").ok() || !kept->Commit().ok()) {
        ::_exit(4);
      }
    }
    {
      auto dropped = txn->BeginNested();
      if (!dropped.ok() || !dropped->Put(Table::kBuckets, "dropped", "3").ok()) ::_exit(5);
      dropped->Abort();
    }
    if (!txn->Commit().ok()) ::_exit(6);
    ::_exit((*env)->journal_records() == 1 ? 0 : 7);
  });
  // Only the checkpoint the child made at open is on disk: the rest comes from the journal.
  auto env = Env::Open(options);
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  auto txn = (*env)->BeginRead();
  ASSERT_TRUE(txn.ok());
  EXPECT_EQ(txn->Get(Table::kBuckets, "parent")->value_or(""), "1");
  EXPECT_EQ(txn->Get(Table::kBuckets, "kept")->value_or(""), "2");
  EXPECT_FALSE(txn->Get(Table::kBuckets, "dropped")->has_value());
}

TEST_F(JournalTest, AJournalWithoutItsCheckpointIsRefused) {
  const fs::path meta = dir_ / "meta";
  EnvOptions options{meta.string(), 16 << 20};
  options.checkpoint_ms = 0;
  CommitOneAndCrash(options);
  fs::remove(meta / "checkpoint");
  auto env = Env::Open(options);
  ASSERT_FALSE(env.ok());
  EXPECT_NE(env.status().message().find("checkpoint file is missing"), std::string::npos)
      << env.status().ToString();
}

TEST_F(JournalTest, TurningTheJournalOffReplaysItFirst) {
  const fs::path meta = dir_ / "meta";
  EnvOptions options{meta.string(), 16 << 20};
  options.checkpoint_ms = 0;
  CommitOneAndCrash(options);
  options.journal = false;
  {
    auto env = Env::Open(options);
    ASSERT_TRUE(env.ok()) << env.status().ToString();
    auto txn = (*env)->BeginRead();
    ASSERT_TRUE(txn.ok());
    EXPECT_EQ(txn->Get(Table::kBuckets, "b")->value_or(""), "1");
    EXPECT_EQ((*env)->journal_records(), 0u);
  }
  EXPECT_FALSE(fs::exists(meta / "checkpoint"));
  EXPECT_FALSE(fs::exists(meta / "journal"));
}

}  // namespace
}  // namespace tessera::meta
