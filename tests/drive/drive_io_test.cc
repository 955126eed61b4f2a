#include "backend/drive/drive_io.h"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "backend/drive/faulty_drive.h"
#include "backend/drive/memory_drive.h"
#include "tests/drive/segment_files.h"

namespace tessera::drive {
namespace {

using testing::Create;
using testing::ReadAll;
using testing::Units;

// Forwards to `inner`, except that WriteAt() announces itself and blocks until Release(): the
// I/O thread is then busy, so every job queued meanwhile forms the next batch. One WriteAt()
// per GateFile.
class GateFile : public SegmentFile {
 public:
  explicit GateFile(std::shared_ptr<SegmentFile> inner) : inner_(std::move(inner)) {}

  Status WriteAt(uint64_t offset, const char* data, size_t n) override {
    entered_.count_down();
    released_.wait();
    return inner_->WriteAt(offset, data, n);
  }
  Status Sync() override { return inner_->Sync(); }
  Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) const override {
    return inner_->ReadAt(offset, buf, n);
  }
  Result<uint64_t> Size() const override { return inner_->Size(); }

  void AwaitEntered() { entered_.wait(); }
  void Release() { released_.count_down(); }

 private:
  std::shared_ptr<SegmentFile> inner_;
  std::latch entered_{1};
  std::latch released_{1};
};

class DriveIoTest : public ::testing::Test {
 protected:
  // DriveIo counts a batch's flushes after it signals the batch's completions. Batches run one
  // after another, so once a later job is done every earlier batch is counted; a write to a
  // file of another drive adds no flush and no sync to drive_.
  void Settle(DriveIo& io) {
    if (!scratch_) scratch_ = Create(scratch_drive_, 1);
    Completion done;
    io.Write(scratch_, 0, scratch_data_.data(), scratch_data_.size(), &done);
    ASSERT_TRUE(done.Wait().ok());
  }

