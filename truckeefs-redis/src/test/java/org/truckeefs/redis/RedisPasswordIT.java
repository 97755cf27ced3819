package org.truckeefs.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.Caller;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.LockRange;
import org.truckeefs.api.Name;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.api.OpenResult;
import org.truckeefs.core.RiverFS;
import org.truckeefs.core.RiverFsConfig;

/** A password-protected Redis (a private {@code redis-server --requirepass} on port 6393) works with redis_pass. */
class RedisPasswordIT {
  private static final int PORT = 6393;
  private static final String PASSWORD = "correct horse battery staple";
  @RegisterExtension
  final PrivateRedis redis = new PrivateRedis(PORT, "--requirepass", PASSWORD);
  @TempDir Path tmp;

  private RiverFS open(Map<String, String> extra) throws FsException {
    Map<String, String> s = new HashMap<>(Map.of("data_dir", tmp.resolve("data").toString(),
        "redis_host", "127.0.0.1:" + PORT, "redis_timeout", "2s"));
    s.putAll(extra);
    return RiverFS.open(RiverFsConfig.fromSettings(s));
  }

  @Test
  void withRedisPass_theFilesystemOpens_andLocks() throws Exception {
    try (RiverFS fs = open(Map.of("redis_pass", PASSWORD))) {
      OpenResult f = fs.create(Caller.ROOT, fs.root(), Name.of("f"), 0644,
          OpenFlags.READ_WRITE.with(OpenFlags.O_CREAT));
      fs.write(f.handle(), 0, ByteBuffer.wrap(new byte[] {1, 2, 3}));
      fs.flock(f.handle(), 1, LockRange.Type.WRITE, false);
      fs.flock(f.handle(), 1, LockRange.Type.UNLOCK, false);
      fs.release(f.handle());
    }
  }

  @Test
  void aWrongPassword_isRefusedNamingRedisPass_neverShowingIt_andCreatesNothing() throws Exception {
    assertThatThrownBy(() -> open(Map.of("redis_pass", "wrong password")))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.ACCESS_DENIED))
        .hasMessageContaining("redis_pass")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("wrong password"));
    assertThat(tmp.resolve("data")).doesNotExist();
  }

  @Test
  void noPassword_saysToSetRedisPass() throws Exception {
    assertThatThrownBy(() -> open(Map.of()))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.ACCESS_DENIED))
        .hasMessageContaining("set redis_pass");
    assertThat(tmp.resolve("data")).doesNotExist();
  }
}
