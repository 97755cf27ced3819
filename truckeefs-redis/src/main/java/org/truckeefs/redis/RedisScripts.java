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

  /** Refreshes this session (KEYS[sessions], ARGV[session], ARGV[ttl]); {@code fresh} is 1 if it had lapsed. */
  private static String touch(int sessionsKey, int sessionArg, int ttlArg) {
    return "local fresh = redis.call('ZADD', KEYS[" + sessionsKey + "], now + tonumber(ARGV[" + ttlArg + "]), ARGV["
        + sessionArg + "])\n";
  }

  private static String alive(int sessionsKey) {
    return "local function alive(id)\n"
        + "  local s = string.match(id, '^(.*)/[^/]*$')\n"
        + "  local e = redis.call('ZSCORE', KEYS[" + sessionsKey + "], s or id)\n"
        + "  return e and tonumber(e) > now\n"
        + "end\n";
  }

  /**
   * KEYS: rw hash, sessions. ARGV: holder id, 'r' or 'w', session, session ttl ms. Returns 0 when another live
   * holder conflicts, 1 when granted, 2 when granted but this session had lapsed (its older leases are void).
   */
  static final String RW_ACQUIRE = NOW + touch(2, 3, 4) + alive(2)
      + "local f = redis.call('HGETALL', KEYS[1])\n"
      + "for i = 1, #f, 2 do\n"
      + "  if f[i] ~= ARGV[1] then\n"
      + "    if not alive(f[i]) then redis.call('HDEL', KEYS[1], f[i])\n"
      + "    elseif ARGV[2] == 'w' or f[i + 1] == 'w' then return 0 end\n"
      + "  end\n"
      + "end\n"
      + "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])\n"
      + "return 1 + fresh\n";

  /** KEYS: rw hash or semaphore zset. ARGV: holder id. */
  static final String RELEASE_HASH = "return redis.call('HDEL', KEYS[1], ARGV[1])";

  static final String RELEASE_ZSET = "return redis.call('ZREM', KEYS[1], ARGV[1])";

  /**
   * KEYS: semaphore zset, sessions. ARGV: permit id, permits, permit timeout ms, session, session ttl ms. Expired
   * permits and permits of dead sessions no longer count. Returns 0 (none free), 1 or 2 as {@link #RW_ACQUIRE}.
   */
  static final String SEM_ACQUIRE = NOW + touch(2, 4, 5) + alive(2)
      + "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)\n"
      + "local m = redis.call('ZRANGE', KEYS[1], 0, -1)\n"
      + "local n = 0\n"
      + "for i = 1, #m do\n"
      + "  if alive(m[i]) then n = n + 1 else redis.call('ZREM', KEYS[1], m[i]) end\n"
      + "end\n"
      + "if n >= tonumber(ARGV[2]) then return 0 end\n"
      + "redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])\n"
      + "if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end\n"
      + "return 1 + fresh\n";

  /** KEYS: sessions. ARGV: session, ttl ms. The heartbeat; returns 1 if the session had lapsed. */
  static final String HEARTBEAT = NOW + touch(1, 1, 2) + "return fresh\n";

  /** KEYS: sessions. Drops expired sessions and returns the live ones. */
  static final String LIVE_SESSIONS = NOW
      + "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)\n"
      + "return redis.call('ZRANGE', KEYS[1], 0, -1)\n";

  /**
   * KEYS: POSIX lock hash, sessions. ARGV: session, ttl ms. Returns {version, encoded locks, live session...}.
   */
  static final String POSIX_READ = NOW + touch(2, 1, 2)
      + "local v = redis.call('HGET', KEYS[1], 'v') or '0'\n"
      + "local d = redis.call('HGET', KEYS[1], 'd') or ''\n"
      + "local out = {v, d}\n"
      + "for _, s in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. now, '+inf')) do out[#out + 1] = s end\n"
      + "return out\n";

  /** KEYS: POSIX lock hash. ARGV: expected version, new encoded locks. Compare-and-set; 1 if written. */
  static final String POSIX_WRITE =
      "local v = redis.call('HGET', KEYS[1], 'v') or '0'\n"
      + "if v ~= ARGV[1] then return 0 end\n"
      + "if ARGV[2] == '' then redis.call('DEL', KEYS[1])\n"
      + "else redis.call('HSET', KEYS[1], 'v', tostring(tonumber(v) + 1), 'd', ARGV[2]) end\n"
      + "return 1\n";
}
