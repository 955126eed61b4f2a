#include "gateway/server.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <future>
#include <list>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/encoding.h"
#include "common/log.h"
#include "http/framing.h"
#include "protocols/dialect.h"

namespace tessera::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
namespace ssl = asio::ssl;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;
constexpr auto kUse = asio::as_tuple(asio::use_awaitable);

namespace {

// Response bodies stream in chunks of this size; one no bigger is read whole by the worker
// that ran the request, in the same turn (no further hand-off between threads).
constexpr size_t kResponseChunk = 256 * 1024;
// Beast sizes each socket read by the connection buffer's free capacity: without this
// reserve a request body arrives 512 bytes per recv.
constexpr size_t kReadBuffer = 64 * 1024;
constexpr uint64_t kMaxRequestBody = 6ull << 30;  // 5 GiB object + aws-chunked framing
constexpr uint64_t kMaxDrain = 1 << 20;           // unread body we read and drop

// What a body read on the socket produced; default-constructible for co_spawn.
// Request body bytes read ahead on the I/O side before a worker takes the request.
constexpr uint64_t kPrefetch = 64 * 1024;
// A client's body rate is judged over this much time spent waiting for it.
constexpr std::chrono::steady_clock::duration kRateWindow = std::chrono::seconds(10);

// A handler that has waited this long for request body bytes gives its worker slot to a
// spare thread; at most kMaxSpareWorkers such threads wait at once (past that, waiting
// handlers keep their slots).
constexpr std::chrono::milliseconds kSlotRelease{50};
constexpr uint32_t kMaxSpareWorkers = 512;

struct ReadOutcome {
  size_t n = 0;
  ErrorCode code = ErrorCode::kOk;
  std::string message;
};

HttpRequest ToHttpRequest(const http::request_parser<http::buffer_body>& parser) {
  const auto& msg = parser.get();
  HttpRequest request;
  request.method = std::string(msg.method_string());
  request.target = std::string(msg.target());
  for (const auto& field : msg) {
    request.headers.emplace_back(ToLower(field.name_string()), std::string(Trim(field.value())));
    request.original_names.emplace_back(field.name_string());
  }
  return request;
}

}  // namespace

// The threads that run request handlers and store reads. `slots` of them work at once. A
// handler left waiting on the network (a client sending its body slowly) calls Release(),
// and a spare thread takes its slot until it calls Reacquire(): slow clients hold sockets
// and buffers, never the threads that do work. Threads past `slots` that are not waiting
// leave once they are idle.
class Workers {
 public:
  explicit Workers(uint32_t slots) : slots_(std::max<uint32_t>(1, slots)) {
    std::lock_guard lock(mu_);
    for (uint32_t i = 0; i < slots_; ++i) SpawnLocked();
  }
  ~Workers() { Join(); }

  asio::io_context::executor_type executor() { return ctx_.get_executor(); }

  // The calling handler is about to wait on the network; its slot may go to a spare.
  // Returns whether it did (then Reacquire() when the wait is over).
  bool Release() {
    std::lock_guard lock(mu_);
    if (waiting_ >= kMaxSpareWorkers) return false;
    ++waiting_;
    if (threads_ - waiting_ < slots_) SpawnLocked();
    return true;
  }
  void Reacquire() {
    std::lock_guard lock(mu_);
    --waiting_;
  }
  // Finishes queued work, then joins every thread.
  void Join() {
    guard_.reset();
    std::list<std::thread> all;
    {
      std::lock_guard lock(mu_);
      all.swap(threads_list_);
    }
    for (auto& t : all) t.join();
  }

 private:
  void SpawnLocked() {
    // Threads that left are joined here, so the list stays as long as what runs.
    for (auto it = threads_list_.begin(); it != threads_list_.end();) {
      if (finished_.count(it->get_id()) > 0) {
        finished_.erase(it->get_id());
        it->join();
        it = threads_list_.erase(it);
      } else {
        ++it;
      }
    }
    ++threads_;
    threads_list_.emplace_back([this] { Loop(); });
  }
  void Loop() {
    NameThread("tessera-worker");
    for (;;) {
      {
        std::lock_guard lock(mu_);
        if (threads_ - waiting_ > slots_ || ctx_.stopped()) {
          --threads_;
          finished_.insert(std::this_thread::get_id());
          return;
        }
      }
      // Bounded, so that a surplus thread with nothing to do notices and leaves.
      ctx_.run_one_for(std::chrono::seconds(1));
    }
  }

  const uint32_t slots_;
  // Hint 1: a thread that takes a handler does not wake another for what is still queued
  // (every post from an I/O thread wakes one already), and what a worker posts to this
  // context stays on that worker. Fewer wake-ups: GET 4 KiB at c16 goes from about 11k to
  // 14k a second on 2 cores. Locking stays on; any number of threads may run it.
  asio::io_context ctx_{1};
  asio::executor_work_guard<asio::io_context::executor_type> guard_{ctx_.get_executor()};
  std::mutex mu_;
  uint32_t threads_ = 0;  // running Loop()
  uint32_t waiting_ = 0;  // of those, handlers waiting on the network
  std::list<std::thread> threads_list_;
  std::set<std::thread::id> finished_;  // left Loop(), to be joined
};

