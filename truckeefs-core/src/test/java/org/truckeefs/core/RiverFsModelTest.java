package org.truckeefs.core;

import java.nio.file.Path;
import java.time.Clock;
import org.truckeefs.api.FileSystem;
import org.truckeefs.testkit.fs.AbstractModelBasedSuite;

/** The testkit's model-based suite on RiverFS (memory: metadata, local: blobs and coordination). */
class RiverFsModelTest extends AbstractModelBasedSuite {
  @Override
  protected FileSystem createFileSystem(Path dir) throws Exception {
    return SuiteFileSystems.open(dir, Clock.systemUTC());
  }
}
