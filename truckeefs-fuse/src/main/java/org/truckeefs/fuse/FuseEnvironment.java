package org.truckeefs.fuse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.LibraryLoader;

/** Whether this machine can mount: the kernel device, libfuse 2 and fusermount. One line per problem. */
public final class FuseEnvironment {
  private FuseEnvironment() {}

  /** A tiny view of libfuse, only to see that it loads. */
  public interface LibFuseProbe {
    int fuse_version();
  }

  public static List<String> problems() {
    return problems(Path.of("/dev/fuse"), List.of("fuse", "libfuse.so.2"), System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
  }

  static List<String> problems(Path device, List<String> libraries, String path) {
    List<String> p = new ArrayList<>();
    if (!Files.exists(device)) {
      p.add(device + " is missing: load the kernel module (`modprobe fuse`), or start the container with --device /dev/fuse");
    }
    if (!libfuseLoads(libraries)) {
      p.add("libfuse 2 is not installed: install the Debian packages fuse3 and libfuse2 (`apt-get install fuse3 libfuse2`)");
    }
    if (!onPath("fusermount", path)) {
      p.add("fusermount is not on the PATH: install the Debian package fuse3 (`apt-get install fuse3`)");
    }
    return p;
  }

  static boolean libfuseLoads(List<String> names) {
    for (String name : names) {
      try {
        LibraryLoader.create(LibFuseProbe.class).failImmediately().load(name).fuse_version();
        return true;
      } catch (Throwable e) {
        // try the next name
      }
    }
    return false;
  }

  private static boolean onPath(String exe, String path) {
    for (String dir : path.split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, exe))) {
        return true;
      }
    }
    return false;
  }
}
