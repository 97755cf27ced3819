package org.truckeefs.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.redisson.Redisson;
import org.redisson.api.RScript;
import org.redisson.api.RTopic;
import org.redisson.api.listener.StatusListener;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.api.RedissonClient;
import org.redisson.api.options.KeysScanOptions;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;
import org.redisson.config.ConstantDelay;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.LockRange;
import org.truckeefs.api.Subscription;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.Coordinator;
import org.truckeefs.spi.Lease;
import org.truckeefs.spi.LockRangeSet;
import org.truckeefs.spi.MessageListener;
import org.truckeefs.spi.Ticker;

/**
 * The {@link Coordinator} on Redis ({@code redis://host:port/db}), through Redisson. Every key of a filesystem
 * lives under {@code truckeefs:{<filesystemId>}:} (the braces keep them in one cluster slot):
 * <pre>
 *   sessions      zset  session id -> expiry (server ms); a heartbeat on the injected scheduler refreshes it
 *   rw:&lt;key&gt;      hash  holder id -> 'r' | 'w'            read/write locks
 *   sem:&lt;name&gt;    zset  permit id -> expiry (server ms)      counting semaphores
 *   eph:&lt;key&gt;     string with PX                          ephemeral key-value map
 *   plock:&lt;key&gt;   hash  v -> version, d -> encoded {@link LockRangeSet}   POSIX locks
 *   events        pub/sub channel of the filesystem's change messages
 *   epoch         string: changes when Redis lost its state (see {@link RedisReclaims})
 *   grace         string with PX: present during the grace period after a loss; nothing new is granted
 * </pre>
 * Locks are not Redisson {@code RLock}s: those belong to the acquiring thread, and our leases are closed by other
 * threads. A holder id is {@code <session>/<n>}, and a holder is alive while its session is, so one heartbeat keeps
 * every lock of a host and a crashed host's locks go when its session expires ({@code redis_session_ttl}).
 */
final class RedisCoordinator implements Coordinator {
  private static final Logger LOG = LoggerFactory.getLogger(RedisCoordinator.class);
  private static final long MAX_POLL_MILLIS = 25;

  private final RedissonClient redis;
  private final RScript script;
  private final RedisSettings settings;
  private final Ticker ticker;
  private final String prefix;
  private final String sessionsKey;
  private final String sessionId = UUID.randomUUID().toString();
  private final String server;
  private final AtomicLong holders = new AtomicLong();
  /** Bumped when the heartbeat finds this session had lapsed: leases from before are void. */
  private final AtomicInteger epoch = new AtomicInteger();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean heartbeatFailing = new AtomicBoolean();
  private volatile long lastHeartbeat;
  private final ScheduledFuture<?> heartbeat;
  private final RTopic events;
  private final String epochKey;
  private final String graceKey;
  private final RedisReclaims reclaims = new RedisReclaims(this);
  private final RedisWire wire;
  private static final byte[] PUBLISH = {'P', 'U', 'B', 'L', 'I', 'S', 'H'};
  private final byte[] eventsChannel;
  private final java.util.concurrent.ScheduledExecutorService scheduler;
  /** This host's commands on ephemeral keys that went out without waiting, one per key until answered. */
  private final RedisKeyOrder inFlight;
  /** Sends a removal; tests replace it to hold a DEL back and prove a later put waits for it. */
  volatile Function<Supplier<RedisWire.Sent>, CompletableFuture<RedisWire.Sent>> removalSender =
      send -> CompletableFuture.completedFuture(send.get());