// What the server needs of a connection, whatever its transport.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Called from a worker thread: blocks until the session's strand delivered bytes.
  virtual Result<size_t> ReadBodyBlocking(char* buf, size_t capacity) = 0;
  // The body as the handler reads it: what was read ahead on the I/O side, then the rest.
  virtual Result<size_t> ReadForHandler(char* buf, size_t capacity) = 0;
  virtual void CloseIfIdle() = 0;
  // Closes the connection whatever it is doing (shutdown past its grace): a body read in
  // progress fails, so the worker waiting on it gives up.
  virtual void Abort() = 0;

  // Since when the connection has waited for a request head (steady clock, microseconds;
  // 0 while a request is in hand). Read by the acceptor to evict the longest idle one.
  std::atomic<int64_t> idle_since_us{0};
};

int64_t SteadyMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The certificate and key of the TLS listeners. A connection takes the context current at
// its accept; the files are read again on Reload() (SIGHUP) and when their modification
// times change (checked at most once a second), so a renewed certificate needs no restart.
class TlsContexts {
 public:
  Status Load(std::string cert_file, std::string key_file) {
    std::lock_guard lock(mu_);
    cert_file_ = std::move(cert_file);
    key_file_ = std::move(key_file);
    return LoadLocked();
  }
  bool configured() const {
    std::lock_guard lock(mu_);
    return current_ != nullptr;
  }
  Status Reload() {
    std::lock_guard lock(mu_);
    if (cert_file_.empty()) return Status::Ok();
    return LoadLocked();
  }
  std::shared_ptr<ssl::context> Current() {
    std::lock_guard lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    if (current_ && now - checked_ > std::chrono::seconds(1)) {
      checked_ = now;
      if (Stamp() != stamp_) {
        Status s = LoadLocked();
        Log(LogLevel::kInfo, "TLS certificate changed on disk: %s\n",
            s.ok() ? "reloaded" : s.message().c_str());
      }
    }
    return current_;
  }

 private:
  std::string Stamp() const {
    std::error_code ec1, ec2;
    auto a = std::filesystem::last_write_time(cert_file_, ec1);
    auto b = std::filesystem::last_write_time(key_file_, ec2);
    return std::to_string(ec1 ? 0 : a.time_since_epoch().count()) + "/" +
           std::to_string(ec2 ? 0 : b.time_since_epoch().count());
  }
  // Keeps the previous context when the new files do not load (a half-written renewal).
  Status LoadLocked() {
    const std::string stamp = Stamp();
    auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
    context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                         ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                         ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    beast::error_code ec;
    context->use_certificate_chain_file(cert_file_, ec);
    if (ec)
      return Status(ErrorCode::kInvalidArgument,
                    "TLS certificate " + cert_file_ + ": " + ec.message());
    context->use_private_key_file(key_file_, ssl::context::pem, ec);
    if (ec)
      return Status(ErrorCode::kInvalidArgument, "TLS key " + key_file_ + ": " + ec.message());
    if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
      return Status(ErrorCode::kInvalidArgument,
                    "TLS key " + key_file_ + " does not match certificate " + cert_file_);
    }
    current_ = std::move(context);
    stamp_ = stamp;
    checked_ = std::chrono::steady_clock::now();
    return Status::Ok();
  }

  mutable std::mutex mu_;
  std::string cert_file_, key_file_;
  std::shared_ptr<ssl::context> current_;
  std::string stamp_;
  std::chrono::steady_clock::time_point checked_;
};

struct Server::Impl {
  Impl(RequestHandler* s3_handler, RequestHandler* blob_handler, Limits l)
      : s3(s3_handler),
        blob(blob_handler),
        limits(l),
        io(static_cast<int>(l.io_threads)),
        workers(l.worker_threads),
        signals(io),
        hangups(io) {
    SetLive(l);
  }

  RequestHandler* s3;
  RequestHandler* blob;
  Limits limits;  // as started: the thread counts hold for the process's life
  // What SIGHUP may change while sessions read it (the rest of Limits).
  std::atomic<uint32_t> header_limit{0}, header_timeout_s{0}, idle_timeout_s{0}, body_timeout_s{0},
      max_connections{0}, shutdown_grace_s{0}, max_per_address{0}, min_body_bytes_per_s{0};
  void SetLive(const Limits& l) {
    max_per_address = l.max_connections_per_address;
    min_body_bytes_per_s = l.min_body_bytes_per_s;
    header_limit = l.header_limit;
    header_timeout_s = l.header_timeout_s;
    idle_timeout_s = l.idle_timeout_s;
    body_timeout_s = l.body_timeout_s;
    max_connections = l.max_connections;
    shutdown_grace_s = l.shutdown_grace_s;
  }
  asio::io_context io;
  Workers workers;
  asio::signal_set signals;
  asio::signal_set hangups;  // SIGHUP: reload what can be reloaded
  std::function<void()> on_hangup;
  void WaitHangup() {
    hangups.async_wait([this](beast::error_code ec, int) {
      if (ec) return;
      if (on_hangup) on_hangup();
      WaitHangup();
    });
  }
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::vector<Dialect> acceptor_dialects;
  std::vector<RequestHandler*> acceptor_handlers;  // non-null: every request goes there
  std::vector<bool> acceptor_tls;
  TlsContexts tls;
  std::vector<std::string> endpoints;
  std::string admin_endpoint;
  std::atomic<bool> stopping{false};
  std::atomic<int> sessions{0};
  std::mutex mu;
  std::list<std::weak_ptr<SessionBase>> live;  // for closing idle sessions at shutdown
  std::map<std::string, int> per_address;      // open connections by remote address; mu
  std::atomic<uint64_t> evicted{0};            // idle connections closed to make room

