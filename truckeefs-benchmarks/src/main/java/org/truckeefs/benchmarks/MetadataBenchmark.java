package org.truckeefs.benchmarks;

import java.io.IOException;
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

/** Metadata operations per second: create+close of empty files, and stat of a file two directories deep. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class MetadataBenchmark {
  @Param({"riverfs", "riverfs-sqlite", "nio"})
  public String backend;

  private Backend b;
  private long iteration;
  private long counter;
  private String createDir;

  @Setup(Level.Trial)
  public void open() throws IOException {
    b = Backend.create(backend);
    b.mkdir("/a");
    b.mkdir("/a/b");
    b.createEmpty("/a/b/f");
  }

  /** A fresh directory per iteration, so directory size stays comparable between iterations and backends. */
  @Setup(Level.Iteration)
  public void newDirectory() throws IOException {
    createDir = "/create" + iteration++;
    b.mkdir(createDir);
    counter = 0;
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    b.close();
  }

  @Benchmark
  public void createAndClose() throws IOException {
    b.createEmpty(createDir + "/f" + counter++);
  }

  private final java.nio.ByteBuffer hundred = java.nio.ByteBuffer.allocateDirect(100);

  /**
   * create + write 100 B + close(2) (issue 9's small-file target): RiverFS returns once the data is in its cache file
   * and the upload journal names it; the upload runs in the background, in the same JVM, on the same cores.
   */
  @Benchmark
  public void createWrite100AndClose() throws IOException {
    try (Backend.Handle h = b.openWrite(createDir + "/w" + counter++)) {
      hundred.clear();
      h.write(0, hundred);
    }
  }

  @Benchmark
  public long stat() throws IOException {
    return b.stat("/a/b/f");
  }
}
