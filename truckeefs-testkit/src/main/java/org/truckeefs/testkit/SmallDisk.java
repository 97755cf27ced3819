package org.truckeefs.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real small filesystem for disk-full tests: a tmpfs of a given size mounted on a directory, unmounted at
 * {@link #close}. Mounting needs root (or CAP_SYS_ADMIN); without it the test fails in CI and is skipped elsewhere
 * ({@link RequiredService}).
 */
public final class SmallDisk implements AutoCloseable {
  private final Path dir;

  private SmallDisk(Path dir) {
    this.dir = dir;
  }

  /** Mounts a tmpfs of {@code bytes} on {@code dir} (created if missing). */
  public static SmallDisk mount(Path dir, long bytes) throws IOException, InterruptedException {
    Files.createDirectories(dir);
    Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + bytes, "tmpfs", dir.toString())
        .redirectErrorStream(true).start();
    boolean mounted = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    RequiredService.require(mounted, "mounting a tmpfs (run the tests as root, or in a container with CAP_SYS_ADMIN)");
    return new SmallDisk(dir);
  }

  public Path dir() {
    return dir;
  }

  /** Unmounts lazily: a file under test may stay mapped (a MappedByteBuffer) until it is collected. */
  @Override
  public void close() throws IOException, InterruptedException {
    new ProcessBuilder("umount", "-l", dir.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
  }
}