  // ServerStats, per dialect (0 = S3, 1 = Blob).
  std::atomic<uint64_t> responses[2][6] = {};
  std::atomic<uint64_t> bytes_in[2] = {};
  std::atomic<uint64_t> bytes_out[2] = {};
  std::atomic<uint64_t> latency[2][kLatencyBuckets.size() + 1] = {};
  std::atomic<uint64_t> latency_sum_us[2] = {};
  void Record(int dialect, int status, std::chrono::steady_clock::duration took) {
    responses[dialect][std::clamp(status / 100, 1, 5)]++;
    const double seconds = std::chrono::duration<double>(took).count();
    size_t bucket = 0;
    while (bucket < kLatencyBuckets.size() && seconds > kLatencyBuckets[bucket]) ++bucket;
    latency[dialect][bucket]++;
    latency_sum_us[dialect] += std::chrono::duration_cast<std::chrono::microseconds>(took).count();
  }
  Result<std::unique_ptr<tcp::acceptor>> Bind(const ListenAddress& address, std::string* endpoint);
  std::function<void(const Completed&)> completed;

  RequestHandler& HandlerFor(const HttpRequest& request, Dialect listener_default) {
    if (blob && DetectDialect(request, listener_default) == Dialect::kBlob) return *blob;
    return *s3;
  }
  asio::awaitable<void> Accept(tcp::acceptor& acceptor, Dialect dialect, RequestHandler* pinned,
                               bool tls);
  void BeginStop();
  bool Admit(const std::string& address);
};

// One connection: reads request heads, hands each request to a worker thread, streams
// bodies in both directions, and loops while the connection stays alive. `Stream` is a
// beast::tcp_stream, or a TlsStream over one (then the handshake comes first).
template <typename Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(Stream stream, Server::Impl& server, Dialect dialect, RequestHandler* pinned)
      : stream_(std::move(stream)), server_(server), dialect_(dialect), pinned_(pinned) {}

  asio::awaitable<void> Run();
  Result<size_t> ReadBodyBlocking(char* buf, size_t capacity) override;
  Result<size_t> ReadForHandler(char* buf, size_t capacity) override;
  void CloseIfIdle() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->idle_) self->Tcp().socket().close();
    });
  }
  void Abort() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      beast::error_code ignored;
      self->Tcp().socket().close(ignored);
    });
  }

 private:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;
  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }
  void ExpiresAfter(std::chrono::seconds s) { Tcp().expires_after(s); }

  asio::awaitable<ReadOutcome> ReadBody(char* buf, size_t capacity);
  asio::awaitable<void> Prefetch();
  asio::awaitable<bool> Write(HttpResponse& response, bool keep_alive);
  asio::awaitable<bool> WriteStreamed(HttpResponse& response, bool keep_alive);
  asio::awaitable<bool> WriteWhole(HttpResponse& response, bool keep_alive);
  // On the worker: reads a streamed body of at most kResponseChunk into whole_.
  Status ReadWhole(BodySource& source, uint64_t size);
  asio::awaitable<bool> DrainBody();
  asio::awaitable<HttpResponse> Execute(RequestHandler& handler, const HttpRequest& request);

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::buffer_body>> parser_;
  Server::Impl& server_;
  Dialect dialect_;          // the listener's default
  RequestHandler* pinned_;   // the admin listener's handler; null on data listeners
  int served_ = -1;          // dialect of the request in hand (index of ServerStats), -1: none
  uint64_t request_in_ = 0;  // body bytes of the request in hand
  uint64_t request_out_ = 0;
  bool expect_continue_ = false;
  bool sent_continue_ = false;
  bool idle_ = true;
  // The response body of the request in hand when read whole on the worker (size bytes).
  std::unique_ptr<char[]> whole_;
  size_t whole_size_ = 0;
  // Body bytes read on the I/O side before a worker is taken (a client that trickles its
  // body holds no worker), handed to the handler first.
  std::string prefetched_;
  size_t prefetched_at_ = 0;
  std::optional<ReadOutcome> prefetch_error_;
  // Time spent waiting for this request's body bytes, and the bytes: the client must keep
  // Limits::min_body_bytes_per_s over every kRateWindow of waiting.
  std::chrono::steady_clock::duration body_wait_{};
  uint64_t body_window_bytes_ = 0;
};

// A request body as the handler sees it: pulls from the socket through the session.
class SocketBody : public BodySource {
 public:
  SocketBody(SessionBase& session, std::optional<uint64_t> length)
      : session_(session), length_(length) {}
  Result<size_t> Read(char* buf, size_t capacity) override {
    return session_.ReadForHandler(buf, capacity);
  }
  // The Content-Length, when the request has one (not chunked).
  std::optional<uint64_t> Size() const override { return length_; }

 private:
  SessionBase& session_;
  std::optional<uint64_t> length_;
};

template <typename Message>
void ApplyHeaders(Message& msg, const HttpResponse& response, bool keep_alive) {
  msg.set(http::field::server, "Tessera");
  for (const auto& [name, value] : response.headers) msg.insert(name, value);
  msg.keep_alive(keep_alive);
}

