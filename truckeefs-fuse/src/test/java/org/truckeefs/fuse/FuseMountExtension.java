package org.truckeefs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.truckeefs.api.FileSystem;
import org.truckeefs.core.RiverFS;
import org.truckeefs.core.RiverFsConfig;
import org.truckeefs.testkit.RequiredService;

/**
 * Mounts a fresh RiverFS (embedded backends in a temporary directory) once per test class, with
 * {@code allow_other} so a second uid can enter, and always unmounts afterwards. Directories are world-searchable
 * so that {@code setpriv} processes reach the mount point.
 */
final class FuseMountExtension implements BeforeAllCallback, AfterAllCallback {
  static final int USER = 1000;
  static final int OTHER = 1001;

  private final Map<String, String> settings = new HashMap<>();
  private final AtomicInteger dirs = new AtomicInteger();
  private Path base;
  private Path mountPoint;
  private FileSystem fs;
  private MountedFs mount;
  private FsAgent root;

  FuseMountExtension with(String key, String value) {
    settings.put(key, value);
    return this;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    FuseAdapter adapter = FuseAdapters.select(System.getProperty("truckeefs.fuse.api", FuseAdapters.JNR), n -> {});
    RequiredService.require(Files.exists(Path.of("/dev/fuse")), "/dev/fuse (FUSE kernel module)");
    RequiredService.require(adapter.problems().isEmpty(), String.join("; ", adapter.problems()));
    base = Files.createTempDirectory("truckeefs-it-");
    Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
    mountPoint = Files.createDirectory(base.resolve("mnt"));
    Map<String, String> s = new HashMap<>(settings);
    s.putIfAbsent("data_dir", base.resolve("data").toString());
    s.putIfAbsent("metadata_uri", "memory:"); // no truckeefs-sql here: in-memory metadata, asked for by name
    fs = RiverFS.open(RiverFsConfig.fromSettings(s));
    FileSystem opened = fs;
    fs = null; // FuseMount owns it now: it closes it when the mount fails or ends
    mount = adapter.mount(opened, mountPoint, FuseOptions.defaults().withAllowOther(true));
    fs = opened;
    root = FsAgent.root();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    try {
      if (root != null) {
        root.close();
      }
      if (mount != null) {
        mount.close();
        assertThat(FuseMount.isMountedAt(mountPoint)).as("still mounted after close").isFalse();
      }
    } finally {
      if (base != null) {
        deleteTree(base);
      }
    }
  }

  FileSystem fileSystem() {
    return fs;
  }

  /** Waits until every closed file is uploaded and committed (nothing changes behind a reader afterwards). */
  void uploadAll() throws org.truckeefs.api.FsException {
    ((RiverFS) fs).syncAll();
  }

  /** Whether this run mounts through the libfuse 3 low-level adapter. */
  boolean lowLevel() {
    return FuseAdapters.LOWLEVEL.equals(System.getProperty("truckeefs.fuse.api"));
  }

  MountedFs mount() {
    return mount;
  }

  Path mountPoint() {
    return mountPoint;
  }

  FsAgent root() {
    return root;
  }

  /** A fresh directory in the mount, mode 0777 so any uid can create in it. */
  String newDir() {
    String d = mountPoint + "/t" + dirs.incrementAndGet();
    root.ok("mkdir", d, 0777);
    root.ok("chmod", d, 0777);
    return d;
  }

  /** Retries {@code check} for up to twice the attribute timeout: the kernel may show cached attributes until then. */
  static void eventually(Runnable check) {
    Awaitility.await().atMost(Duration.ofMillis(2_500)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(50))
        .pollInSameThread().untilAsserted(check::run);
  }

  /**
   * Waits until the wall clock the filesystem stamps times with (the system clock) is past {@code epochNanos}, a time
   * it stamped: a change made afterwards must then show a later time.
   */
  static void awaitClockPast(long epochNanos) {
    Awaitility.await("the clock passes " + epochNanos + " ns").atMost(Duration.ofSeconds(2)).pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(1)).until(() -> {
          Instant now = Clock.systemUTC().instant();
          return now.getEpochSecond() * 1_000_000_000L + now.getNano() > epochNanos;
        });
  }

  static void deleteTree(Path p) {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> s = Files.walk(p)) {
      s.sorted(Comparator.reverseOrder()).forEach(x -> {
        try {
          Files.deleteIfExists(x);
        } catch (IOException e) {
          // best effort
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
