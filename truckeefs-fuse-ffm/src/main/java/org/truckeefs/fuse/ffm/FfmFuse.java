package org.truckeefs.fuse.ffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The {@code struct fuse_lowlevel_ops} of one mount: an upcall stub per implemented callback, in header order, NULL
 * for the rest (libfuse answers those ENOSYS). Stubs live as long as {@code arena}, which the mount closes after the
 * session is destroyed.
 */
final class FfmFuse {
  /** The 44 members of fuse_lowlevel_ops in header order, by the Java method that implements each (null: none). */
  static final List<String> SLOTS = List.of(
      "init", "destroy", "lookup", "forget", "getattr", "setattr", "readlink", "mknod", "mkdir", "unlink",
      "rmdir", "symlink", "rename", "link", "open", "read", "write", "flush", "release", "fsync",
      "opendir", "readdir", "releasedir", "fsyncdir", "statfs", "setxattr", "getxattr", "listxattr", "removexattr",
      "access", "create", "getlk", "setlk", "-bmap", "-ioctl", "-poll", "-write_buf", "-retrieve_reply",
      "forgetMulti", "flock", "fallocate", "readdirplus", "copyFileRange", "-lseek");
  private static final Set<String> LOCKS = Set.of("getlk", "setlk", "flock");

  private FfmFuse() {}

  /**
   * The ops struct. Without lock support in the filesystem the lock callbacks stay NULL, so the kernel keeps
   * locks locally; without readdirplus in the options its callback stays NULL.
   */
  static MemorySegment ops(Arena arena, LowLevelOps ll, XattrLockOps xl, boolean locks) {
    if (SLOTS.size() != LibFuse3.OPS_COUNT) {
      throw new IllegalStateException("fuse_lowlevel_ops has " + LibFuse3.OPS_COUNT + " members");
    }
    MemorySegment ops = arena.allocate(LibFuse3.OPS_SIZE, 8);
    for (int i = 0; i < SLOTS.size(); i++) {
      String name = SLOTS.get(i);
      if (name.startsWith("-") || (!locks && LOCKS.contains(name)) || (name.equals("readdirplus") && !ll.options.readdirplus())) {
        continue;
      }
      Object target = method(LowLevelOps.class, name) != null ? ll : xl;
      Method m = method(target.getClass(), name);
      ops.setAtIndex(ADDRESS, i, stub(arena, target, m));
    }
    return ops;
  }

  private static MemorySegment stub(Arena arena, Object target, Method m) {
    try {
      MethodHandle mh = MethodHandles.lookup().unreflect(m).bindTo(target);
      List<MemoryLayout> args = new ArrayList<>();
      for (Class<?> p : m.getParameterTypes()) {
        args.add(p == MemorySegment.class ? ADDRESS : p == long.class ? JAVA_LONG : JAVA_INT);
      }
      FunctionDescriptor fd = FunctionDescriptor.ofVoid(args.toArray(MemoryLayout[]::new));
      return LibFuse3.linker().upcallStub(mh, fd, arena);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  static Method method(Class<?> c, String name) {
    for (Method m : c.getDeclaredMethods()) {
      if (m.getName().equals(name) && m.getReturnType() == void.class && m.getParameterCount() > 0
          && m.getParameterTypes()[0] == MemorySegment.class && !java.lang.reflect.Modifier.isPrivate(m.getModifiers())
          && !m.getName().equals("done")) {
        return m;
      }
    }
    return null;
  }
}
