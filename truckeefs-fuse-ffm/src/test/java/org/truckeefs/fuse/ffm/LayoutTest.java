package org.truckeefs.fuse.ffm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.testkit.RequiredService;

/**
 * The struct offsets and constants {@link LibFuse3} hard-codes equal those of the installed libfuse 3 headers: a C
 * program compiled against them prints offsetof/sizeof, and every number must match.
 */
class LayoutTest {
  private static final Map<String, Long> c = new HashMap<>();

  @BeforeAll
  static void compileAndRun(@TempDir Path dir) throws Exception {
    RequiredService.require(Files.exists(Path.of("/usr/include/fuse3/fuse_lowlevel.h")), "libfuse 3 headers (apt-get install libfuse3-dev)");
    RequiredService.require(run(dir, "gcc", "-dumpversion") == 0, "gcc (apt-get install gcc)");
    Path src = dir.resolve("layout.c");
    try (InputStream in = LayoutTest.class.getResourceAsStream("layout.c")) {
      Files.write(src, in.readAllBytes());
    }
    assertThat(run(dir, "gcc", "-I/usr/include/fuse3", "-o", dir.resolve("layout").toString(), src.toString())).isZero();
    Path out = dir.resolve("out.txt");
    Process p = new ProcessBuilder(dir.resolve("layout").toString()).redirectOutput(out.toFile()).start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
      String[] kv = line.split("=", 2);
      c.put(kv[0], Long.parseLong(kv[1]));
    }
  }

  private static int run(Path dir, String... cmd) throws IOException, InterruptedException {
    try {
      Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
      String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!said.isBlank() && !cmd[1].equals("-dumpversion")) {
        System.err.print(said);
      }
      return p.waitFor(60, TimeUnit.SECONDS) ? p.exitValue() : -1;
    } catch (IOException e) {
      return -1;
    }
  }

  @Test
  void stat() {
    assertThat(c).containsEntry("stat.size", LibFuse3.STAT_SIZE).containsEntry("stat.st_ino", LibFuse3.ST_INO)
        .containsEntry("stat.st_nlink", LibFuse3.ST_NLINK).containsEntry("stat.st_mode", LibFuse3.ST_MODE)
        .containsEntry("stat.st_uid", LibFuse3.ST_UID).containsEntry("stat.st_gid", LibFuse3.ST_GID)
        .containsEntry("stat.st_rdev", LibFuse3.ST_RDEV).containsEntry("stat.st_size", LibFuse3.ST_SIZE)
        .containsEntry("stat.st_blksize", LibFuse3.ST_BLKSIZE).containsEntry("stat.st_blocks", LibFuse3.ST_BLOCKS)
        .containsEntry("stat.st_atim", LibFuse3.ST_ATIM).containsEntry("stat.st_mtim", LibFuse3.ST_MTIM)
        .containsEntry("stat.st_ctim", LibFuse3.ST_CTIM);
  }

  @Test
  void entryParam() {
    assertThat(c).containsEntry("entry.size", LibFuse3.ENTRY_SIZE).containsEntry("entry.ino", LibFuse3.ENTRY_INO)
        .containsEntry("entry.generation", LibFuse3.ENTRY_GENERATION).containsEntry("entry.attr", LibFuse3.ENTRY_ATTR)
        .containsEntry("entry.attr_timeout", LibFuse3.ENTRY_ATTR_TIMEOUT)
        .containsEntry("entry.entry_timeout", LibFuse3.ENTRY_ENTRY_TIMEOUT);
  }

  @Test
  void fileInfoAndItsBitFields() {
    assertThat(c).containsEntry("fi.size", LibFuse3.FI_SIZE).containsEntry("fi.flags", LibFuse3.FI_FLAGS)
        .containsEntry("fi.fh", LibFuse3.FI_FH).containsEntry("fi.lock_owner", LibFuse3.FI_LOCK_OWNER)
        .containsEntry("fi.bit.writepage", (long) LibFuse3.FI_WRITEPAGE)
        .containsEntry("fi.bit.direct_io", (long) LibFuse3.FI_DIRECT_IO)
        .containsEntry("fi.bit.keep_cache", (long) LibFuse3.FI_KEEP_CACHE)
        .containsEntry("fi.bit.flock_release", (long) LibFuse3.FI_FLOCK_RELEASE)
        .containsEntry("fi.bit.cache_readdir", (long) LibFuse3.FI_CACHE_READDIR);
  }

  @Test
  void contextConnectionOpsArgs() {
    assertThat(c).containsEntry("ctx.size", LibFuse3.CTX_SIZE).containsEntry("ctx.uid", LibFuse3.CTX_UID)
        .containsEntry("ctx.gid", LibFuse3.CTX_GID).containsEntry("ctx.pid", LibFuse3.CTX_PID)
        .containsEntry("conn.size", LibFuse3.CONN_SIZE).containsEntry("conn.max_write", LibFuse3.CONN_MAX_WRITE)
        .containsEntry("conn.max_readahead", LibFuse3.CONN_MAX_READAHEAD)
        .containsEntry("conn.capable", LibFuse3.CONN_CAPABLE).containsEntry("conn.want", LibFuse3.CONN_WANT)
        .containsEntry("conn.max_background", LibFuse3.CONN_MAX_BACKGROUND)
        .containsEntry("conn.time_gran", LibFuse3.CONN_TIME_GRAN)
        .containsEntry("ops.size", LibFuse3.OPS_SIZE).containsEntry("forget.size", LibFuse3.FORGET_SIZE)
        .containsEntry("args.size", LibFuse3.ARGS_SIZE).containsEntry("args.argv", LibFuse3.ARGS_ARGV);
    // The slots named in FfmFuse sit where the header has them.
    assertThat(c.get("ops.lookup")).isEqualTo(8L * FfmFuse.SLOTS.indexOf("lookup"));
    assertThat(c.get("ops.forget_multi")).isEqualTo(8L * FfmFuse.SLOTS.indexOf("forgetMulti"));
    assertThat(c.get("ops.readdirplus")).isEqualTo(8L * FfmFuse.SLOTS.indexOf("readdirplus"));
    assertThat(c.get("ops.lseek")).isEqualTo(8L * FfmFuse.SLOTS.indexOf("-lseek"));
  }

  @Test
  void flockAndStatvfs() {
    assertThat(c).containsEntry("flock.size", LibFuse3.FLOCK_SIZE).containsEntry("flock.l_type", LibFuse3.FLOCK_TYPE)
        .containsEntry("flock.l_whence", LibFuse3.FLOCK_WHENCE).containsEntry("flock.l_start", LibFuse3.FLOCK_START)
        .containsEntry("flock.l_len", LibFuse3.FLOCK_LEN).containsEntry("flock.l_pid", LibFuse3.FLOCK_PID)
        .containsEntry("statvfs.size", LibFuse3.STATVFS_SIZE).containsEntry("statvfs.f_bsize", LibFuse3.F_BSIZE)
        .containsEntry("statvfs.f_frsize", LibFuse3.F_FRSIZE).containsEntry("statvfs.f_blocks", LibFuse3.F_BLOCKS)
        .containsEntry("statvfs.f_bfree", LibFuse3.F_BFREE).containsEntry("statvfs.f_bavail", LibFuse3.F_BAVAIL)
        .containsEntry("statvfs.f_files", LibFuse3.F_FILES).containsEntry("statvfs.f_ffree", LibFuse3.F_FFREE)
        .containsEntry("statvfs.f_favail", LibFuse3.F_FAVAIL).containsEntry("statvfs.f_namemax", LibFuse3.F_NAMEMAX);
  }

  @Test
  void capabilityBits() {
    assertThat(c).containsEntry("cap.WRITEBACK_CACHE", (long) LibFuse3.CAP_WRITEBACK_CACHE)
        .containsEntry("cap.READDIRPLUS", (long) LibFuse3.CAP_READDIRPLUS)
        .containsEntry("cap.READDIRPLUS_AUTO", (long) LibFuse3.CAP_READDIRPLUS_AUTO)
        .containsEntry("cap.POSIX_LOCKS", (long) LibFuse3.CAP_POSIX_LOCKS)
        .containsEntry("cap.FLOCK_LOCKS", (long) LibFuse3.CAP_FLOCK_LOCKS)
        .containsEntry("cap.HANDLE_KILLPRIV", (long) LibFuse3.CAP_HANDLE_KILLPRIV)
        .containsEntry("cap.ASYNC_DIO", (long) LibFuse3.CAP_ASYNC_DIO)
        .containsEntry("cap.PARALLEL_DIROPS", (long) LibFuse3.CAP_PARALLEL_DIROPS)
        .containsEntry("cap.EXPLICIT_INVAL_DATA", (long) LibFuse3.CAP_EXPLICIT_INVAL_DATA)
        .containsEntry("cap.AUTO_INVAL_DATA", (long) LibFuse3.CAP_AUTO_INVAL_DATA);
  }
}
