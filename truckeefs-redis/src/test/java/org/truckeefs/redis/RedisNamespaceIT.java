package org.truckeefs.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.redisson.api.RedissonClient;
import org.truckeefs.api.Caller;
import org.truckeefs.api.LockRange;
import org.truckeefs.api.Name;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.api.OpenResult;
import org.truckeefs.core.RiverFS;
import org.truckeefs.core.RiverFsConfig;
import org.truckeefs.testkit.RequiredService;

/**
 * Two filesystems on one Redis database (the shared server, db 0), each with its own SQLite metadata and so its own
 * filesystem id: the same inode number locked in both does not conflict, and one's reset_redis leaves the other's
 * ephemeral keys (open marks) alone.
 */
class RedisNamespaceIT {
  @TempDir Path tmp;
  private final List<RiverFS> opened = new ArrayList<>();
  private Set<String> before;

  @BeforeEach
  void needRedis() {
    RequiredService.requireRedis();
    before = namespaces();
  }

  @AfterEach
  void cleanUp() throws Exception {
    for (RiverFS fs : opened) {
      fs.close();
    }
    Set<String> mine = namespaces();
    mine.removeAll(before);
    RedisTestKeys.deleteNamespaces(List.copyOf(mine));
  }

  private static Set<String> namespaces() {
    RedissonClient r = RedisTestKeys.client(6379);
    try {
      Set<String> out = new TreeSet<>();
      r.getKeys().getKeysStreamByPattern("truckeefs:{*}:*").forEach(k -> out.add(k.substring(k.indexOf('{') + 1,
          k.indexOf('}'))));
      return out;
    } finally {
      r.shutdown();
    }
  }

  private static long keys(String pattern) {
    RedissonClient r = RedisTestKeys.client(6379);
    try {
      return r.getKeys().getKeysStreamByPattern(pattern).count();
    } finally {
      r.shutdown();
    }
  }

  private RiverFS open(String name) throws Exception {
    Map<String, String> s = new HashMap<>(Map.of("data_dir", tmp.resolve(name).toString(),
        "redis_host", "127.0.0.1:6379", "redis_db", "0"));
    RiverFS fs = RiverFS.open(RiverFsConfig.fromSettings(s));
    opened.add(fs);
    return fs;
  }

  private static OpenResult create(RiverFS fs, String name) throws Exception {
    return fs.create(Caller.ROOT, fs.root(), Name.of(name), 0644, OpenFlags.READ_WRITE.with(OpenFlags.O_CREAT));
  }

  @Test
  void twoFilesystemsOnOneRedisDb_neverSeeEachOther() throws Exception {
    RiverFS one = open("one");
    OpenResult f1 = create(one, "f");
    one.flock(f1.handle(), 1, LockRange.Type.WRITE, false);
    Set<String> afterOne = namespaces();
    afterOne.removeAll(before);
    assertThat(afterOne).hasSize(1);
    String ns1 = afterOne.iterator().next();
    long ephemeralOfOne = keys("truckeefs:{" + ns1 + "}:eph:*");
    assertThat(ephemeralOfOne).as("one's open mark").isPositive();

    RiverFS two = open("two"); // reset_redis (default true) at its start
    Set<String> both = namespaces();
    both.removeAll(before);
    assertThat(both).as("a namespace each").hasSize(2);
    assertThat(keys("truckeefs:{" + ns1 + "}:eph:*")).as("two's reset left one's keys").isEqualTo(ephemeralOfOne);

    OpenResult f2 = create(two, "f");
    assertThat(f2.attributes().id()).as("the same inode number in both").isEqualTo(f1.attributes().id());
    two.flock(f2.handle(), 2, LockRange.Type.WRITE, false); // would be EAGAIN if the namespaces were shared
    two.flock(f2.handle(), 2, LockRange.Type.UNLOCK, false);
    one.flock(f1.handle(), 1, LockRange.Type.UNLOCK, false);
    one.release(f1.handle());
    two.release(f2.handle());
  }
}
