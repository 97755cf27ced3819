package org.truckeefs.core;

import java.nio.file.Path;
import java.time.Clock;
import org.truckeefs.api.FileSystem;
import org.truckeefs.testkit.fs.AbstractNegativeSuite;

/** The testkit's negative suite on RiverFS (memory: metadata, local: blobs and coordination). */
class RiverFsNegativeTest extends AbstractNegativeSuite {
  @Override
  protected FileSystem createFileSystem(Path tmp) throws Exception {
    return SuiteFileSystems.open(tmp, Clock.systemUTC());
  }
}
