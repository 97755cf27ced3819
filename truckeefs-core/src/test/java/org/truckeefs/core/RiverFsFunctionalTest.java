package org.truckeefs.core;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.truckeefs.api.FileSystem;
import org.truckeefs.testkit.FakeClock;
import org.truckeefs.testkit.fs.AbstractFunctionalSuite;

/** The testkit's functional suite on RiverFS (memory: metadata, local: blobs and coordination). */
class RiverFsFunctionalTest extends AbstractFunctionalSuite {
  private final FakeClock clock = new FakeClock();
  private InMemoryMetadataStore meta;

  @Override
  protected FileSystem createFileSystem(Path tmp) throws Exception {
    meta = new InMemoryMetadataStore(clock);
    // Grace zero: a released blob is collectable at once; runBackgroundWork runs the collector.
    return SuiteFileSystems.open(tmp, clock, meta, Duration.ZERO);
  }

  @Override
  protected FileSystem reopen(FileSystem old, Path tmp) throws Exception {
    old.close();
    return SuiteFileSystems.open(tmp, clock, meta, Duration.ZERO);
  }

  @Override
  protected Clock clock() {
    return clock;
  }

  @Override
  protected long storedBlobCount() throws Exception {
    return SuiteFileSystems.countBlobs(tmp);
  }

  @Override
  protected void runBackgroundWork() throws Exception {
    clock.advance(Duration.ofSeconds(1));
    ((RiverFS) fs).collectBlobs();
  }

  @Override
  protected int multiChunkSize() {
    return 16 * SuiteFileSystems.CHUNK + 123;
  }
}