template <typename Stream>
asio::awaitable<ReadOutcome> Session<Stream>::ReadBody(char* buf, size_t capacity) {
  auto& parser = *parser_;
  if (parser.is_done()) co_return ReadOutcome{0, ErrorCode::kOk, {}};
  if (expect_continue_ && !sent_continue_) {
    sent_continue_ = true;
    http::response<http::empty_body> cont{http::status::continue_, 11};
    auto [ec, n] = co_await http::async_write(stream_, cont, kUse);
    if (ec) co_return ReadOutcome{0, ErrorCode::kIncompleteBody, ec.message()};
  }
  static constexpr char kTooSlow[] =
      "Your socket connection to the server was not read from or written to within the timeout "
      "period.";
  // Socket reads one at a time until the buffer is full or the body ends, so that the
  // client's rate is judged between them: at least min_body_bytes_per_s over every
  // kRateWindow spent waiting (silence for a whole window fails at once).
  const uint64_t min_rate = server_.min_body_bytes_per_s.load();
  const auto expiry = min_rate == 0
                          ? std::chrono::seconds(server_.body_timeout_s.load())
                          : std::min(std::chrono::seconds(server_.body_timeout_s.load()),
                                     std::chrono::duration_cast<std::chrono::seconds>(kRateWindow));
  size_t got = 0;
  while (got < capacity && !parser.is_done()) {
    parser.get().body().data = buf + got;
    parser.get().body().size = capacity - got;
    ExpiresAfter(expiry);
    const auto waited_from = std::chrono::steady_clock::now();
    auto [ec, n] = co_await http::async_read_some(stream_, buffer_, parser, kUse);
    body_wait_ += std::chrono::steady_clock::now() - waited_from;
    if (ec == http::error::need_buffer) ec = {};
    if (ec == beast::error::timeout) co_return ReadOutcome{0, ErrorCode::kRequestTimeout, kTooSlow};
    if (ec == http::error::body_limit) {
      co_return ReadOutcome{0, ErrorCode::kEntityTooLarge, "request body too large"};
    }
    if (ec) {
      co_return ReadOutcome{0, ErrorCode::kIncompleteBody,
                            "You did not provide the number of bytes specified by the "
                            "Content-Length HTTP header: " +
                                ec.message()};
    }
    const size_t now_got = capacity - parser.get().body().size;
    body_window_bytes_ += now_got - got;
    got = now_got;
    if (body_wait_ >= kRateWindow) {  // a full window of waiting: was it fast enough?
      const auto window_s = std::chrono::duration_cast<std::chrono::seconds>(kRateWindow).count();
      if (body_window_bytes_ < min_rate * static_cast<uint64_t>(window_s)) {
        co_return ReadOutcome{0, ErrorCode::kRequestTimeout, kTooSlow};
      }
      body_wait_ = {};
      body_window_bytes_ = 0;
    }
  }
  if (served_ >= 0) server_.bytes_in[served_] += got;
  request_in_ += got;
  co_return ReadOutcome{got, ErrorCode::kOk, {}};
}

template <typename Stream>
asio::awaitable<void> Session<Stream>::Prefetch() {
  prefetched_.clear();
  prefetched_at_ = 0;
  prefetch_error_.reset();
  // With Expect: 100-continue the client waits to be asked; the handler asks.
  if (parser_->is_done() || expect_continue_) co_return;
  const uint64_t want =
      std::min<uint64_t>(kPrefetch, parser_->content_length().value_or(kPrefetch));
  prefetched_.resize(want);
  size_t have = 0;
  while (have < want && !parser_->is_done()) {
    ReadOutcome got = co_await ReadBody(prefetched_.data() + have, want - have);
    if (got.code != ErrorCode::kOk) {
      prefetch_error_ = std::move(got);
      break;
    }
    if (got.n == 0) break;
    have += got.n;
  }
  prefetched_.resize(have);
}

template <typename Stream>
Result<size_t> Session<Stream>::ReadForHandler(char* buf, size_t capacity) {
  if (prefetched_at_ < prefetched_.size()) {
    const size_t n = std::min(capacity, prefetched_.size() - prefetched_at_);
    std::memcpy(buf, prefetched_.data() + prefetched_at_, n);
    prefetched_at_ += n;
    return n;
  }
  if (prefetch_error_) return Status(prefetch_error_->code, prefetch_error_->message);
  return ReadBodyBlocking(buf, capacity);
}

template <typename Stream>
Result<size_t> Session<Stream>::ReadBodyBlocking(char* buf, size_t capacity) {
  // A handler may ask for zero bytes; a zero-byte read would look like end of stream.
  if (capacity == 0) return size_t{0};
  std::promise<ReadOutcome> promise;
  auto future = promise.get_future();
  asio::co_spawn(stream_.get_executor(), ReadBody(buf, capacity),
                 [&promise](std::exception_ptr e, ReadOutcome outcome) {
                   if (e) outcome = ReadOutcome{0, ErrorCode::kInternal, "body read failed"};
                   promise.set_value(std::move(outcome));
                 });
  // A client slower than kSlotRelease gives this thread's slot to a spare meanwhile. The
  // network loop may stop before the read completes (shutdown): then the read never will,
  // and the worker must not wait for it.
  bool released = false;
  auto wait = kSlotRelease;
  while (future.wait_for(wait) != std::future_status::ready) {
    if (!released) released = server_.workers.Release();
    wait = std::chrono::milliseconds(100);
    if (server_.io.stopped()) {
      if (released) server_.workers.Reacquire();
      return Status(ErrorCode::kRequestTimeout, "the server stopped before the body arrived");
    }
  }
  if (released) server_.workers.Reacquire();
  ReadOutcome outcome = future.get();
  if (outcome.code != ErrorCode::kOk) return Status(outcome.code, outcome.message);
  return outcome.n;
}

