package org.truckeefs.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.truckeefs.api.Caller;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.Name;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.api.RenameFlags;
import org.truckeefs.core.Backends;
import org.truckeefs.core.RiverFS;
import org.truckeefs.core.RiverFsConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The training run of the JDK's ahead-of-time cache (JDK 25, JEP 483/514/515), run by the build: a filesystem on
 * embedded defaults in a temporary directory goes through what a mount does most (create, write, close, stat,
 * lookup, list, xattr probes, rename, unlink), so the cache holds those classes loaded and linked and their
 * profiles, and a fresh mount starts where a warmed-up one would be. Touches nothing outside its directory, which
 * it removes.
 */
@Command(name = "aot-train", hidden = true,
    description = "Exercise an embedded filesystem in a temporary directory (the AOT cache's training run).")
final class AotTrainCommand implements Callable<Integer> {
  @Option(names = "--files", defaultValue = "2000", description = "Files per round.")
  int files;

  @Option(names = "--rounds", defaultValue = "4", description = "Rounds.")
  int rounds;

  @Override
  public Integer call() throws Exception {
    Path dir = Files.createTempDirectory("truckeefs-aot-train-");
    try {
      RiverFsConfig c = RiverFsConfig.builder().backends(Backends.discover()).dataDir(dir)
          .cacheDir(dir.resolve("cache")).metadataUri("sqlite:" + dir.resolve("metadata.db")).build();
      RiverFS fs = RiverFS.open(c);
      try {
        for (int r = 0; r < rounds; r++) {
          round(fs, r);
        }
      } finally {
        fs.close();
      }
    } finally {
      delete(dir);
    }
    return 0;
  }

  private void round(RiverFS fs, int r) throws FsException {
    Caller u = Caller.ROOT;
    InodeId d = fs.mkdir(u, InodeId.ROOT, Name.of("d" + r), 0755).id();
    // Direct buffers, as the FUSE adapters hand over (a heap buffer takes other paths through the JDK's file and
    // digest code, so their profiles would not be the mount's).
    ByteBuffer small = ByteBuffer.allocateDirect(100);
    ByteBuffer big = ByteBuffer.allocateDirect(128 * 1024);
    for (int i = 0; i < files; i++) {
      long h = fs.create(u, d, name(i), 0644, OpenFlags.of(OpenFlags.O_WRONLY | OpenFlags.O_CREAT)).handle();
      if (i % 2 == 0) {
        fs.write(h, 0, (i % 10 == 0 ? big : small).clear());
      }
      fs.flush(h);
      fs.release(h);
    }
    for (int i = 0; i < files; i++) {
      InodeId f = fs.lookup(u, d, name(i)).id();
      fs.getattr(f);
      probe(fs, u, f);
    }
    long dh = fs.opendir(u, d);
    long cookie = 0;
    while (true) {
      var page = fs.readdirplus(dh, cookie, 512);
      if (page.entries().isEmpty()) {
        break;
      }
      cookie = page.entries().get(page.entries().size() - 1).entry().cookie();
      if (page.end()) {
        break;
      }
    }
    fs.releasedir(dh);
    for (int i = 0; i < files; i += 10) {
      long h = fs.open(u, fs.lookup(u, d, name(i)).id(), OpenFlags.of(OpenFlags.O_RDONLY)).handle();
      fs.read(h, 0, ByteBuffer.allocate(64 * 1024));
      fs.release(h);
      fs.rename(u, d, name(i), d, Name.of("r" + i), RenameFlags.NONE);
      fs.rename(u, d, Name.of("r" + i), d, name(i), RenameFlags.NONE);
    }
    sequential(fs, u, d);
    for (int i = 0; i < files; i++) {
      fs.unlink(u, d, name(i));
    }
    fs.rmdir(u, InodeId.ROOT, Name.of("d" + r));
  }

  /**
   * A large file written in 1 MiB requests, fsynced and read back: the path of {@code cp}, {@code dd} and
   * {@code fio} (several chunks, their running hashes, sealing at fsync). Without it a fresh mount's first large
   * write ran its SHA-256 interpreted or in C1 for most of a 512 MiB {@code dd} (a third of the speed of the next).
   */
  private static void sequential(RiverFS fs, Caller u, InodeId d) throws FsException {
    ByteBuffer mib = ByteBuffer.allocateDirect(1 << 20);
    for (int i = 0; i < mib.capacity(); i += 8) {
      mib.putLong(i, i * 0x9E3779B97F4A7C15L); // not zeros: a deduplicated chunk skips the blob store's work
    }
    Name name = Name.of("sequential");
    long h = fs.create(u, d, name, 0644, OpenFlags.of(OpenFlags.O_WRONLY | OpenFlags.O_CREAT)).handle();
    for (int i = 0; i < 24; i++) {
      mib.putLong(0, i);
      fs.write(h, (long) i << 20, mib.clear());
    }
    fs.fsync(h, false);
    fs.flush(h);
    fs.release(h);
    h = fs.open(u, fs.lookup(u, d, name).id(), OpenFlags.of(OpenFlags.O_RDONLY)).handle();
    for (int i = 0; i < 24; i++) {
      fs.read(h, (long) i << 20, mib.clear());
    }
    fs.release(h);
    fs.unlink(u, d, name);
  }

  /** What {@code ls -l} and every write(2) ask of a file that has no xattrs. */
  private static void probe(RiverFS fs, Caller u, InodeId f) throws FsException {
    try {
      fs.getxattr(u, f, "security.capability");
    } catch (FsException absent) {
      if (absent.error() == FsError.IO) {
        throw absent;
      }
    }
  }

  private static Name name(int i) throws FsException {
    return Name.of("f" + i);
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }
}
