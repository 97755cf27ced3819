package org.truckeefs.redis;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;

/**
 * Plain blocking RESP connections for the commands on the FUSE request path: those that must wait for Redis (the
 * open mark's {@code SET ... PX} at the first open of an existing file, the list of live sessions at the unlink of a
 * last name) and those sent without waiting (the open mark of a file just created, its removal at the last close,
 * PUBLISH). The caller's thread writes the command and reads the answer itself, so a round trip costs one wake-up;
 * through Redisson it costs two thread hand-offs (to its event loop and back), which on a busy two-core host is
 * most of the 100-250 µs such a call took. Everything else stays on Redisson.
 *
 * <p>A command sent without waiting leaves its answer on its connection, read before that connection's next
 * waiting command, in bulk once many are owed, or on demand ({@link #confirm}) by a caller whose next command on the
 * same key must not overtake it.
 *
 * <p>Why not a second client library (Jedis, which also blocks on the caller's thread): this class speaks a few
 * commands whose RESP framing is a few lines, and sends PUBLISH without waiting for its answer (read later, see
 * above), which Jedis offers only through a pipeline object per connection; Jedis would add
 * its own pool, reconnect logic and dependencies (commons-pool2, gson, org.json) to the shaded jar beside Redisson.
 *
 * <p>Connections are taken from an idle stack, used by one thread, and put back: no lock is held across the network.
 * A connection that fails is dropped; a reused one may have died while idle (a Redis restart), so the command is
 * tried once more on a fresh connection, which is safe for what it carries (a SET, a script that only drops expired
 * members and reads).
 */