  RedisCoordinator(RedisSettings settings, BackendContext context) throws FsException {
    this.settings = settings;
    this.ticker = context.ticker();
    this.server = settings.host() + ":" + settings.port() + "/" + settings.database();
    this.prefix = "truckeefs:{" + context.filesystemId() + "}:";
    this.sessionsKey = prefix + "sessions";
    this.epochKey = prefix + "epoch";
    this.graceKey = prefix + "grace";
    this.scheduler = context.scheduler();
    try {
      this.redis = Redisson.create(config(settings));
    } catch (RuntimeException e) {
      throw new FsException(FsError.IO, "cannot connect to Redis at " + server
          + " (" + e.getClass().getSimpleName() + "); check redis_host, redis_port and redis_pass");
    }
    this.wire = new RedisWire(settings, server);
    this.inFlight = new RedisKeyOrder(wire, server, settings.timeout());
    this.script = redis.getScript(StringCodec.INSTANCE);
    this.events = redis.getTopic(prefix + "events", ByteArrayCodec.INSTANCE);
    this.eventsChannel = (prefix + "events").getBytes(StandardCharsets.UTF_8);
    try {
      beat();
      if (settings.reset()) {
        reset();
      }
    } catch (FsException | RuntimeException e) {
      redis.shutdown();
      throw e;
    }
    long every = Math.max(100, settings.sessionTtl().toMillis() / 3);
    this.heartbeat = context.scheduler().scheduleWithFixedDelay(this::heartbeatAsync, every, every,
        TimeUnit.MILLISECONDS);
  }

  private static Config config(RedisSettings s) {
    Config c = new Config();
    c.setCodec(StringCodec.INSTANCE);
    c.setUseScriptCache(true);
    c.setNettyThreads(4);
    c.setThreads(2);
    // One command: up to two tries of timeout/3 each plus a short pause, so a dead server fails within the timeout.
    int attempt = (int) Math.max(100, s.timeout().toMillis() / 3);
    var single = c.useSingleServer()
        .setAddress(s.address())
        .setDatabase(s.database())
        .setConnectTimeout(attempt)
        .setTimeout(attempt)
        .setRetryAttempts(1)
        .setRetryDelay(new ConstantDelay(Duration.ofMillis(Math.min(500, attempt / 2))))
        .setConnectionMinimumIdleSize(1)
        .setConnectionPoolSize(8)
        .setSubscriptionConnectionMinimumIdleSize(0)
        .setSubscriptionConnectionPoolSize(1)
        .setPingConnectionInterval(0)
        .setDnsMonitoringInterval(-1)
        .setClientName("truckeefs");
    s.password().ifPresent(single::setPassword);
    return c;
  }

  // ---- read/write locks and semaphores -------------------------------------------------------------------

  @Override
  public Lease readLock(String key, Duration wait) throws FsException {
    return rwLock(key, "r", wait);
  }

  @Override
  public Lease writeLock(String key, Duration wait) throws FsException {
    return rwLock(key, "w", wait);
  }

  private Lease rwLock(String key, String mode, Duration wait) throws FsException {
    String hash = prefix + "rw:" + key;
    String holder = newHolder();
    String what = (mode.equals("w") ? "write" : "read") + " lock on " + key;
    RedisLease lease = new RedisLease(holder, Long.MAX_VALUE,
        () -> eval("unlock", RedisScripts.RELEASE_HASH, List.of(hash), holder));
    RedisReclaims.Held held = new RedisReclaims.Held(hash, mode, 0, Long.MAX_VALUE, lease);
    reclaims.hold(holder, held);
    String[] grantEpoch = new String[1];
    try {
      lease.leaseEpoch = acquire(what, wait, () -> eval("lock", RedisScripts.RW_ACQUIRE,
          List.of(hash, sessionsKey, epochKey, graceKey), holder, mode, sessionId, ttlMillis(),
          grantEpoch[0] = reclaims.knownEpoch(), candidateEpoch(), graceMillis()));
    } catch (FsException | RuntimeException e) {
      reclaims.release(holder);
      throw e;
    }
    reclaims.granted(held, grantEpoch[0]);
    return lease;
  }

  @Override
  public Lease acquirePermit(String name, int permits, Duration wait) throws FsException {
    if (permits < 1) {
      throw new FsException(FsError.INVALID, "semaphore " + name + " needs at least one permit, got " + permits);
    }
    String zset = prefix + "sem:" + name;
    String holder = newHolder();
    long timeoutMillis = settings.semaphoreTimeout().toMillis();
    long expiresAt = ticker.read() + settings.semaphoreTimeout().toNanos();
    RedisLease lease = new RedisLease(holder, expiresAt,
        () -> eval("release permit", RedisScripts.RELEASE_ZSET, List.of(zset), holder));
    RedisReclaims.Held held = new RedisReclaims.Held(zset, null, permits, expiresAt, lease);
    reclaims.hold(holder, held);
    String[] grantEpoch = new String[1];
    try {
      lease.leaseEpoch = acquire("permit of " + name, wait, () -> eval("acquire permit", RedisScripts.SEM_ACQUIRE,
          List.of(zset, sessionsKey, epochKey, graceKey), holder, String.valueOf(permits),
          String.valueOf(timeoutMillis), sessionId, ttlMillis(), grantEpoch[0] = reclaims.knownEpoch(),
          candidateEpoch(), graceMillis()));
    } catch (FsException | RuntimeException e) {
      reclaims.release(holder);
      throw e;
    }
    reclaims.granted(held, grantEpoch[0]);
    return lease;
  }

