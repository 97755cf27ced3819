package org.truckeefs.testkit.fs;

import java.nio.file.Path;
import java.time.Clock;
import org.truckeefs.api.FileSystem;

/** The negative suite on the reference filesystem. */
class SimpleFsNegativeTest extends AbstractNegativeSuite {
  @Override
  protected FileSystem createFileSystem(Path tmp) {
    return new SimpleFileSystem(Clock.systemUTC());
  }
}
