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

  /** The reference keeps its files in memory: a restart is a new instance over the same inodes. */
  @Override
  protected FileSystem reopen(FileSystem old, Path tmp) {
    return ((SimpleFileSystem) old).restarted();
  }

  /** The reference has no blob store: a file's content is its stored unit. */
  @Override
  protected long storedBlobCount() {
    return ((SimpleFileSystem) fs).storedContents();
  }

  @Override
  protected int multiChunkSize() {
    return 3 * 1024 * 1024 + 5;
  }
}
