package org.truckeefs.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.truckeefs.redis.MultiHostHarness.ROOT;
import static org.truckeefs.redis.MultiHostHarness.closeDurably;
import static org.truckeefs.redis.MultiHostHarness.create;
import static org.truckeefs.redis.MultiHostHarness.open;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.LockRange;
import org.truckeefs.api.Name;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.core.RiverFS;
import org.truckeefs.testkit.RequiredService;

/**
 * Locks across two JVMs: a second process ({@link LockHolderMain}) holds a flock and an fcntl range on a RiverFS
 * file through the same Redis namespace; RiverFS in this JVM is excluded, sees the other process's pid, and proceeds
 * once that process is killed (its session lapses without any release). And a RiverFS host in a second JVM
 * ({@link AppenderHostMain}) appends under flock to the same file as this JVM's host.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SecondJvmLockIT {
  @TempDir Path dir;
  private MultiHostHarness net;
  private Process child;

  @BeforeEach
  void needRedis() throws Exception {
    RequiredService.requireRedis();
    RequiredService.requireMariaDb();
    net = new MultiHostHarness(dir, 6379, Map.of());
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (child != null) {
      child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    if (net != null) {
      net.close();
    }
  }

  @Test
  void locksOfAnotherProcess_excludeThisOne_untilThatProcessIsKilled() throws Exception {
    RiverFS a = net.host("a");
    closeDurably(a, create(a, "shared.db"));
    InodeId id = a.lookup(ROOT, InodeId.ROOT, Name.of("shared.db")).id();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    child = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
        LockHolderMain.class.getName(), "6379", net.namespace, String.valueOf(id.value())))
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
    String line = CompletableFuture.supplyAsync(() -> {
      try {
        for (String l; (l = out.readLine()) != null; ) {
          if (l.startsWith("LOCKED ")) {
            return l;
          }
        }
        return null;
      } catch (java.io.IOException e) {
        return null;
      }
    }).get(60, TimeUnit.SECONDS);
    assertThat(line).as("the child JVM took its locks").isNotNull();
    long childPid = Long.parseLong(line.substring("LOCKED ".length()).trim());
    assertThat(childPid).isEqualTo(child.pid());

    long h = open(a, "shared.db", OpenFlags.O_RDWR);
    assertThat(error(() -> a.flock(h, 1, LockRange.Type.READ, false))).isEqualTo(FsError.AGAIN);
    assertThat(error(() -> a.setlk(h, 1, new LockRange(LockRange.Type.READ, 50, 50, 1), false)))
        .isEqualTo(FsError.AGAIN);
    assertThat(a.getlk(h, 1, new LockRange(LockRange.Type.WRITE, 0, 0, 1)).pid()).isEqualTo(childPid);
    a.setlk(h, 1, new LockRange(LockRange.Type.WRITE, 100, 199, 1), false); // outside the child's range

    child.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // kill -9: nothing is released
    a.flock(h, 1, LockRange.Type.WRITE, true); // granted once the child's session lapses (1.5 s)
    a.setlk(h, 1, new LockRange(LockRange.Type.WRITE, 0, 99, 1), true);
    assertThat(a.getlk(h, 2, new LockRange(LockRange.Type.WRITE, 0, 0, 2)).pid()).isEqualTo(1);
    a.release(h);
  }

  @Test
  void appendsUnderFlock_fromAnotherJvm_andThisOne_giveEveryRecordIntact() throws Exception {
    RiverFS a = net.host("a");
    closeDurably(a, create(a, "log"));
    int perHost = 200;
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    child = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
        AppenderHostMain.class.getName(), net.redisUri(), net.namespace, net.metadataUri(),
        dir.resolve("blobs").toString(), dir.resolve("child-cache").toString(), String.valueOf(perHost), "C"))
        .redirectErrorStream(true)
        .start();
    CompletableFuture<String> childOut = CompletableFuture.supplyAsync(() -> {
      try {
        return new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (java.io.IOException e) {
        return e.toString();
      }
    });
    long h = open(a, "log", OpenFlags.O_WRONLY | OpenFlags.O_APPEND);
    for (int i = 0; i < perHost; i++) {
      a.flock(h, 1, LockRange.Type.WRITE, true);
      MultiHostHarness.write(a, h, 0, String.format("P%06d\n", i));
      a.flock(h, 1, LockRange.Type.UNLOCK, false);
    }
    a.release(h);
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(childOut.get(10, TimeUnit.SECONDS)).contains("DONE");
    assertThat(child.exitValue()).isZero();
    String[] records = MultiHostHarness.readAll(a, "log").split("\n");
    assertThat(records).hasSize(2 * perHost);
    assertThat(records).allMatch(r -> r.matches("[PC]\\d{6}"));
    assertThat(Arrays.stream(records).distinct().count()).isEqualTo(2L * perHost);
  }

  private interface FsCall {
    void run() throws FsException;
  }

  private static FsError error(FsCall c) {
    try {
      c.run();
      return null;
    } catch (FsException e) {
      return e.error();
    }
  }
}