template <typename Stream>
asio::awaitable<HttpResponse> Session<Stream>::Execute(RequestHandler& handler,
                                                       const HttpRequest& request) {
  std::optional<uint64_t> length;
  if (auto declared = parser_->content_length()) length = *declared;
  SocketBody body(*this, length);
  whole_.reset();
  whole_size_ = 0;
  auto [e, response] = co_await asio::co_spawn(
      server_.workers.executor(),
      [&]() -> asio::awaitable<HttpResponse> {
        HttpResponse r = handler.Handle(request, body);
        if (r.stream && !r.head &&
            r.content_length.value_or(kResponseChunk + 1) <= kResponseChunk) {
          // A small body is read here and now: its bytes go out without another trip to a
          // worker, and a read that fails is still answered with an error status.
          if (Status read = ReadWhole(*r.stream, *r.content_length); !read.ok()) {
            RequestRecord record = std::move(r.record);
            r = handler.Reject(request, read);
            r.record.operation = std::move(record.operation);
            r.record.account = std::move(record.account);
            r.record.bucket = std::move(record.bucket);
            r.record.key = std::move(record.key);
          }
        }
        co_return r;
      },
      kUse);
  if (e) co_return handler.Reject(request, Status(ErrorCode::kInternal, "internal error"));
  co_return std::move(response);
}

template <typename Stream>
Status Session<Stream>::ReadWhole(BodySource& source, uint64_t size) {
  // Not zero-filled: it is written over.
  std::unique_ptr<char[]> buf(new char[std::max<uint64_t>(size, 1)]);
  uint64_t have = 0;
  while (have < size) {
    ASSIGN_OR_RETURN(size_t n, source.Read(buf.get() + have, static_cast<size_t>(size - have)));
    if (n == 0) return Status(ErrorCode::kInternal, "the object ended before its length");
    have += n;
  }
  whole_ = std::move(buf);
  whole_size_ = static_cast<size_t>(size);
  return Status::Ok();
}

template <typename Stream>
asio::awaitable<bool> Session<Stream>::WriteWhole(HttpResponse& response, bool keep_alive) {
  http::response<http::buffer_body> msg{static_cast<http::status>(response.status), 11};
  ApplyHeaders(msg, response, keep_alive);
  msg.content_length(whole_size_);
  msg.body().data = whole_.get();
  msg.body().size = whole_size_;
  msg.body().more = false;
  ExpiresAfter(std::chrono::seconds(server_.body_timeout_s.load()));
  auto [ec, n] = co_await http::async_write(stream_, msg, kUse);
  whole_.reset();
  if (ec) co_return false;
  if (served_ >= 0) server_.bytes_out[served_] += whole_size_;
  request_out_ += whole_size_;
  co_return true;
}

template <typename Stream>
asio::awaitable<bool> Session<Stream>::DrainBody() {
  auto& parser = *parser_;
  uint64_t drained = 0;
  char scratch[16384];
  while (!parser.is_done()) {
    if (drained > kMaxDrain || (expect_continue_ && !sent_continue_)) co_return false;
    // Through ReadBody: a client that trickles what is left is held to the minimum rate.
    ReadOutcome got = co_await ReadBody(scratch, sizeof(scratch));
    if (got.code != ErrorCode::kOk) co_return false;
    if (got.n == 0 && !parser.is_done()) co_return false;
    drained += got.n;
  }
  co_return true;
}

template <typename Stream>
asio::awaitable<bool> Session<Stream>::WriteStreamed(HttpResponse& response, bool keep_alive) {
  http::response<http::buffer_body> msg{static_cast<http::status>(response.status), 11};
  ApplyHeaders(msg, response, keep_alive);
  uint64_t remaining = response.content_length.value_or(0);
  msg.content_length(remaining);
  msg.body().data = nullptr;
  msg.body().more = true;
  http::response_serializer<http::buffer_body> serializer{msg};
  ExpiresAfter(std::chrono::seconds(server_.body_timeout_s.load()));
  auto [ec, n] = co_await http::async_write_header(stream_, serializer, kUse);
  if (ec) co_return false;
  // Sized to the body (a 4 KiB object takes 4 KiB) and not zero-filled: it is written over.
  const size_t chunk_size = static_cast<size_t>(std::min<uint64_t>(remaining, kResponseChunk));
  std::unique_ptr<char[]> chunk(new char[std::max<size_t>(chunk_size, 1)]);
  BodySource* source = response.stream.get();
  while (remaining > 0) {
    size_t want = remaining < chunk_size ? static_cast<size_t>(remaining) : chunk_size;
    // Store reads block (disk, decode): do them on a worker thread.
    auto [e, outcome] = co_await asio::co_spawn(
        server_.workers.executor(),
        [&]() -> asio::awaitable<ReadOutcome> {
          auto r = source->Read(chunk.get(), want);
          if (!r.ok()) co_return ReadOutcome{0, r.status().code(), r.status().message()};
          co_return ReadOutcome{*r, ErrorCode::kOk, {}};
        },
        kUse);
    // Headers are gone: a failure mid-body can only be signalled by closing early.
    if (e || outcome.code != ErrorCode::kOk || outcome.n == 0) co_return false;
    remaining -= outcome.n;
    if (served_ >= 0) server_.bytes_out[served_] += outcome.n;
    request_out_ += outcome.n;
    msg.body().data = chunk.get();
    msg.body().size = outcome.n;
    msg.body().more = remaining > 0;
    ExpiresAfter(std::chrono::seconds(server_.body_timeout_s.load()));
    auto [wec, wn] = co_await http::async_write(stream_, serializer, kUse);
    if (wec == http::error::need_buffer) wec = {};
    if (wec) co_return false;
  }
  if (!serializer.is_done()) {
    msg.body().data = nullptr;
    msg.body().size = 0;
    msg.body().more = false;
    auto [fec, fn] = co_await http::async_write(stream_, serializer, kUse);
    if (fec) co_return false;
  }
  co_return true;
}