  @FunctionalInterface
  private interface Attempt {
    Object run() throws FsException;
  }

  /**
   * Runs {@code attempt} until it grants (1 or 2), polling with back-off until {@code wait}; returns the epoch. A
   * changed Redis epoch (-1) makes this host re-assert what it holds first; the grace period (-2) waits like a
   * conflict.
   */
  private int acquire(String what, Duration wait, Attempt attempt) throws FsException {
    open();
    long deadline = System.nanoTime() + wait.toNanos();
    long pause = 1;
    while (true) {
      long r = ((Number) attempt.run()).longValue();
      if (r == 2) {
        lapsed();
      }
      if (r > 0) {
        return epoch.get();
      }
      if (r == -1) {
        reclaims.run();
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new FsException(FsError.TIMED_OUT, what + " not granted within " + wait.toMillis() + " ms");
      }
      sleep(Math.min(pause, TimeUnit.NANOSECONDS.toMillis(left) + 1), what);
      pause = Math.min(MAX_POLL_MILLIS, pause * 2);
    }
  }

  private String newHolder() {
    return sessionId + "/" + holders.incrementAndGet();
  }

  final class RedisLease implements Lease {
    private final String holder;
    volatile int leaseEpoch;
    private final long expiresAt;
    private final Attempt release;
    private final AtomicBoolean released = new AtomicBoolean();
    private volatile boolean lost;

    RedisLease(String holder, long expiresAt, Attempt release) {
      this.holder = holder;
      this.expiresAt = expiresAt;
      this.release = release;
    }

    /** Another host took it after Redis lost its state: from now on this lease is void. */
    void markLost() {
      lost = true;
    }

    @Override
    public boolean isValid() {
      long now = ticker.read();
      return !released.get() && !closed.get() && !lost && leaseEpoch == epoch.get()
          && now - lastHeartbeat < settings.sessionTtl().toNanos()
          && (expiresAt == Long.MAX_VALUE || now - expiresAt < 0);
    }

    @Override
    public void close() {
      if (!released.compareAndSet(false, true) || closed.get()) {
        return;
      }
      reclaims.release(holder);
      try {
        release.run();
      } catch (FsException e) {
        // Already logged; the entry dies with the session if Redis stays away.
      }
    }
  }

  // ---- ephemeral map -------------------------------------------------------------------------------------

  @Override
  public void putEphemeral(String key, String value, Duration ttl) throws FsException {
    String full = beforePut(key, value, ttl);
    // On the caller's thread (see RedisWire): the open waits for its mark, so this is on the FUSE request path.
    wire.set("put ephemeral", full, value, Math.max(1, ttl.toMillis()));
  }

  /**
   * The SET goes out on the caller's thread and its answer is read later (by the next command on that connection,
   * or by a {@link #getEphemeral}, {@link #putEphemeral} or {@link #removeEphemeral} of the same key, which wait for
   * it first: no later command of this host on the key overtakes it). A failure is logged, not thrown; the open-mark
   * renewal puts the key again.
   */
  @Override
  public void putEphemeralNoWait(String key, String value, Duration ttl) throws FsException {
    String full = beforePut(key, value, ttl);
    long millis = Math.max(1, ttl.toMillis());
    inFlight.send(key, full, "put",
        () -> CompletableFuture.completedFuture(wire.sendSet("put ephemeral", full, value, millis)));
  }

