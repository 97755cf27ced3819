package org.truckeefs.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Sequential write and read of a 256 MiB file in 1 MiB calls; one file per invocation (single-shot), so
 * MB/s = 256 / (ms / 1000). The read is of a file written and read once in setup (cached).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class SequentialBenchmark {
  static final long FILE_SIZE = 256L << 20;
  static final int IO = 1 << 20;

  @Param({"riverfs", "riverfs-sqlite", "nio"})
  public String backend;

  private Backend b;
  private ByteBuffer buf;
  private long n;

  @Setup(Level.Trial)
  public void open() throws IOException {
    b = Backend.create(backend);
    byte[] data = new byte[IO];
    ThreadLocalRandom.current().nextBytes(data);
    buf = ByteBuffer.allocateDirect(IO);
    buf.put(data).flip();
    writeFile("/cached", true);
    readFile("/cached");
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    b.close();
  }

  /** Removes the file the last write made, so the disk does not fill up. */
  @TearDown(Level.Iteration)
  public void deleteWritten() throws IOException {
    if (n > 0) {
      b.delete("/w" + (n - 1));
    }
  }

  private void writeFile(String path, boolean fsync) throws IOException {
    try (Backend.Handle h = b.openWrite(path)) {
      for (long off = 0; off < FILE_SIZE; off += IO) {
        buf.rewind();
        while (buf.hasRemaining()) {
          h.write(off + buf.position(), buf);
        }
      }
      if (fsync) {
        h.fsync();
      }
    }
  }

  private long readFile(String path) throws IOException {
    ByteBuffer dst = ByteBuffer.allocateDirect(IO);
    long total = 0;
    try (Backend.Handle h = b.openRead(path)) {
      while (true) {
        dst.clear();
        int r = h.read(total, dst);
        if (r <= 0) {
          break;
        }
        total += r;
      }
    }
    if (total != FILE_SIZE) {
      throw new IllegalStateException("read " + total + " bytes of " + FILE_SIZE);
    }
    return total;
  }

  /** Write and close(2): RiverFS returns once the data is in its cache and journal (upload follows). */
  @Benchmark
  public void write256MiB() throws IOException {
    writeFile("/w" + n++, false);
  }

  /** Write and fsync: RiverFS returns once the data is in the blob store and committed. */
  @Benchmark
  public void write256MiBFsync() throws IOException {
    writeFile("/w" + n++, true);
  }

  @Benchmark
  public long read256MiBCached() throws IOException {
    return readFile("/cached");
  }
}
