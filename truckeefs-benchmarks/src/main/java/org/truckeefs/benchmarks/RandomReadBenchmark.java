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

/** 4 KiB reads at random 4 KiB-aligned offsets of a 64 MiB file that has been read once (cached). */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RandomReadBenchmark {
  static final int FILE_SIZE = 64 << 20;
  static final int BLOCK = 4096;

  @Param({"riverfs", "nio"})
  public String backend;

  private Backend b;
  private Backend.Handle h;
  private final ByteBuffer dst = ByteBuffer.allocateDirect(BLOCK);

  @Setup(Level.Trial)
  public void open() throws IOException {
    b = Backend.create(backend);
    ByteBuffer src = ByteBuffer.allocateDirect(1 << 20);
    byte[] data = new byte[1 << 20];
    ThreadLocalRandom.current().nextBytes(data);
    src.put(data).flip();
    try (Backend.Handle w = b.openWrite("/random")) {
      for (long off = 0; off < FILE_SIZE; off += src.capacity()) {
        src.rewind();
        while (src.hasRemaining()) {
          w.write(off + src.position(), src);
        }
      }
      w.fsync();
    }
    h = b.openRead("/random");
    ByteBuffer warm = ByteBuffer.allocateDirect(1 << 20);
    for (long off = 0; off < FILE_SIZE; off += warm.capacity()) {
      warm.clear();
      h.read(off, warm);
    }
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    h.close();
    b.close();
  }

  @Benchmark
  public int read4KiB() throws IOException {
    long off = (long) ThreadLocalRandom.current().nextInt(FILE_SIZE / BLOCK) * BLOCK;
    dst.clear();
    return h.read(off, dst);
  }
}