template <typename Stream>
asio::awaitable<bool> Session<Stream>::Write(HttpResponse& response, bool keep_alive) {
  if (response.stream && !response.head) {
    // (Not one co_await of a conditional expression: GCC 12 destroys such a frame twice.)
    if (whole_) co_return co_await WriteWhole(response, keep_alive);
    co_return co_await WriteStreamed(response, keep_alive);
  }
  ExpiresAfter(std::chrono::seconds(server_.body_timeout_s.load()));
  if (response.head || response.status == 304 || response.status == 204) {
    http::response<http::empty_body> msg{static_cast<http::status>(response.status), 11};
    ApplyHeaders(msg, response, keep_alive);
    if (response.status != 204 && response.status != 304) {
      msg.set(http::field::content_length, std::to_string(response.content_length.value_or(0)));
    }
    auto [ec, n] = co_await http::async_write(stream_, msg, kUse);
    co_return !ec;
  }
  http::response<http::string_body> msg{static_cast<http::status>(response.status), 11};
  ApplyHeaders(msg, response, keep_alive);
  if (served_ >= 0) server_.bytes_out[served_] += response.body.size();
  request_out_ += response.body.size();
  msg.body() = std::move(response.body);
  msg.prepare_payload();
  auto [ec, n] = co_await http::async_write(stream_, msg, kUse);
  co_return !ec;
}

template <typename Stream>
asio::awaitable<void> Session<Stream>::Run() {
  buffer_.max_size(server_.header_limit.load() + kReadBuffer);
  buffer_.reserve(kReadBuffer);
  if constexpr (kTls) {
    // The handshake counts against the header timeout: a silent peer holds nothing longer.
    ExpiresAfter(std::chrono::seconds(server_.header_timeout_s.load()));
    auto [ec] = co_await stream_.async_handshake(ssl::stream_base::server, kUse);
    if (ec) {
      beast::error_code ignored;
      Tcp().socket().close(ignored);
      co_return;
    }
  }
  bool first = true;
  for (;;) {
    parser_.emplace();
    parser_->header_limit(server_.header_limit.load());
    parser_->body_limit(kMaxRequestBody);
    idle_ = true;
    if (server_.stopping) break;
    ExpiresAfter(std::chrono::seconds(first ? server_.header_timeout_s.load()
                                            : server_.idle_timeout_s.load()));
    first = false;
    idle_since_us = SteadyMicros();
    auto [ec, n] = co_await http::async_read_header(stream_, buffer_, *parser_, kUse);
    idle_ = false;
    idle_since_us = 0;
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == beast::error::timeout || ec == asio::error::connection_reset ||
        ec == asio::error::eof) {
      break;
    }
    // A head that cannot be served is answered in the listener's dialect, and the
    // connection closes: where its body ends is not known.
    RequestHandler& rejecter = pinned_                                      ? *pinned_
                               : dialect_ == Dialect::kBlob && server_.blob ? *server_.blob
                                                                            : *server_.s3;
    if (ec) {
      HttpRequest partial;
      Status status = ec == http::error::header_limit
                          ? Status(ErrorCode::kRequestHeaderTooLarge,
                                   "Your request header section exceeds the maximum allowed size.")
                          : Status(ErrorCode::kInvalidRequest, "Malformed HTTP request");
      HttpResponse response = rejecter.Reject(partial, status);
      co_await Write(response, false);
      break;
    }
    HttpRequest request = ToHttpRequest(*parser_);
    if (Status framing = CheckFraming(request); !framing.ok()) {
      HttpResponse response = rejecter.Reject(request, framing);
      co_await Write(response, false);
      break;
    }
    beast::error_code peer_error;
    auto peer = Tcp().socket().remote_endpoint(peer_error);
    if (!peer_error) request.remote_address = peer.address().to_string();
    request.secure = kTls;
    expect_continue_ = beast::iequals(parser_->get()[http::field::expect], "100-continue");
    sent_continue_ = false;
    const auto began = std::chrono::steady_clock::now();
    const auto began_wall = std::chrono::system_clock::now();
    RequestHandler& handler = pinned_ ? *pinned_ : server_.HandlerFor(request, dialect_);
    served_ = pinned_ ? -1 : &handler == server_.blob ? 1 : 0;
    request_in_ = request_out_ = 0;
    body_wait_ = {};
    body_window_bytes_ = 0;
    co_await Prefetch();
    HttpResponse response = co_await Execute(handler, request);
    // A body that could not be read leaves the connection's framing unknown: it closes.
    bool keep_alive =
        parser_->get().keep_alive() && !response.close && !server_.stopping && !prefetch_error_;
    if (keep_alive && !parser_->is_done()) keep_alive = co_await DrainBody();
    const int status = response.status;
    RequestRecord record = std::move(response.record);
    const bool written = co_await Write(response, keep_alive);
    const auto took = std::chrono::steady_clock::now() - began;
    if (served_ >= 0) {
      server_.Record(served_, status, took);
      if (server_.completed) {
        Completed done;
        done.time_us =
            std::chrono::duration_cast<std::chrono::microseconds>(began_wall.time_since_epoch())
                .count();
        done.remote = request.remote_address;
        done.dialect = served_;
        done.method = request.method;
        done.path = request.target.substr(0, request.target.find('?'));
        done.user_agent = std::string(request.Header("user-agent"));
        done.status = status;
        done.bytes_in = request_in_;
        done.bytes_out = request_out_;
        done.seconds = std::chrono::duration<double>(took).count();
        done.whole = written;
        done.record = std::move(record);
        server_.completed(done);
      }
    }
    served_ = -1;
    if (!written || !keep_alive) break;
  }
  beast::error_code ignored;
  Tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
  Tcp().socket().close(ignored);
}

