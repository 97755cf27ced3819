package org.truckeefs.redis;

/**
 * The Lua scripts of the coordinator. Each runs atomically on the server and takes time from the server's own
 * clock ({@code TIME}), so hosts with skewed clocks still agree on expiry. Every holder id is
 * {@code <session>/<n>}; a holder whose session is no longer in the sessions zset (heartbeat stopped) is dead and
 * its entries are dropped when met.
 */
final class RedisScripts {
  private RedisScripts() {}

  private static final String NOW =
      "local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n";

  /** The grant of a permit (ARGV[1] id, ARGV[2] permits, ARGV[3] ms it lasts), shared by acquire and re-assert. */
  private static final String SEM_GRANT = ""
      + "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)\n"
      + "local m = redis.call('ZRANGE', KEYS[1], 0, -1)\n"
      + "local n = 0\n"
      + "for i = 1, #m do\n"
      + "  if m[i] ~= ARGV[1] then\n"
      + "    if alive(m[i]) then n = n + 1 else redis.call('ZREM', KEYS[1], m[i]) end\n"
      + "  end\n"
      + "end\n"
      + "if n >= tonumber(ARGV[2]) then return 0 end\n"
      + "redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])\n"
      + "if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end\n"
      + "return 1 + fresh\n";

  /** Refreshes this session (KEYS[sessions], ARGV[session], ARGV[ttl]); {@code fresh} is 1 if it had lapsed. */
  private static String touch(int sessionsKey, int sessionArg, int ttlArg) {
    return "local fresh = redis.call('ZADD', KEYS[" + sessionsKey + "], now + tonumber(ARGV[" + ttlArg + "]), ARGV["
        + sessionArg + "])\n";
  }

  /**
   * The epoch check every grant makes (KEYS[ek] epoch, KEYS[gk] grace; ARGV[known] the epoch this host knows, ''
   * at its first call; ARGV[cand] a fresh epoch value; ARGV[graceMs]). A missing epoch key means Redis lost its
   * state: the first host to meet that writes a new epoch and, unless it is new itself, starts the grace period.
   * {@code st} is -1 when the epoch is not the one this host knows (it must re-assert first), -2 in the grace
   * period (nothing new is granted), 0 otherwise; {@code ep} the current epoch.
   */
  private static String epoch(int ek, int gk, int known, int cand, int graceMs) {
    return "local ep = redis.call('GET', KEYS[" + ek + "])\n"
        + "if not ep then\n"
        + "  ep = ARGV[" + cand + "]\n"
        + "  redis.call('SET', KEYS[" + ek + "], ep)\n"
        + "  if ARGV[" + known + "] ~= '' then redis.call('SET', KEYS[" + gk + "], '1', 'PX', ARGV[" + graceMs
        + "]) end\n"
        + "end\n"
        + "local st = 0\n"
        + "if ep ~= ARGV[" + known + "] then st = -1\n"
        + "elseif redis.call('EXISTS', KEYS[" + gk + "]) == 1 then st = -2 end\n";
  }

  private static String alive(int sessionsKey) {
    return "local function alive(id)\n"
        + "  local s = string.match(id, '^(.*)/[^/]*$')\n"
        + "  local e = redis.call('ZSCORE', KEYS[" + sessionsKey + "], s or id)\n"
        + "  return e and tonumber(e) > now\n"
        + "end\n";
  }

  /**
   * KEYS: rw hash, sessions, epoch, grace. ARGV: holder id, 'r' or 'w', session, session ttl ms, known epoch,
   * candidate epoch, grace ms. Returns -1 (epoch changed: re-assert first), -2 (grace period), 0 when another live
   * holder conflicts, 1 when granted, 2 when granted but this session had lapsed (its older leases are void).
   */
  static final String RW_ACQUIRE = NOW + epoch(3, 4, 5, 6, 7) + "if st ~= 0 then return st end\n"
      + touch(2, 3, 4) + alive(2)
      + "local f = redis.call('HGETALL', KEYS[1])\n"
      + "for i = 1, #f, 2 do\n"
      + "  if f[i] ~= ARGV[1] then\n"
      + "    if not alive(f[i]) then redis.call('HDEL', KEYS[1], f[i])\n"
      + "    elseif ARGV[2] == 'w' or f[i + 1] == 'w' then return 0 end\n"
      + "  end\n"
      + "end\n"
      + "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])\n"
      + "return 1 + fresh\n";

  /**
   * Re-asserting a read/write lock after Redis lost its state, grace or not. KEYS: rw hash, sessions. ARGV: holder
   * id, 'r' or 'w'. Returns 1 if held again, 0 if another live holder took a conflicting lock meanwhile.
   */
  static final String RW_REASSERT = NOW + alive(2)
      + "local f = redis.call('HGETALL', KEYS[1])\n"
      + "for i = 1, #f, 2 do\n"
      + "  if f[i] ~= ARGV[1] and alive(f[i]) and (ARGV[2] == 'w' or f[i + 1] == 'w') then return 0 end\n"
      + "end\n"
      + "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])\n"
      + "return 1\n";

