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
    // On SIGTERM the JVM halts once every shutdown hook returned, and the adapter's hook returns as soon as the
    // loop ended: this hook holds the exit until the verdict below is printed, which LifecycleIT reads.
    java.util.concurrent.CountDownLatch said = new java.util.concurrent.CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        said.await(90, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }));
    RiverFS fs = RiverFS.open(RiverFsConfig.fromSettings(Map.of("data_dir", args[0])));
    MountedFs m = new FfmAdapter().mount(fs, Path.of(args[1]), FuseOptions.defaults());
    System.out.println("mounted");
    System.out.flush();
    m.awaitUnmounted();
    System.out.println("unmounted " + (m.failure() == null ? "cleanly" : m.failure()));
    System.out.flush();
    said.countDown();
  }
}