asio::awaitable<void> Server::Impl::Accept(tcp::acceptor& acceptor, Dialect dialect,
                                           RequestHandler* pinned, bool tls) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(io), kUse);
    if (ec) {
      if (stopping || ec == asio::error::operation_aborted) co_return;
      continue;
    }
    beast::error_code ignored;
    const auto remote = socket.remote_endpoint(ignored);
    const std::string address = ignored ? std::string() : remote.address().to_string();
    if (!Admit(address)) {
      socket.close(ignored);
      continue;
    }
    socket.set_option(tcp::no_delay(true), ignored);
    auto executor = socket.get_executor();
    std::shared_ptr<SessionBase> base;
    std::function<asio::awaitable<void>()> run;
    if (tls) {
      // The session keeps the context it started with alive, whatever reloads happen.
      std::shared_ptr<ssl::context> context = this->tls.Current();
      auto session = std::make_shared<Session<TlsStream>>(
          TlsStream(beast::tcp_stream(std::move(socket)), *context), *this, dialect, pinned);
      run = [session, context]() { return session->Run(); };
      base = session;
    } else {
      auto session = std::make_shared<Session<beast::tcp_stream>>(
          beast::tcp_stream(std::move(socket)), *this, dialect, pinned);
      run = [session]() { return session->Run(); };
      base = session;
    }
    {
      std::lock_guard lock(mu);
      live.remove_if([](const std::weak_ptr<SessionBase>& w) { return w.expired(); });
      live.push_back(base);
      ++per_address[address];
    }
    ++sessions;
    asio::co_spawn(executor, std::move(run), [this, address](std::exception_ptr) {
      --sessions;
      std::lock_guard lock(mu);
      if (--per_address[address] <= 0) per_address.erase(address);
    });
  }
}

// Whether a new connection from `address` may be served: at most
// max_connections_per_address from one address; at max_connections, the connection that
// has waited longest for a request head (idle keep-alive, or one that never sent a whole
// head) is closed to make room, and only when none waits is the new one refused.
bool Server::Impl::Admit(const std::string& address) {
  std::lock_guard lock(mu);
  if (auto it = per_address.find(address);
      it != per_address.end() && it->second >= static_cast<int>(max_per_address.load())) {
    return false;
  }
  if (sessions.load() < static_cast<int>(max_connections.load())) return true;
  std::shared_ptr<SessionBase> oldest;
  int64_t oldest_since = 0;
  for (auto& weak : live) {
    auto s = weak.lock();
    if (!s) continue;
    const int64_t since = s->idle_since_us.load();
    if (since != 0 && (!oldest || since < oldest_since)) {
      oldest = std::move(s);
      oldest_since = since;
    }
  }
  if (!oldest) return false;
  oldest->idle_since_us = 0;  // not chosen twice
  oldest->Abort();
  ++evicted;
  return true;
}

void Server::Impl::BeginStop() {
  if (stopping.exchange(true)) return;
  for (auto& acceptor : acceptors) {
    beast::error_code ignored;
    acceptor->close(ignored);
  }
  {
    std::lock_guard lock(mu);
    for (auto& weak : live) {
      if (auto s = weak.lock()) s->CloseIfIdle();
    }
  }
  // Wait for in-flight requests, then stop the loop.
  auto timer = std::make_shared<asio::steady_timer>(io);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(shutdown_grace_s.load());
  auto poll = std::make_shared<std::function<void()>>();
  // Past the grace, every connection is closed (reads and writes in progress fail), and
  // the loop stops when they are gone or 5 s later, whatever clients do.
  *poll = [this, timer, deadline, poll]() {
    const auto now = std::chrono::steady_clock::now();
    if (sessions.load() == 0 || now > deadline + std::chrono::seconds(5)) {
      io.stop();
      return;
    }
    if (now > deadline) {
      std::lock_guard lock(mu);
      for (auto& weak : live) {
        if (auto s = weak.lock()) s->Abort();
      }
    }
    {
      std::lock_guard lock(mu);
      for (auto& weak : live) {
        if (auto s = weak.lock()) s->CloseIfIdle();
      }
    }
    timer->expires_after(std::chrono::milliseconds(50));
    timer->async_wait([poll](beast::error_code) { (*poll)(); });
  };
  (*poll)();
}

void Server::UpdateLimits(const Limits& limits) { impl_->SetLive(limits); }

