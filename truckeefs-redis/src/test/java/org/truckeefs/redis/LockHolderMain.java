package org.truckeefs.redis;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.truckeefs.api.LockRange;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.Coordinator;
import org.truckeefs.spi.Ticker;

/**
 * A second "host" in its own JVM for {@link SecondJvmLockIT}: joins the filesystem's Redis namespace, takes an
 * exclusive flock and an fcntl record lock on the given inode the way RiverFS keys them, says {@code LOCKED} and
 * then holds them until it is killed (or its stdin closes).
 *
 * <p>Arguments: redis port, namespace (filesystem id), inode number.
 */
public final class LockHolderMain {
  private LockHolderMain() {}

  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    String namespace = args[1];
    long inode = Long.parseLong(args[2]);
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    BackendContext ctx = new BackendContext(namespace, Path.of("unused"), Clock.systemUTC(), Ticker.system(),
        scheduler);
    Coordinator c = new RedisCoordinatorProvider().create(URI.create("redis://127.0.0.1:" + port + "/0"),
        BackendConfig.of(Map.of("reset_redis", "false", "redis_session_ttl", "1500ms")), ctx);
    long pid = ProcessHandle.current().pid();
    c.setPosixLock("flock:" + inode, 1, new LockRange(LockRange.Type.WRITE, 0, Long.MAX_VALUE, 0), Duration.ZERO);
    c.setPosixLock("fcntl:" + inode, 1, new LockRange(LockRange.Type.WRITE, 0, 99, pid), Duration.ZERO);
    System.out.println("LOCKED " + pid);
    System.out.flush();
    while (System.in.read() >= 0) {
      // hold the locks
    }
    c.close();
    scheduler.shutdownNow();
  }
}