  /**
   * Checks a put's TTL, waits for this host's earlier command on the key and records the key for a re-assertion
   * after a Redis restart; returns the key's Redis name.
   */
  private String beforePut(String key, String value, Duration ttl) throws FsException {
    open();
    if (ttl.isNegative() || ttl.isZero()) {
      throw new FsException(FsError.INVALID, "ephemeral " + key + " needs a positive TTL, got " + ttl);
    }
    String full = ephemeralKey(key);
    inFlight.await(full);
    reclaims.putEphemeral(full, value, ticker.read() + ttl.toNanos());
    return full;
  }

  /** The Redis key of an ephemeral key of this namespace. */
  private String ephemeralKey(String key) {
    return prefix + "eph:" + key;
  }

  @Override
  public Optional<String> getEphemeral(String key) throws FsException {
    open();
    String full = ephemeralKey(key);
    inFlight.await(full);
    return Optional.ofNullable(call("get ephemeral", () -> redis.<String>getBucket(full).get()));
  }

  /**
   * Asynchronous: the caller (a FUSE release dropping its open mark) does not wait for Redis; the DEL goes out on
   * the caller's thread (see {@link RedisWire}: no hand-off to Redisson's event loop) and its answer is read later.
   * A key that lingers after its removal only makes another host think the file is still open here, which delays a
   * purge to the orphan sweep, never loses data. A later put or get of the same key on this host waits for the
   * removal's answer first ({@link RedisKeyOrder#await}), so a close followed by a reopen can never leave the key
   * removed.
   */
  @Override
  public void removeEphemeral(String key) throws FsException {
    open();
    String full = ephemeralKey(key);
    reclaims.removeEphemeral(full);
    inFlight.send(key, full, "remove",
        () -> removalSender.apply(() -> wire.sendTracked("remove ephemeral", RedisWire.utf8("DEL", full))));
  }

  // ---- sessions ------------------------------------------------------------------------------------------

  @Override
  public String sessionId() {
    return sessionId;
  }

  @Override
  public Set<String> liveSessions() throws FsException {
    open();
    // On the caller's thread (see RedisWire): asked at every unlink of a last name, on the FUSE request path.
    return new HashSet<>(wire.callForList("list sessions", "EVAL", RedisScripts.LIVE_SESSIONS, "1", sessionsKey));
  }

  /**
   * One script instead of {@link #liveSessions} and a GET per other host. This host never writes another session's
   * key, so no command of its own on those keys can be in flight (nothing to wait for, unlike {@link #getEphemeral}).
   */
  @Override
  public boolean heldByOtherSession(String keyPrefix) throws FsException {
    open();
    // On the caller's thread (see RedisWire): asked at every unlink of a last name, on the FUSE request path.
    return "1".equals(wire.call("look for other hosts' keys", "EVAL", RedisScripts.HELD_BY_OTHER_SESSION, "1",
        sessionsKey, sessionId, ephemeralKey(keyPrefix)));
  }

  private void beat() throws FsException {
    List<?> r = (List<?>) evalMulti("heartbeat", RedisScripts.HEARTBEAT, List.of(sessionsKey, epochKey, graceKey),
        sessionId, ttlMillis(), reclaims.knownEpoch(), candidateEpoch(), graceMillis());
    reclaims.start(r.get(1).toString());
    lastHeartbeat = ticker.read();
  }

  /** Runs on the injected scheduler; asynchronous so a dead server never blocks the scheduler's thread. */
  private void heartbeatAsync() {
    if (closed.get()) {
      return;
    }
    long started = ticker.read();
    script.<List<Object>>evalAsync(RScript.Mode.READ_WRITE, RedisScripts.HEARTBEAT, RScript.ReturnType.MULTI,
            List.of(sessionsKey, epochKey, graceKey), sessionId, ttlMillis(), reclaims.knownEpoch(), candidateEpoch(),
            graceMillis())
        .whenComplete((reply, error) -> {
          if (error != null) {
            if (heartbeatFailing.compareAndSet(false, true)) {
              LOG.warn("Redis at {} missed a heartbeat ({}); locks of this host expire if it stays away {} s",
                  server, error.getClass().getSimpleName(), settings.sessionTtl().toSeconds());
            }
            return;
          }
          if (heartbeatFailing.compareAndSet(true, false)) {
            LOG.info("Redis at {} is back; heartbeat resumed", server);
          }
          long fresh = ((Number) reply.get(0)).longValue();
          if (fresh == -1) {
            // Redis lost its state: re-assert off this (Redisson) thread; the session stays unrefreshed until then.
            try {
              scheduler.execute(reclaims::run);
            } catch (RuntimeException rejected) {
              // shutting down
            }
            return;
          }
          if (fresh == 1L) {
            lapsed();
          }
          lastHeartbeat = started;
        });
  }

