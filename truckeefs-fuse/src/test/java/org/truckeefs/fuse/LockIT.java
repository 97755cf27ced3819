package org.truckeefs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** fcntl(F_GETLK/F_SETLK) byte-range locks and flock(2) between two processes. */
class LockIT {
  @RegisterExtension static final FuseMountExtension mnt = new FuseMountExtension();
  final FsAgent root = mnt.root();

  private int open(FsAgent a, String path) {
    return a.ok("open", path, new String[] {"O_CREAT", "O_RDWR"}, 0666).asInt();
  }

  @Test
  void posixWriteLocksConflictAcrossProcesses() {
    String f = mnt.newDir() + "/f";
    try (FsAgent a = FsAgent.root(); FsAgent b = FsAgent.root()) {
      int fa = open(a, f);
      int fb = open(b, f);
      a.ok("fcntl_lock", fa, "SETLK", "WR", 0, 100);
      assertThat(b.err("fcntl_lock", fb, "SETLK", "WR", 50, 10)).isIn("EAGAIN", "EACCES");
      var conflict = b.ok("fcntl_lock", fb, "GETLK", "WR", 0, 0);
      assertThat(conflict.get("type").asText()).isEqualTo("WR");
      assertThat(conflict.get("start").asLong()).isZero();
      assertThat(conflict.get("len").asLong()).isEqualTo(100);
      b.ok("fcntl_lock", fb, "SETLK", "WR", 100, 10); // no overlap
      a.ok("close", fa); // closing releases the process's locks
      b.ok("fcntl_lock", fb, "SETLK", "WR", 0, 100);
      b.ok("close", fb);
    }
  }

  @Test
  void closingAnyDescriptorOfTheFile_releasesTheProcesssPosixLocks() {
    String f = mnt.newDir() + "/f";
    try (FsAgent a = FsAgent.root(); FsAgent b = FsAgent.root()) {
      int locked = open(a, f);
      int other = open(a, f);
      int fb = open(b, f);
      a.ok("fcntl_lock", locked, "SETLK", "WR", 0, 0);
      assertThat(b.err("fcntl_lock", fb, "SETLK", "WR", 0, 0)).isIn("EAGAIN", "EACCES");
      a.ok("close", other); // POSIX: any close of the file by the owning process drops its record locks
      b.ok("fcntl_lock", fb, "SETLK", "WR", 0, 0);
      a.ok("close", locked);
      b.ok("close", fb);
    }
  }

  @Test
  void posixReadLocksAreShared() {
    String f = mnt.newDir() + "/f";
    try (FsAgent a = FsAgent.root(); FsAgent b = FsAgent.root()) {
      int fa = open(a, f);
      int fb = open(b, f);
      a.ok("fcntl_lock", fa, "SETLK", "RD", 0, 0);
      b.ok("fcntl_lock", fb, "SETLK", "RD", 0, 0);
      assertThat(b.err("fcntl_lock", fb, "SETLK", "WR", 0, 0)).isIn("EAGAIN", "EACCES");
      assertThat(b.ok("fcntl_lock", fb, "GETLK", "RD", 0, 0).get("type").asText()).isEqualTo("UN");
      a.ok("fcntl_lock", fa, "SETLK", "UN", 0, 0);
      b.ok("fcntl_lock", fb, "SETLK", "WR", 0, 0);
    }
  }

  @Test
  void flockIsExclusiveUntilUnlocked() {
    String f = mnt.newDir() + "/f";
    try (FsAgent a = FsAgent.root(); FsAgent b = FsAgent.root()) {
      int fa = open(a, f);
      int fb = open(b, f);
      a.ok("flock", fa, new String[] {"LOCK_EX"});
      assertThat(b.err("flock", fb, new String[] {"LOCK_EX", "LOCK_NB"})).isEqualTo("EAGAIN");
      assertThat(b.err("flock", fb, new String[] {"LOCK_SH", "LOCK_NB"})).isEqualTo("EAGAIN");
      a.ok("flock", fa, new String[] {"LOCK_UN"});
      b.ok("flock", fb, new String[] {"LOCK_EX", "LOCK_NB"});
      b.ok("close", fb); // close releases a flock: libfuse 2 does it at RELEASE, which the kernel sends after close returns
      long deadline = System.nanoTime() + 5_000_000_000L;
      String last = "EAGAIN";
      while (last != null && System.nanoTime() < deadline) {
        last = a.call("flock", fa, new String[] {"LOCK_SH", "LOCK_NB"}).err();
      }
      assertThat(last).as("flock after the other holder closed").isNull();
    }
  }
}
