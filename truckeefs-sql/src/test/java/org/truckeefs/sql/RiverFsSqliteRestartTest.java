package org.truckeefs.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.PathFileSystem;
import org.truckeefs.core.RiverFS;

/** RiverFS on SQLite: files, links, symlinks and xattrs written, closed, reopened, read back identical. */
class RiverFsSqliteRestartTest {
  @TempDir
  Path dir;

  @Test
  void treeAndContentsSurviveARestart() throws Exception {
    byte[] big = new byte[300_000];
    new Random(7).nextBytes(big);
    try (RiverFS fs = RiverFsOnSql.open(RiverFsOnSql.sqlite(dir), dir)) {
      PathFileSystem p = new PathFileSystem(fs);
      p.mkdirs("/a/b");
      p.write("/a/b/big.bin", big);
      p.write("/a/small.txt", "hello".getBytes());
      p.link("/a/small.txt", "/a/b/hard");
      p.symlink("../small.txt", "/a/b/soft");
      p.setXattr("/a/small.txt", "user.tag", new byte[] {1, 2, 3});
    }
    try (RiverFS fs = RiverFsOnSql.open(RiverFsOnSql.sqlite(dir), dir)) {
      PathFileSystem p = new PathFileSystem(fs);
      assertThat(p.readAllBytes("/a/b/big.bin")).isEqualTo(big);
      assertThat(p.readAllBytes("/a/b/hard")).isEqualTo("hello".getBytes());
      assertThat(p.stat("/a/small.txt").nlink()).isEqualTo(2);
      assertThat(p.readlink("/a/b/soft")).isEqualTo("../small.txt");
      assertThat(p.readAllBytes("/a/b/soft")).isEqualTo("hello".getBytes());
      assertThat(p.getXattr("/a/small.txt", "user.tag")).containsExactly(1, 2, 3);
      assertThat(p.list("/a/b")).containsExactlyInAnyOrder("big.bin", "hard", "soft");
    }
  }
}