  /** KEYS: rw hash or semaphore zset. ARGV: holder id. */
  static final String RELEASE_HASH = "return redis.call('HDEL', KEYS[1], ARGV[1])";

  static final String RELEASE_ZSET = "return redis.call('ZREM', KEYS[1], ARGV[1])";

  /**
   * KEYS: semaphore zset, sessions, epoch, grace. ARGV: permit id, permits, permit timeout ms, session, session ttl
   * ms, known epoch, candidate epoch, grace ms. Expired permits and permits of dead sessions no longer count.
   * Returns -1, -2, 0 (none free), 1 or 2 as {@link #RW_ACQUIRE}.
   */
  static final String SEM_ACQUIRE = NOW + epoch(3, 4, 6, 7, 8) + "if st ~= 0 then return st end\n"
      + touch(2, 4, 5) + alive(2) + SEM_GRANT;

  /**
   * Re-asserting a permit after Redis lost its state. KEYS: semaphore zset, sessions. ARGV: permit id, permits,
   * remaining ms. Returns 1 if held again, 0 if the permits were all taken meanwhile.
   */
  static final String SEM_REASSERT = NOW + "local fresh = 0\n" + alive(2) + SEM_GRANT;

  /**
   * The heartbeat. KEYS: sessions, epoch, grace. ARGV: session, ttl ms, known epoch ('' at the first beat), candidate
   * epoch, grace ms. Returns {fresh, epoch}: fresh is 1 if the session had lapsed, -1 (session not touched) when the
   * epoch is not the known one and this host must re-assert.
   */
  static final String HEARTBEAT = NOW + epoch(2, 3, 3, 4, 5)
      + "if st == -1 and ARGV[3] ~= '' then return {-1, ep} end\n"
      + touch(1, 1, 2) + "return {fresh, ep}\n";

  /** KEYS: sessions. ARGV: session, ttl ms. Puts the session back (re-assert), whatever the epoch. */
  static final String SESSION_REASSERT = NOW + touch(1, 1, 2) + "return fresh\n";

  /** KEYS: sessions. Drops expired sessions and returns the live ones. */
  static final String LIVE_SESSIONS = NOW
      + "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)\n"
      + "return redis.call('ZRANGE', KEYS[1], 0, -1)\n";

  /**
   * KEYS: sessions. ARGV: this session, the full key prefix. Whether {@code prefix .. session} exists for a live
   * session other than ARGV[1] (1 or 0). The ephemeral keys it reads are built here, not passed as KEYS: their
   * sessions are known only once the expired ones are gone, and this coordinator runs on one server, not a cluster.
   */
  static final String HELD_BY_OTHER_SESSION = NOW
      + "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)\n"
      + "for _, s in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do\n"
      + "  if s ~= ARGV[1] and redis.call('EXISTS', ARGV[2] .. s) == 1 then return 1 end\n"
      + "end\n"
      + "return 0\n";

  /**
   * KEYS: POSIX lock hash, sessions, epoch. ARGV: session, ttl ms. Returns {version, encoded locks, epoch ('' when
   * none), live session...}.
   */
  static final String POSIX_READ = NOW + touch(2, 1, 2)
      + "local v = redis.call('HGET', KEYS[1], 'v') or '0'\n"
      + "local d = redis.call('HGET', KEYS[1], 'd') or ''\n"
      + "local out = {v, d, redis.call('GET', KEYS[3]) or ''}\n"
      + "for _, s in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. now, '+inf')) do out[#out + 1] = s end\n"
      + "return out\n";

  /**
   * KEYS: POSIX lock hash, epoch, grace. ARGV: expected version, new encoded locks, known epoch, candidate epoch,
   * grace ms, '1' when the write grants a lock (an unlock or a re-assert passes '0': it is checked by neither epoch
   * nor grace). Compare-and-set: 1 if written, 0 if the version moved, -1 or -2 as {@link #RW_ACQUIRE}.
   */
  static final String POSIX_WRITE = NOW + epoch(2, 3, 3, 4, 5)
      + "if ARGV[6] == '1' and st ~= 0 then return st end\n"
      + "local v = redis.call('HGET', KEYS[1], 'v') or '0'\n"
      + "if v ~= ARGV[1] then return 0 end\n"
      + "if ARGV[2] == '' then redis.call('DEL', KEYS[1])\n"
      + "else redis.call('HSET', KEYS[1], 'v', tostring(tonumber(v) + 1), 'd', ARGV[2]) end\n"
      + "return 1\n";
}
