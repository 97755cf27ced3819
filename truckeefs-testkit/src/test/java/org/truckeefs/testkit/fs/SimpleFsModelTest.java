package org.truckeefs.testkit.fs;

import java.nio.file.Path;
import java.time.Clock;
import org.truckeefs.api.FileSystem;

/** The model-based suite on the reference filesystem. */
class SimpleFsModelTest extends AbstractModelBasedSuite {
  @Override
  protected FileSystem createFileSystem(Path dir) {
    return new SimpleFileSystem(Clock.systemUTC());
  }
}