  MemoryDrive drive_{1};
  MemoryDrive scratch_drive_{2};
  std::shared_ptr<SegmentFile> scratch_;
  std::string scratch_data_ = Units('s');
};

TEST(CompletionTest, FirstErrorWinsAndWaitResetsIt) {
  Completion done;
  EXPECT_TRUE(done.Wait().ok());  // nothing added: returns at once
  done.Add(3);
  done.Done(Status::Ok());
  done.Done(Status(ErrorCode::kDataLoss, "first"));
  done.Done(Status(ErrorCode::kInternal, "second"));
  Status st = done.Wait();
  EXPECT_EQ(st.code(), ErrorCode::kDataLoss);
  EXPECT_EQ(st.message(), "first");
  EXPECT_TRUE(done.Wait().ok());
  done.Add(1);
  done.Done(Status::Ok());
  EXPECT_TRUE(done.Wait().ok());
}

TEST(CompletionTest, WaitBlocksUntilEveryJobIsDone) {
  Completion done;
  done.Add(2);
  bool finished = false;  // written before the last Done(), read after Wait()
  std::thread worker([&] {
    done.Done(Status::Ok());
    finished = true;
    done.Done(Status::Ok());
  });
  EXPECT_TRUE(done.Wait().ok());
  EXPECT_TRUE(finished);
  worker.join();
}

TEST_F(DriveIoTest, WritesLandAtTheirOffsets) {
  auto a = Create(drive_, 1);
  auto b = Create(drive_, 2);
  ASSERT_TRUE(a && b);
  const std::vector<std::string> data = {Units('0'), Units('1', 2), Units('2'), Units('3')};
  DriveIo io;
  Completion done;
  io.Write(a, 3 * kWriteUnit, data[0].data(), data[0].size(), &done);
  io.Write(a, kWriteUnit, data[1].data(), data[1].size(), &done);
  io.Write(b, 0, data[2].data(), data[2].size(), &done);
  io.Write(a, 0, data[3].data(), data[3].size(), &done);
  ASSERT_TRUE(done.Wait().ok());
  EXPECT_EQ(ReadAll(*a), data[3] + data[1] + data[0]);
  EXPECT_EQ(ReadAll(*b), data[2]);
  EXPECT_EQ(drive_.writes(), 4u);
  EXPECT_EQ(drive_.syncs(), 0u);
  Settle(io);
  EXPECT_EQ(io.flushes(), 0u);
  EXPECT_GE(io.jobs(), 4u);
}

TEST_F(DriveIoTest, SyncCompletesOnlyOnceEarlierWritesAreDurable) {
  auto synced = Create(drive_, 1);
  auto unsynced = Create(drive_, 2);
  ASSERT_TRUE(synced && unsynced);
  const std::string first = Units('a', 2);
  const std::string second = Units('b');
  const std::string other = Units('c');
  MemoryDrive gate_drive(9);
  auto gate = std::make_shared<GateFile>(Create(gate_drive, 1));
  const std::string gate_data = Units('g');
  DriveIo io;
  Completion writes;
  Completion sync;
  io.Write(gate, 0, gate_data.data(), gate_data.size(), &writes);
  gate->AwaitEntered();
  // One batch: its writes must reach the drive before its sync does.
  io.Write(synced, 0, first.data(), first.size(), &writes);
  io.Write(unsynced, 0, other.data(), other.size(), &writes);
  io.Write(synced, 2 * kWriteUnit, second.data(), second.size(), &writes);
  io.Sync(synced, &sync);
  gate->Release();
  // Waiting for the sync alone is enough: the writes queued before it are durable.
  ASSERT_TRUE(sync.Wait().ok());
  drive_.Crash();
  EXPECT_EQ(ReadAll(*synced), first + second);
  EXPECT_EQ(ReadAll(*unsynced), "");  // a sync covers its own file only
  EXPECT_TRUE(writes.Wait().ok());
}

TEST_F(DriveIoTest, WriteErrorsReachWaitAndWaitResetsThem) {
  auto inner = std::make_shared<MemoryDrive>(3);
  FaultyDrive faulty(inner);
  auto file = Create(faulty, 1);
  ASSERT_TRUE(file);
  const std::string a = Units('a');
  const std::string b = Units('b');
  DriveIo io;
  Completion done;
  faulty.FailWritesAfter(1);
  io.Write(file, 0, a.data(), a.size(), &done);
  io.Write(file, kWriteUnit, b.data(), b.size(), &done);
  io.Write(file, 2 * kWriteUnit, b.data(), b.size(), &done);
  io.Sync(file, &done);
  Status st = done.Wait();
  EXPECT_EQ(st.code(), ErrorCode::kInternal);
  EXPECT_NE(st.message().find("write failure"), std::string::npos) << st.message();
  // The other jobs still ran: the first write landed and the sync made it durable.
  inner->Crash();
  EXPECT_EQ(ReadAll(*file), a);

  faulty.ClearFaults();
  EXPECT_TRUE(done.Wait().ok());
  io.Write(file, kWriteUnit, b.data(), b.size(), &done);
  io.Sync(file, &done);
  EXPECT_TRUE(done.Wait().ok());
  inner->Crash();
  EXPECT_EQ(ReadAll(*file), a + b);
}

TEST_F(DriveIoTest, SyncErrorsReachWait) {
  auto inner = std::make_shared<MemoryDrive>(3);
  FaultyDrive faulty(inner);
  auto file = Create(faulty, 1);
  ASSERT_TRUE(file);
  const std::string a = Units('a');
  DriveIo io;
  Completion done;
  faulty.FailSyncs(true);
  io.Write(file, 0, a.data(), a.size(), &done);
  io.Sync(file, &done);
  Status st = done.Wait();
  EXPECT_EQ(st.code(), ErrorCode::kInternal);
  EXPECT_NE(st.message().find("sync failure"), std::string::npos) << st.message();
  inner->Crash();
  EXPECT_EQ(ReadAll(*file), "");

  faulty.FailSyncs(false);
  io.Write(file, 0, a.data(), a.size(), &done);
  io.Sync(file, &done);
  EXPECT_TRUE(done.Wait().ok());
  inner->Crash();
  EXPECT_EQ(ReadAll(*file), a);
}

TEST_F(DriveIoTest, ConcurrentWritersShareFlushes) {
  constexpr int kWriters = 16;
  auto file = Create(drive_, 1);
  ASSERT_TRUE(file);
  std::vector<std::string> data;
  std::string expected;
  for (int i = 0; i < kWriters; ++i) {
    data.push_back(Units(static_cast<char>('A' + i)));
    expected += data.back();
  }
  DriveIo io;
  std::vector<Status> results(kWriters);
  std::vector<std::thread> writers;
  for (int i = 0; i < kWriters; ++i) {
    writers.emplace_back([&, i] {
      Completion done;
      io.Write(file, i * kWriteUnit, data[i].data(), data[i].size(), &done);
      io.Sync(file, &done);
      results[i] = done.Wait();
    });
  }
  for (std::thread& t : writers) t.join();
  for (const Status& st : results) EXPECT_TRUE(st.ok()) << st.ToString();
  Settle(io);
  EXPECT_GE(io.flushes(), 1u);
  EXPECT_LE(io.flushes(), static_cast<uint64_t>(kWriters));
  EXPECT_EQ(io.flushes(), drive_.syncs());
  EXPECT_EQ(drive_.writes(), static_cast<uint64_t>(kWriters));
  drive_.Crash();
  EXPECT_EQ(ReadAll(*file), expected);
}

TEST_F(DriveIoTest, SyncJobsOfOneBatchShareOneFlush) {
  constexpr int kWriters = 8;
  MemoryDrive gate_drive(9);
  auto gate = std::make_shared<GateFile>(Create(gate_drive, 1));
  auto file = Create(drive_, 1);
  ASSERT_TRUE(file);
  const std::string gate_data = Units('g');
  std::vector<std::string> data;
  for (int i = 0; i < kWriters; ++i) data.push_back(Units(static_cast<char>('a' + i)));

  DriveIo io;
  Completion gate_done;
  io.Write(gate, 0, gate_data.data(), gate_data.size(), &gate_done);
  gate->AwaitEntered();  // batch 1 is running and holds the thread
  std::vector<Completion> done(kWriters);
  for (int i = 0; i < kWriters; ++i) {
    io.Write(file, i * kWriteUnit, data[i].data(), data[i].size(), &done[i]);
    io.Sync(file, &done[i]);
  }
  gate->Release();
  ASSERT_TRUE(gate_done.Wait().ok());
  for (Completion& d : done) EXPECT_TRUE(d.Wait().ok());

  Settle(io);
  EXPECT_EQ(io.flushes(), 1u);
  EXPECT_EQ(drive_.syncs(), 1u);
  EXPECT_GE(io.jobs(), 1u + 2 * kWriters);
  drive_.Crash();
  std::string expected;
  for (const std::string& d : data) expected += d;
  EXPECT_EQ(ReadAll(*file), expected);
}

TEST_F(DriveIoTest, DestructorFinishesQueuedJobs) {
  constexpr int kWrites = 32;
  MemoryDrive gate_drive(9);
  auto gate = std::make_shared<GateFile>(Create(gate_drive, 1));
  auto file = Create(drive_, 1);
  ASSERT_TRUE(file);
  const std::string gate_data = Units('g');
  const std::string data = Units('d');
  Completion done;
  auto io = std::make_unique<DriveIo>();
  io->Write(gate, 0, gate_data.data(), gate_data.size(), &done);
  gate->AwaitEntered();
  for (int i = 0; i < kWrites; ++i)
    io->Write(file, i * kWriteUnit, data.data(), data.size(), &done);
  io->Sync(file, &done);
  // Open the gate only once the destructor is about to run: the I/O thread then almost
  // always finds it stopping with jobs still queued. Whatever the interleaving, the
  // destructor must run them all before it returns.
  std::atomic<bool> destroying{false};
  std::thread destroyer([&] {
    destroying = true;
    io.reset();
  });
  while (!destroying) std::this_thread::yield();
  gate->Release();
  destroyer.join();
  EXPECT_EQ(drive_.writes(), static_cast<uint64_t>(kWrites));
  EXPECT_EQ(drive_.syncs(), 1u);
  drive_.Crash();
  ASSERT_EQ(ReadAll(*file), Units('d', kWrites));
  EXPECT_TRUE(done.Wait().ok());
}

}  // namespace
}  // namespace tessera::drive
