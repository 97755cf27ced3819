package org.truckeefs.testkit.fs;

import java.nio.file.Path;
import java.time.Clock;
import org.truckeefs.api.FileSystem;

/** The concurrency suite on the reference filesystem. */
class SimpleFsConcurrencyTest extends AbstractConcurrencySuite {
  @Override
  protected FileSystem createFileSystem(Path tmp) {
    return new SimpleFileSystem(Clock.systemUTC());
  }
}