  private void lapsed() {
    epoch.incrementAndGet();
    LOG.warn("session {} had expired in Redis at {}; leases taken before are void", sessionId, server);
  }

  private String ttlMillis() {
    return String.valueOf(settings.sessionTtl().toMillis());
  }

  private String graceMillis() {
    return String.valueOf(settings.gracePeriod().toMillis());
  }

  /** The epoch a script writes if it finds none: unique per call, so a new epoch never equals an old one. */
  private String candidateEpoch() {
    return sessionId + "/" + System.nanoTime();
  }

  // ---- what RedisReclaims needs (its writes bypass the grace period) -----------------------------------------

  String server() {
    return server;
  }

  long now() {
    return ticker.read();
  }

  /** The current epoch, or null if Redis has none yet (the next grant or heartbeat writes one). */
  String currentEpoch() throws FsException {
    return call("read epoch", () -> redis.<String>getBucket(epochKey).get());
  }

  void reassertSession() throws FsException {
    eval("re-assert session", RedisScripts.SESSION_REASSERT, List.of(sessionsKey), sessionId, ttlMillis());
    lastHeartbeat = ticker.read();
  }

  boolean reassertRw(String hash, String holder, String mode) throws FsException {
    return ((Number) eval("re-assert lock", RedisScripts.RW_REASSERT, List.of(hash, sessionsKey), holder, mode))
        .longValue() == 1;
  }

  boolean reassertPermit(String zset, String holder, int permits, long millis) throws FsException {
    return ((Number) eval("re-assert permit", RedisScripts.SEM_REASSERT, List.of(zset, sessionsKey), holder,
        String.valueOf(permits), String.valueOf(millis))).longValue() >= 1;
  }

  void releaseRaw(String key, String holder, boolean hash) throws FsException {
    eval("release", hash ? RedisScripts.RELEASE_HASH : RedisScripts.RELEASE_ZSET, List.of(key), holder);
  }

  void setEphemeralRaw(String fullKey, String value, long millis) throws FsException {
    call("re-assert ephemeral", () -> {
      redis.<String>getBucket(fullKey).set(value, Duration.ofMillis(millis));
      return null;
    });
  }

  void deleteRaw(String fullKey) throws FsException {
    call("remove ephemeral", () -> redis.getBucket(fullKey).delete());
  }

  PosixState readPosixRaw(String hash) throws FsException {
    return readPosixOnce(hash);
  }

  boolean writePosixRaw(String hash, String version, LockRangeSet locks) throws FsException {
    return writePosix(hash, version, locks, false) == 1;
  }

  @Override
  public void reset() throws FsException {
    open();
    call("reset", () -> {
      List<String> batch = new ArrayList<>();
      for (String k : redis.getKeys().getKeys(KeysScanOptions.defaults().pattern(escape(prefix) + "eph:*")
          .chunkSize(500))) {
        batch.add(k);
        if (batch.size() == 500) {
          redis.getKeys().delete(batch.toArray(String[]::new));
          batch.clear();
        }
      }
      if (!batch.isEmpty()) {
        redis.getKeys().delete(batch.toArray(String[]::new));
      }
      return null;
    });
    liveSessions();
  }

  /** Escapes glob characters of the prefix (the filesystem id may contain them). */
  private static String escape(String s) {
    return s.replaceAll("([\\\\*?\\[\\]])", "\\\\$1");
  }

  // ---- POSIX locks ---------------------------------------------------------------------------------------

