package org.truckeefs.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.truckeefs.api.Caller;
import org.truckeefs.api.DirListingPlus;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.Name;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.api.SetAttr;
import org.truckeefs.core.RiverFS;
import org.truckeefs.core.RiverFsConfig;

/**
 * Metadata operations of an in-process RiverFS on the embedded defaults (SQLite metadata in the data directory,
 * local blobs, in-JVM coordination), through the {@code FileSystem} API as a FUSE adapter calls it. unlink is
 * measured as create+close+unlink (subtract createAndClose); readdirplus lists a directory of 100 files.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class EmbeddedMetadataBenchmark {
  private static final Caller ME = Caller.ROOT;
  private static final byte[] HUNDRED = new byte[100];

  private Path dir;
  private RiverFS fs;
  private InodeId a;
  private InodeId f;
  private Name fName;
  private InodeId listed;
  private InodeId createDir;
  private Path nioDir;
  private long iteration;
  private long counter;

  @Setup(Level.Trial)
  public void open() throws IOException {
    dir = Backend.scratchDir("embedded");
    Path data = dir.resolve("data");
    fs = RiverFS.open(RiverFsConfig.builder()
        .dataDir(data)
        .cacheDir(data.resolve("cache"))
        .metadataUri("sqlite:" + data.resolve("metadata.db").toAbsolutePath())
        .blobUri("local:" + dir.resolve("blobs").toAbsolutePath())
        .coordinatorUri("local:")
        .build());
    a = fs.mkdir(ME, InodeId.ROOT, Name.of("a"), 0755).id();
    fName = Name.of("f");
    f = closeNew(a, fName, false).id();
    listed = fs.mkdir(ME, InodeId.ROOT, Name.of("listed"), 0755).id();
    for (int i = 0; i < 100; i++) {
      closeNew(listed, Name.of("file-" + i), true);
    }
  }

  /** A fresh directory per iteration, so that directory sizes stay comparable between iterations. */
  @Setup(Level.Iteration)
  public void newDirectory() throws IOException {
    nioDir = Files.createDirectory(dir.resolve("nio" + iteration));
    createDir = fs.mkdir(ME, InodeId.ROOT, Name.of("create" + iteration++), 0755).id();
    counter = 0;
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    fs.close();
    Backend.deleteTree(dir);
  }

  private InodeAttributes closeNew(InodeId parent, Name name, boolean write100) throws FsException {
    var o = fs.create(ME, parent, name, 0644, OpenFlags.WRITE);
    if (write100) {
      fs.write(o.handle(), 0, ByteBuffer.wrap(HUNDRED));
    }
    fs.flush(o.handle());
    fs.release(o.handle());
    return o.attributes();
  }

  @Benchmark
  public InodeAttributes stat() throws FsException {
    return fs.getattr(f);
  }

  @Benchmark
  public InodeAttributes lookup() throws FsException {
    return fs.lookup(ME, a, fName);
  }

  @Benchmark
  public InodeAttributes createAndClose() throws FsException {
    return closeNew(createDir, Name.of("f" + counter++), false);
  }

  @Benchmark
  public InodeAttributes createWrite100AndClose() throws FsException {
    return closeNew(createDir, Name.of("w" + counter++), true);
  }

  /**
   * As {@link #createWrite100AndClose} with different bytes in every file (the other writes the same 100 zero bytes
   * every time, which a deduplicating blob store stores once: each file's cache file is then deleted after upload).
   */
  @Benchmark
  public InodeAttributes createWriteDistinct100AndClose() throws FsException {
    long n = counter++;
    var o = fs.create(ME, createDir, Name.of("d" + n), 0644, OpenFlags.WRITE);
    fs.write(o.handle(), 0, ByteBuffer.allocate(100).putLong(0, n).putLong(8, iteration));
    fs.flush(o.handle());
    fs.release(o.handle());
    return o.attributes();
  }

  /**
   * The disk's own cost of {@link #createWrite100AndClose}: the same 100 bytes written to a new file with java.nio
   * in a directory beside the data directory (same filesystem). A RiverFS small file is a cache file of its own
   * until it is uploaded, so this bounds that benchmark.
   */
  @Benchmark
  public Path nioCreateWrite100AndClose() throws IOException {
    return Files.write(nioDir.resolve("w" + counter++), HUNDRED, StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE);
  }

  @Benchmark
  public void createCloseAndUnlink() throws FsException {
    Name n = Name.of("u" + counter++);
    closeNew(createDir, n, false);
    fs.unlink(ME, createDir, n);
  }

  /**
   * What the kernel sends the filesystem for one {@code open(O_CREAT|O_EXCL)} + {@code close} and one
   * {@code unlink} through the mount (default_permissions, writeback cache): LOOKUP of the new name (absent),
   * CREATE, GETATTR of the directory, FLUSH, RELEASE; then GETATTR of the directory, UNLINK, and SETATTR of ctime
   * for the unlinked inode, which is gone (ENOENT).
   */
  @Benchmark
  public void kernelCreateUnlinkSequence() throws FsException {
    Name n = Name.of("k" + counter++);
    try {
      fs.lookup(ME, createDir, n);
    } catch (FsException absent) {
      // expected: the name is new
    }
    var o = fs.create(ME, createDir, n, 0644, OpenFlags.WRITE);
    fs.getattr(createDir);
    fs.flush(o.handle());
    fs.release(o.handle());
    fs.getattr(createDir);
    fs.unlink(ME, createDir, n);
    try {
      fs.setattr(ME, o.attributes().id(), SetAttr.NONE, -1); // a ctime-only SETATTR changes nothing we keep
    } catch (FsException gone) {
      // expected: the inode was purged with its name
    }
  }

  @Benchmark
  public int readdirplus100() throws FsException {
    long h = fs.opendir(ME, listed);
    try {
      int n = 0;
      long cookie = 0;
      DirListingPlus page;
      do {
        page = fs.readdirplus(h, cookie, 1000);
        n += page.entries().size();
        if (!page.entries().isEmpty()) {
          cookie = page.entries().get(page.entries().size() - 1).entry().cookie();
        }
      } while (!page.end());
      return n;
    } finally {
      fs.releasedir(h);
    }
  }
}
