package org.truckeefs.testkit.fs;

import java.nio.file.Path;
import java.time.Clock;
import org.truckeefs.api.FileSystem;

/** The functional suite on the reference filesystem, so the suite itself is known to be right. */
class SimpleFsFunctionalTest extends AbstractFunctionalSuite {
  @Override
  protected FileSystem createFileSystem(Path tmp) {
    return new SimpleFileSystem(Clock.systemUTC());
  }

  @Override
  protected int multiChunkSize() {
    return 3 * 1024 * 1024 + 5;
  }
}
