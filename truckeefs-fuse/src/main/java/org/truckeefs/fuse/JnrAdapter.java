package org.truckeefs.fuse;

import java.nio.file.Path;
import java.util.List;
import org.truckeefs.api.FileSystem;
import org.truckeefs.api.FsException;

/** The jnr-fuse adapter over libfuse 2's high-level (path) API: runs on Java 17. */
final class JnrAdapter implements FuseAdapter {
  static final String NAME = "jnr";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public List<String> problems() {
    return FuseEnvironment.problems();
  }

  @Override
  public MountedFs mount(FileSystem fs, Path mountPoint, FuseOptions options) throws FsException {
    return FuseMount.mount(fs, mountPoint, options);
  }
}