Server::Server(RequestHandler* s3, RequestHandler* blob, Limits limits)
    : impl_(std::make_unique<Impl>(s3, blob, limits)) {}

Server::~Server() { impl_->workers.Join(); }

Result<std::unique_ptr<tcp::acceptor>> Server::Impl::Bind(const ListenAddress& address,
                                                          std::string* endpoint) {
  beast::error_code ec;
  auto ip = asio::ip::make_address(address.host, ec);
  if (ec) return Status(ErrorCode::kInvalidArgument, "bad listen host " + address.host);
  tcp::endpoint at(ip, address.port);
  auto acceptor = std::make_unique<tcp::acceptor>(io);
  acceptor->open(at.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(at, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status(ErrorCode::kInternal, "cannot listen on " + address.host + ":" +
                                            std::to_string(address.port) + ": " + ec.message());
  }
  auto bound = acceptor->local_endpoint();
  std::string host = bound.address().is_v6() ? "[" + bound.address().to_string() + "]"
                                             : bound.address().to_string();
  *endpoint = (address.tls ? "https://" : "http://") + host + ":" + std::to_string(bound.port());
  return acceptor;
}

Status Server::Listen(const std::vector<ListenAddress>& addresses) {
  for (const auto& address : addresses) {
    if (address.tls && !impl_->tls.configured()) {
      return Status(ErrorCode::kInvalidArgument,
                    "an https listener needs a TLS certificate and key");
    }
    std::string endpoint;
    ASSIGN_OR_RETURN(auto acceptor, impl_->Bind(address, &endpoint));
    impl_->endpoints.push_back(endpoint);
    impl_->acceptors.push_back(std::move(acceptor));
    impl_->acceptor_dialects.push_back(address.dialect);
    impl_->acceptor_handlers.push_back(nullptr);
    impl_->acceptor_tls.push_back(address.tls);
  }
  return Status::Ok();
}

Status Server::ListenAdmin(const ListenAddress& address, RequestHandler* handler) {
  if (address.tls && !impl_->tls.configured()) {
    return Status(ErrorCode::kInvalidArgument, "an https listener needs a TLS certificate and key");
  }
  ASSIGN_OR_RETURN(auto acceptor, impl_->Bind(address, &impl_->admin_endpoint));
  impl_->acceptors.push_back(std::move(acceptor));
  impl_->acceptor_dialects.push_back(Dialect::kS3);
  impl_->acceptor_handlers.push_back(handler);
  impl_->acceptor_tls.push_back(address.tls);
  return Status::Ok();
}

Status Server::SetTls(const std::string& cert_file, const std::string& key_file) {
  return impl_->tls.Load(cert_file, key_file);
}

Status Server::ReloadTls() { return impl_->tls.Reload(); }

std::string Server::AdminEndpoint() const { return impl_->admin_endpoint; }

void Server::OnHangup(std::function<void()> reload) { impl_->on_hangup = std::move(reload); }

void Server::OnCompleted(std::function<void(const Completed&)> sink) {
  impl_->completed = std::move(sink);
}

ServerStats Server::Stats() const {
  ServerStats stats;
  stats.open_connections = static_cast<uint64_t>(std::max(0, impl_->sessions.load()));
  for (int d = 0; d < 2; ++d) {
    for (size_t c = 0; c < 6; ++c) stats.responses[d][c] = impl_->responses[d][c].load();
    stats.bytes_in[d] = impl_->bytes_in[d].load();
    stats.bytes_out[d] = impl_->bytes_out[d].load();
    for (size_t b = 0; b < stats.latency[d].size(); ++b) stats.latency[d][b] = impl_->latency[d][b];
    stats.latency_sum_s[d] = static_cast<double>(impl_->latency_sum_us[d].load()) / 1e6;
  }
  return stats;
}

std::vector<std::string> Server::Endpoints() const { return impl_->endpoints; }

void Server::Run(bool handle_signals) {
  for (size_t i = 0; i < impl_->acceptors.size(); ++i) {
    asio::co_spawn(impl_->io,
                   impl_->Accept(*impl_->acceptors[i], impl_->acceptor_dialects[i],
                                 impl_->acceptor_handlers[i], impl_->acceptor_tls[i]),
                   asio::detached);
  }
  if (handle_signals) {
    impl_->signals.add(SIGTERM);
    impl_->signals.add(SIGINT);
    impl_->hangups.add(SIGHUP);
    impl_->WaitHangup();
    impl_->signals.async_wait([this](beast::error_code ec, int) {
      if (ec) return;
      impl_->BeginStop();
      // A second SIGTERM or SIGINT exits at once. Nothing acknowledged is lost: the store
      // is safe against a crash at any instant, and this is one.
      impl_->signals.async_wait([](beast::error_code again, int) {
        if (again) return;
        static constexpr char kMessage[] = "tessera: second signal: exiting now\n";
        (void)!::write(STDERR_FILENO, kMessage, sizeof(kMessage) - 1);
        std::_Exit(1);
      });
    });
  }
  std::vector<std::thread> threads;
  for (uint32_t i = 1; i < impl_->limits.io_threads; ++i) {
    threads.emplace_back([this] {
      NameThread("tessera-io");
      impl_->io.run();
    });
  }
  impl_->io.run();
  for (auto& t : threads) t.join();
}

void Server::Stop() {
  asio::post(impl_->io, [this] { impl_->BeginStop(); });
}

}  // namespace tessera::gateway