  @Override
  public void setPosixLock(String key, long owner, LockRange range, Duration wait) throws FsException {
    open();
    String hash = prefix + "plock:" + key;
    reclaims.checkPosixLost(hash, key, owner);
    long deadline = System.nanoTime() + wait.toNanos();
    long pause = 1;
    boolean grant = range.type() != LockRange.Type.UNLOCK;
    while (true) {
      PosixState s;
      try {
        s = readPosix(hash);
      } catch (FsException unreachable) {
        // A blocked F_SETLKW/flock waits through a Redis restart instead of failing: the holder keeps its lock.
        if (wait.isZero() || System.nanoTime() - deadline >= 0) {
          throw unreachable;
        }
        sleep(Math.min(250, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()) + 1), "Redis");
        continue;
      }
      reclaims.checkPosixLost(hash, key, owner);
      Optional<LockRangeSet.Held> conflict = s.locks.conflict(sessionId, owner, range);
      long written = 0;
      if (conflict.isEmpty()) {
        written = writePosixTracked(hash, s.version, s.locks.apply(sessionId, owner, range), grant);
        if (written == 1) {
          return;
        }
        if (written == 0) {
          continue; // someone changed the locks between our read and write: re-read at once
        }
        if (written == -1) {
          reclaims.run(); // Redis lost its state: put ours back first; the grace period then holds new grants
        }
      }
      if (wait.isZero()) {
        throw new FsException(FsError.AGAIN, written < 0
            ? "range of " + key + " cannot be locked yet: Redis restarted and hosts are re-asserting their locks "
                + "(redis_grace_period)"
            : "range of " + key + " is locked by another owner");
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new FsException(FsError.TIMED_OUT,
            "range of " + key + " still locked by another owner after " + wait.toMillis() + " ms");
      }
      sleep(Math.min(pause, TimeUnit.NANOSECONDS.toMillis(left) + 1), "POSIX lock on " + key);
      pause = Math.min(MAX_POLL_MILLIS, pause * 2);
    }
  }

  @Override
  public Optional<LockRange> findPosixConflict(String key, long owner, LockRange range) throws FsException {
    open();
    PosixState s = readPosix(prefix + "plock:" + key);
    reclaims.checkPosixLost(prefix + "plock:" + key, key, owner);
    return s.locks.conflict(sessionId, owner, range).map(LockRangeSet.Held::range);
  }

  @Override
  public void releasePosixLocks(String key, long owner) throws FsException {
    open();
    String hash = prefix + "plock:" + key;
    while (true) {
      PosixState s = readPosix(hash);
      LockRangeSet without = s.locks.withoutOwner(sessionId, owner);
      if (without.equals(s.locks) || writePosixTracked(hash, s.version, without, false) == 1) {
        break;
      }
    }
    reclaims.checkPosixLost(hash, key, owner);
  }

  record PosixState(String version, LockRangeSet locks, String epoch) {}

  /**
   * The stored locks without those of dead sessions. An epoch other than the known one means Redis lost its state
   * since this host last looked: it re-asserts (and so learns of any lock it lost) before it answers.
   */
  private PosixState readPosix(String hash) throws FsException {
    PosixState s = readPosixOnce(hash);
    if (s.epoch.isEmpty() || s.epoch.equals(reclaims.knownEpoch())) {
      return s;
    }
    reclaims.run();
    return readPosixOnce(hash);
  }

  private PosixState readPosixOnce(String hash) throws FsException {
    List<?> r = (List<?>) evalMulti("read POSIX locks", RedisScripts.POSIX_READ, List.of(hash, sessionsKey, epochKey),
        sessionId, ttlMillis());
    Set<String> live = new HashSet<>();
    for (int i = 3; i < r.size(); i++) {
      live.add(r.get(i).toString());
    }
    return new PosixState(r.get(0).toString(), LockRangeSet.decode(r.get(1).toString()).retainSessions(live::contains),
        r.get(2).toString());
  }

  /** {@link #writePosix} with this session's ranges recorded for a re-assert. */
  private long writePosixTracked(String hash, String version, LockRangeSet locks, boolean grant)
      throws FsException {
    reclaims.posixBegin(hash);
    long r = 0;
    try {
      r = writePosix(hash, version, locks, grant);
      return r;
    } finally {
      reclaims.posixEnd(hash, r == 1 ? locks : null);
    }
  }

  /** 1 written, 0 the version moved, -1 epoch changed, -2 grace period (the last two only for a grant). */
  private long writePosix(String hash, String version, LockRangeSet locks, boolean grant) throws FsException {
    Object r = eval("write POSIX locks", RedisScripts.POSIX_WRITE, List.of(hash, epochKey, graceKey), version,
        locks.encode(), reclaims.knownEpoch(), candidateEpoch(), graceMillis(), grant ? "1" : "0");
    return ((Number) r).longValue();
  }

  // ---- plumbing ------------------------------------------------------------------------------------------

  private Object eval(String operation, String lua, List<Object> keys, Object... args) throws FsException {
    return call(operation, () -> script.eval(RScript.Mode.READ_WRITE, lua, RScript.ReturnType.INTEGER, keys, args));
  }

  private Object evalMulti(String operation, String lua, List<Object> keys, Object... args) throws FsException {
    return call(operation, () -> script.eval(RScript.Mode.READ_WRITE, lua, RScript.ReturnType.MULTI, keys, args));
  }

  private <T> T call(String operation, Attempt attempt) throws FsException {
    try {
      @SuppressWarnings("unchecked")
      T t = (T) attempt.run();
      return t;
    } catch (FsException e) {
      throw e;
    } catch (RuntimeException e) {
      throw RedisErrors.map(operation, server, e);
    }
  }

  private static void sleep(long millis, String what) throws FsException {
    try {
      Thread.sleep(Math.max(1, millis));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FsException(FsError.INTERRUPTED, "interrupted while waiting for " + what);
    }
  }

  private void open() throws FsException {
    if (closed.get()) {
      throw new FsException(FsError.BAD_HANDLE, "the Redis coordinator is closed");
    }
  }

  /** Dies like a crashed host: no release, no session removal (tests of expiry use it). */
  void kill() {
    if (closed.compareAndSet(false, true)) {
      heartbeat.cancel(false);
      wire.close();
      redis.shutdown(0, 2, TimeUnit.SECONDS);
    }
  }

  // ---- change messages -------------------------------------------------------------------------------------

  @Override
  public void publish(byte[] message) throws FsException {
    open();
    // Fire and forget: a lost message only makes a subscriber wait for its cache's time limit. Sent on the caller's
    // thread without waiting (RedisWire.send): through Redisson each message cost its event loop a wake-up, a
    // write and a decoded answer, most of this JVM's CPU in a create/unlink workload.
    wire.send("publish", PUBLISH, eventsChannel, message);
  }

  @Override
  public Subscription subscribe(MessageListener listener) throws FsException {
    open();
    try {
      int onMessage = events.addListener(byte[].class, (channel, msg) -> listener.onMessage(msg));
      AtomicBoolean first = new AtomicBoolean(true);
      int onStatus = events.addListener(new StatusListener() {
        @Override
        public void onSubscribe(String channel) {
          if (!first.compareAndSet(true, false)) {
            listener.onGap(); // subscribed again after a lost connection: messages in between are gone
          }
        }

        @Override
        public void onUnsubscribe(String channel) {}
      });
      return () -> {
        try {
          events.removeListener(onMessage, onStatus);
        } catch (RuntimeException e) {
          LOG.debug("cannot unsubscribe from {}: {}", server, e.toString());
        }
      };
    } catch (RuntimeException e) {
      throw RedisErrors.map("subscribe to change messages", server, e);
    }
  }

  @Override
  public void close() throws FsException {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    heartbeat.cancel(false);
    inFlight.drain();
    try {
      // Leaving the registry frees every lock and permit of this host at once for the others.
      script.eval(RScript.Mode.READ_WRITE, "return redis.call('ZREM', KEYS[1], ARGV[1])",
          RScript.ReturnType.INTEGER, List.of(sessionsKey), sessionId);
    } catch (RuntimeException e) {
      LOG.warn("Redis at {} unreachable at close ({}); this host's locks expire in {} s", server,
          e.getClass().getSimpleName(), settings.sessionTtl().toSeconds());
    } finally {
      wire.close();
      redis.shutdown(0, 2, TimeUnit.SECONDS);
    }
  }

  @Override
  public String toString() {
    return "RedisCoordinator[" + server + ", " + prefix + ", session " + sessionId + "]";
  }
}
