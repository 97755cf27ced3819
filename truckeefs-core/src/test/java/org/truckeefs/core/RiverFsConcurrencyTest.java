package org.truckeefs.core;

import java.nio.file.Path;
import java.time.Clock;
import org.truckeefs.api.FileSystem;
import org.truckeefs.testkit.fs.AbstractConcurrencySuite;

/** The testkit's concurrency suite on RiverFS (memory: metadata, local: blobs and coordination). */
class RiverFsConcurrencyTest extends AbstractConcurrencySuite {
  @Override
  protected FileSystem createFileSystem(Path tmp) throws Exception {
    return SuiteFileSystems.open(tmp, Clock.systemUTC());
  }
}
