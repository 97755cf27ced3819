package org.truckeefs.fuse.ffm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.truckeefs.api.FileSystem;
import org.truckeefs.api.FsException;
import org.truckeefs.fuse.FuseAdapter;
import org.truckeefs.fuse.FuseAdapters;
import org.truckeefs.fuse.FuseOptions;
import org.truckeefs.fuse.MountedFs;

/** The libfuse 3 low-level adapter, found by {@link FuseAdapters} through {@link java.util.ServiceLoader}. */
public final class FfmAdapter implements FuseAdapter {
  @Override
  public String name() {
    return FuseAdapters.LOWLEVEL;
  }

  @Override
  public List<String> problems() {
    List<String> p = new ArrayList<>();
    if (!Files.exists(Path.of("/dev/fuse"))) {
      p.add("/dev/fuse is missing: load the kernel module (`modprobe fuse`), or start the container with --device /dev/fuse");
    }
    try {
      LibFuse3.get();
    } catch (Throwable t) {
      p.add("libfuse 3 does not load (" + t.getMessage() + "): install the Debian package libfuse3-3 (`apt-get install libfuse3-3 fuse3`)");
    }
    return p;
  }

  @Override
  public MountedFs mount(FileSystem fs, Path mountPoint, FuseOptions options) throws FsException {
    return FfmMount.mount(fs, mountPoint, FfmOptions.of(options));
  }
}