final class RedisWire implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RedisWire.class);
  private static final int MAX_IDLE = 8;
  /** Idle connections kept; one more given back is closed. */
  private final int maxIdle;

  private final RedisSettings settings;
  private final String server;
  private final int timeoutMillis;
  private final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
  private final AtomicInteger idleCount = new AtomicInteger();
  private final AtomicBoolean closed = new AtomicBoolean();

  RedisWire(RedisSettings settings, String server) {
    this(settings, server, MAX_IDLE);
  }

  /** With {@code maxIdle} idle connections kept instead of {@value #MAX_IDLE}. For tests. */
  RedisWire(RedisSettings settings, String server, int maxIdle) {
    this.maxIdle = maxIdle;
    this.settings = settings;
    this.server = server;
    // Like Redisson's attempts (timeout/3 each): a dead reused connection, a connect and a fresh try fit the timeout.
    this.timeoutMillis = (int) Math.min(Integer.MAX_VALUE, Math.max(100, settings.timeout().toMillis() / 3));
  }

  /** {@code SET key value PX millis}. */
  void set(String operation, String key, String value, long millis) throws FsException {
    call(operation, setCommand(key, value, millis));
  }

  /** {@link #set} sent without waiting, as {@link #sendTracked}. */
  Sent sendSet(String operation, String key, String value, long millis) {
    return sendTracked(operation, utf8(setCommand(key, value, millis)));
  }

  private static String[] setCommand(String key, String value, long millis) {
    return new String[] {"SET", key, value, "PX", Long.toString(millis)};
  }

  /** A command's parts as RESP sends them. */
  static byte[][] utf8(String... command) {
    byte[][] parts = new byte[command.length][];
    for (int i = 0; i < command.length; i++) {
      parts[i] = command[i].getBytes(StandardCharsets.UTF_8);
    }
    return parts;
  }

  /**
   * Sends a command without waiting for its answer (read before the next command on that connection), for
   * fire-and-forget commands such as PUBLISH: no thread hand-off and no wait. A failure is logged and the command
   * lost.
   */
  void send(String operation, byte[]... command) {
    sendTracked(operation, command);
  }

  /**
   * Like {@link #send}, for a command whose effect a later command on another connection must not overtake: the
   * returned answer completes once its answer was read (by {@link #confirm}, or by the connection's next command).
   * Null when the command could not be sent (logged).
   */
  Sent sendTracked(String operation, byte[]... command) {
    if (closed.get()) {
      return null;
    }
    Connection c = idle.pollFirst();
    if (c != null) {
      idleCount.decrementAndGet();
    }
    try {
      if (c == null) {
        c = connect();
      }
      Sent sent = new Sent(c);
      c.send(sent.answered, command);
      giveBack(c);
      return sent;
    } catch (IOException | RuntimeException e) {
      close(c);
      LOG.debug("Redis at {} lost a {} ({})", server, operation, e.toString());
      return null;
    }
  }

  /** A command sent by {@link #sendTracked}: {@code answered} completes when its answer was read or lost. */
  static final class Sent {
    final CompletableFuture<Void> answered = new CompletableFuture<>();
    private final Connection connection;

    private Sent(Connection connection) {
      this.connection = connection;
    }
  }

  /**
   * Waits until {@code sent}'s answer has been read, reading it now if its connection is idle (else the thread using
   * the connection reads it before its own command's). Once this returns, Redis has applied the command.
   */
  void confirm(String operation, Sent sent) throws FsException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis + 1_000L);
    // A thread that holds the connection for a call reads the answer before its own; one that holds it for a send
    // gives it back within microseconds, unread: then it is taken again here.
    while (!sent.answered.isDone() && System.nanoTime() < deadline) {
      if (idle.remove(sent.connection)) {
        idleCount.decrementAndGet();
        try {
          sent.connection.drain();
          giveBack(sent.connection);
        } catch (IOException | RuntimeException e) {
          close(sent.connection);
        }
      } else {
        LockSupport.parkNanos(20_000);
      }
    }
    try {
      sent.answered.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FsException(FsError.INTERRUPTED, "interrupted while waiting for Redis during " + operation);
    } catch (ExecutionException e) {
      throw failure(operation, FsError.IO, "lost the connection before answering a command sent earlier");
    } catch (TimeoutException e) {
      throw failure(operation, FsError.TIMED_OUT, "did not answer a command sent earlier");
    }
  }

  /** Sends one command and returns its answer; a Redis error is EIO, a timeout ETIMEDOUT. */
  String call(String operation, String... command) throws FsException {
    Object answer = exchange(operation, command);
    if (answer instanceof List) {
      throw failure(operation, FsError.IO, "answered a list where one value was expected");
    }
    return (String) answer;
  }

  /**
   * Sends one command whose answer is a list of values (an {@code EVAL} of a script that returns a table): with
   * {@link #call}, a read on the FUSE request path that should not pay Redisson's thread hand-offs.
   */
  List<String> callForList(String operation, String... command) throws FsException {
    Object answer = exchange(operation, command);
    if (!(answer instanceof List<?> list)) {
      throw failure(operation, FsError.IO, "answered one value where a list was expected");
    }
    List<String> out = new ArrayList<>(list.size());
    for (Object o : list) {
      if (o instanceof List) {
        throw failure(operation, FsError.IO, "answered a nested list");
      }
      out.add((String) o);
    }
    return out;
  }

  private Object exchange(String operation, String... command) throws FsException {
    if (closed.get()) {
      throw new FsException(FsError.BAD_HANDLE, "the Redis coordinator is closed");
    }
    Connection c = idle.pollFirst();
    boolean reused = c != null;
    if (reused) {
      idleCount.decrementAndGet();
    }
    try {
      for (int attempt = 1; ; attempt++) {
        try {
          if (c == null) {
            c = connect();
          }
          Object answer = c.call(command);
          giveBack(c);
          return answer;
        } catch (RedisReply e) {
          giveBack(c); // the connection is fine; the server refused the command
          throw failure(operation, FsError.IO, "answered " + e.getMessage());
        } catch (IOException e) {
          close(c);
          c = null;
          if (!(reused && attempt == 1)) {
            throw failure(operation, e instanceof SocketTimeoutException ? FsError.TIMED_OUT : FsError.IO,
                "failed (" + e.getClass().getSimpleName() + "); check that Redis is running and reachable");
          }
        }
      }
    } catch (RuntimeException e) {
      close(c);
      throw e;
    }
  }

  /** Answers not read yet on the idle connections. For tests. */
  int unreadAnswers() {
    int n = 0;
    for (Connection c : idle) {
      n += c.unread.size();
    }
    return n;
  }

  private FsException failure(String operation, FsError error, String what) {
    String message = "Redis at " + server + " " + what + " during " + operation;
    LOG.warn("{}: {}", error.symbol(), message);
    return new FsException(error, message);
  }

  private Connection connect() throws IOException {
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress(settings.host(), settings.port()), timeoutMillis);
      s.setSoTimeout(timeoutMillis);
      Connection c = new Connection(s);
      if (settings.password().isPresent()) {
        c.call("AUTH", settings.password().get());
      }
      if (settings.database() != 0) {
        c.call("SELECT", Integer.toString(settings.database()));
      }
      return c;
    } catch (RedisReply e) {
      s.close();
      // Never the password: the server's answer names only the failure (WRONGPASS, NOAUTH, ...).
      throw new IOException("Redis refused the connection setup: " + e.getMessage());
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  private void giveBack(Connection c) {
    if (closed.get() || idleCount.incrementAndGet() > maxIdle) {
      idleCount.decrementAndGet();
      try {
        c.drain(); // the answers it still owes: a command sent without waiting is then known to have landed
      } catch (IOException | RuntimeException e) {
        // closed below; whoever waits for an answer learns that it was lost
      }
      close(c);
      return;
    }
    idle.offerFirst(c);
    if (closed.get()) {
      drain();
    }
  }

  private static void close(Connection c) {
    if (c != null) {
      try {
        c.socket.close();
      } catch (IOException e) {
        // gone anyway
      }
      c.abandonUnread();
    }
  }

  private void drain() {
    for (Connection c; (c = idle.pollFirst()) != null; ) {
      idleCount.decrementAndGet();
      close(c);
    }
  }

  @Override
  public void close() {
    closed.set(true);
    drain();
  }

  /** An error answer ({@code -ERR ...}): the command failed, the connection is still in step. */
  static final class RedisReply extends IOException {
    private static final long serialVersionUID = 1L;

    RedisReply(String message) {
      super(message);
    }
  }

  /** One connection, used by one thread at a time. */
  private static final class Connection {
    final Socket socket;
    final OutputStream out;
    final InputStream in;
    /**
     * Commands sent without waiting ({@link RedisWire#sendTracked}) whose answers are still to be read, oldest
     * first, each with what to complete once its answer is read.
     */
    private final ArrayDeque<CompletableFuture<Void>> unread = new ArrayDeque<>();

    Connection(Socket socket) throws IOException {
      this.socket = socket;
      this.out = new BufferedOutputStream(socket.getOutputStream(), 1024);
      this.in = new BufferedInputStream(socket.getInputStream(), 1024);
    }

    Object call(String... command) throws IOException {
      return call(utf8(command));
    }

    /**
     * Sends a RESP array of bulk strings and returns the answer: a simple string, integer or bulk string as a String
     * (null for a null bulk string), an array as a List of those.
     */
    Object call(byte[]... command) throws IOException {
      write(command);
      drain();
      return reply();
    }

    /**
     * Sends a command and leaves its answer to be read later, then completes {@code answered}. The answers owed are
     * read all at once when {@link #MAX_UNREAD} have piled up (a connection that only ever sends, as creates and
     * closes on MariaDB do, must not pile them up in its socket or here), not as they arrive: looking for arrived
     * answers before every send cost two system calls (FIONREAD and a read of one answer) per command, and a create
     * and close sends two or three, where one read every {@value #MAX_UNREAD} commands takes them all.
     */
    void send(CompletableFuture<Void> answered, byte[]... command) throws IOException {
      if (unread.size() >= MAX_UNREAD) {
        drain();
      }
      write(command);
      unread.add(answered);
    }

    /** The connection is gone: whoever waits for an unread answer learns it now (whether it landed is unknown). */
    void abandonUnread() {
      for (CompletableFuture<Void> f; (f = unread.poll()) != null; ) {
        f.completeExceptionally(new EOFException("the connection closed before Redis answered"));
      }
    }

    private void write(byte[]... command) throws IOException {
      out.write(header('*', command.length));
      for (byte[] part : command) {
        out.write(header('$', part.length));
        out.write(part);
        out.write(CRLF);
      }
      out.flush();
    }

    /** Reads the answers of earlier {@link #send}s; an error answer there was a fire-and-forget's, so it is dropped. */
    private void drain() throws IOException {
      while (!unread.isEmpty()) {
        readUnread();
      }
    }

    /** Reads the oldest unread answer and tells whoever waits for it. */
    private void readUnread() throws IOException {
      try {
        reply();
      } catch (RedisReply dropped) {
        LOG.debug("Redis refused a command sent without waiting: {}", dropped.getMessage());
      }
      unread.poll().complete(null);
    }

    private Object reply() throws IOException {
      int type = in.read();
      String line = line();
      switch (type) {
        case '+', ':' -> {
          return line;
        }
        case '*' -> {
          int n = Integer.parseInt(line);
          if (n < 0) {
            return null;
          }
          List<Object> items = new ArrayList<>(n);
          for (int i = 0; i < n; i++) {
            items.add(reply());
          }
          return items;
        }
        case '$' -> {
          int length = Integer.parseInt(line);
          if (length < 0) {
            return null;
          }
          byte[] bytes = in.readNBytes(length + 2);
          if (bytes.length < length + 2) {
            throw new EOFException("Redis closed the connection");
          }
          return new String(bytes, 0, length, StandardCharsets.UTF_8);
        }
        case '-' -> throw new RedisReply(line.split(" ", 2)[0]);
        case -1 -> throw new EOFException("Redis closed the connection");
        default -> throw new IOException("unexpected Redis answer type '" + (char) type + "'");
      }
    }

    private static byte[] header(char type, int n) {
      return (type + Integer.toString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    private String line() throws IOException {
      StringBuilder b = new StringBuilder(16);
      for (int c; (c = in.read()) != '\n'; ) {
        if (c < 0) {
          throw new EOFException("Redis closed the connection");
        }
        if (c != '\r') {
          b.append((char) c);
        }
      }
      return b.toString();
    }
  }

  private static final byte[] CRLF = {'\r', '\n'};
  /** Answers left unread on a connection before its next send reads them all. */
  private static final int MAX_UNREAD = 64;
}
