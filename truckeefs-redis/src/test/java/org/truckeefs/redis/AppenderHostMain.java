package org.truckeefs.redis;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.truckeefs.api.Caller;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.LockRange;
import org.truckeefs.api.Name;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.core.RiverFS;
import org.truckeefs.core.RiverFsConfig;
import org.truckeefs.spi.BackendConfig;

/**
 * A RiverFS host in its own JVM for {@link SecondJvmLockIT}: opens the shared filesystem (MariaDB, Redis, blob
 * directory) with its own cache directory, appends {@code count} records to {@code /log} under flock, prints
 * {@code DONE} and closes.
 *
 * <p>Arguments: redis uri, namespace, metadata uri, blob dir, cache dir, record count, tag.
 */
public final class AppenderHostMain {
  private AppenderHostMain() {}

  public static void main(String[] args) throws Exception {
    Path cache = Path.of(args[4]);
    try (RiverFS fs = RiverFS.open(RiverFsConfig.builder()
        .filesystemId(args[1])
        .coordinatorUri(args[0])
        .metadataUri(args[2])
        .blobUri("local:" + args[3])
        .dataDir(cache.resolveSibling(cache.getFileName() + "-data"))
        .cacheDir(cache)
        .backendConfig(BackendConfig.of(Map.of("redis_session_ttl", "1500ms", "reset_redis", "false",
            "sql_user", "root", "sql_pass", "", "sql_pool_size", "2")))
        .build())) {
      int count = Integer.parseInt(args[5]);
      InodeId log = fs.lookup(Caller.ROOT, InodeId.ROOT, Name.of("log")).id();
      long h = fs.open(Caller.ROOT, log, OpenFlags.of(OpenFlags.O_WRONLY | OpenFlags.O_APPEND)).handle();
      for (int i = 0; i < count; i++) {
        fs.flock(h, 1, LockRange.Type.WRITE, true);
        fs.write(h, 0, ByteBuffer.wrap(String.format("%s%06d\n", args[6], i).getBytes(StandardCharsets.UTF_8)));
        fs.flock(h, 1, LockRange.Type.UNLOCK, false);
      }
      fs.release(h);
    }
    System.out.println("DONE");
  }
}
