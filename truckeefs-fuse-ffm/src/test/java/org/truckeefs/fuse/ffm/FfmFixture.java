package org.truckeefs.fuse.ffm;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.truckeefs.api.FileSystem;
import org.truckeefs.core.RiverFS;
import org.truckeefs.core.RiverFsConfig;
import org.truckeefs.fuse.FuseMount;
import org.truckeefs.fuse.FuseOptions;
import org.truckeefs.fuse.MountedFs;
import org.truckeefs.fuse.Python;
import org.truckeefs.testkit.RequiredService;

/**
 * A RiverFS mounted through the low-level adapter in a temporary directory, with every {@link FileSystem} call
 * made for a kernel request counted (so a test can tell how many requests the kernel sent; the adapter's own priming
 * at session start is not one), and always unmounted by {@link #close()}.
 */
final class FfmFixture implements AutoCloseable {
  final Path base;
  final Path mnt;
  final RiverFS fs;
  final MountedFs mount;
  private final Map<String, AtomicLong> calls = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> primerCalls = new ConcurrentHashMap<>();
  /** Sizes of the write calls, in arrival order. */
  final List<Integer> writeSizes = Collections.synchronizedList(new ArrayList<>());
  /** Sizes of the read calls (the buffer the kernel asked to fill), in arrival order. */
  final List<Integer> readSizes = Collections.synchronizedList(new ArrayList<>());

  private FfmFixture(Path base, Map<String, String> settings, FuseOptions options) throws Exception {
    this.base = base;
    this.mnt = Files.createDirectories(base.resolve("mnt"));
    Map<String, String> s = new HashMap<>(settings);
    s.putIfAbsent("data_dir", base.resolve("data").toString());
    this.fs = RiverFS.open(RiverFsConfig.fromSettings(s));
    FileSystem counted = (FileSystem) Proxy.newProxyInstance(FileSystem.class.getClassLoader(),
        new Class<?>[] {FileSystem.class}, (p, m, args) -> {
          boolean primer = Thread.currentThread().getName().equals(LowLevelOps.PRIMER);
          (primer ? primerCalls : calls).computeIfAbsent(m.getName(), k -> new AtomicLong()).incrementAndGet();
          if (m.getName().equals("write")) {
            writeSizes.add(((ByteBuffer) args[2]).remaining());
          }
          if (m.getName().equals("read")) {
            readSizes.add(((ByteBuffer) args[2]).remaining());
          }
          try {
            return m.invoke(fs, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
    this.mount = new FfmAdapter().mount(counted, mnt, options);
  }

  static FfmFixture mount(Map<String, String> settings, FuseOptions options) throws Exception {
    FfmAdapter a = new FfmAdapter();
    RequiredService.require(a.problems().isEmpty(), String.join("; ", a.problems()));
    Path base = Files.createTempDirectory("truckeefs-ffm-it-");
    Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
    try {
      return new FfmFixture(base, settings, options);
    } catch (Exception | Error e) {
      deleteTree(base);
      throw e;
    }
  }

  static FfmFixture mount() throws Exception {
    return mount(Map.of(), FuseOptions.defaults().withTimeouts(java.time.Duration.ofSeconds(30), java.time.Duration.ofSeconds(30)).withAllowOther(true));
  }

  long calls(String method) {
    AtomicLong n = calls.get(method);
    return n == null ? 0 : n.get();
  }

  /** Calls the adapter made on its own at session start ({@link LowLevelOps#PRIMER}). */
  long primerCalls(String method) {
    AtomicLong n = primerCalls.get(method);
    return n == null ? 0 : n.get();
  }

  void resetCounts() {
    calls.clear();
    writeSizes.clear();
    readSizes.clear();
  }

  Path path(String name) {
    return mnt.resolve(name);
  }

  /** Runs a Python 3 snippet (argv[1..] = args) and returns its stdout; fails on a non-zero exit. */
  static String python(String script, String... args) throws IOException, InterruptedException {
    return Python.run(script, args);
  }

  /** Runs a shell command line and returns its stdout; fails on a non-zero exit. */
  static String sh(String line) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("sh", "-c", line).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError("`" + line + "` failed: " + out);
    }
    return out.strip();
  }

  @Override
  public void close() throws Exception {
    try {
      mount.close();
      if (FuseMount.isMountedAt(mnt)) {
        throw new AssertionError("still mounted after close: " + mnt);
      }
    } finally {
      deleteTree(base);
    }
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
      // best effort
    }
  }
}
