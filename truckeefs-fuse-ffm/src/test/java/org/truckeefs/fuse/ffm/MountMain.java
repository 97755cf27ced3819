package org.truckeefs.fuse.ffm;

import java.nio.file.Path;
import java.util.Map;
import org.truckeefs.core.RiverFS;
import org.truckeefs.core.RiverFsConfig;
import org.truckeefs.fuse.FuseOptions;
import org.truckeefs.fuse.MountedFs;

/** A process that mounts through the low-level adapter and serves until unmounted: LifecycleIT signals it. */
public final class MountMain {
  private MountMain() {}

  public static void main(String[] args) throws Exception {
    RiverFS fs = RiverFS.open(RiverFsConfig.fromSettings(Map.of("data_dir", args[0])));
    MountedFs m = new FfmAdapter().mount(fs, Path.of(args[1]), FuseOptions.defaults());
    System.out.println("mounted");
    System.out.flush();
    m.awaitUnmounted();
    System.out.println("unmounted " + (m.failure() == null ? "cleanly" : m.failure()));
    System.out.flush();
  }
}
