package org.truckeefs.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.PathFileSystem;
import org.truckeefs.api.XattrMode;
import org.truckeefs.core.RiverFS;
import org.truckeefs.core.RiverFsConfig;

/** `truckeefs dump` then `truckeefs load` into a new data directory on the same blobs gives the same tree. */
class DumpLoadTest {
  @TempDir Path dir;

  private RiverFS open(Path data, Path blobs) throws Exception {
    return RiverFS.open(RiverFsConfig.fromSettings(Map.of("data_dir", data.toString(), "blob_dir", blobs.toString())));
  }

  @Test
  void dumpThenLoad_rebuildsTheTreeWithContents() throws Exception {
    Path a = dir.resolve("a");
    Path b = dir.resolve("b");
    Path blobs = dir.resolve("blobs");
    byte[] big = new byte[300_000];
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) (i * 31);
    }
    try (RiverFS fs = open(a, blobs)) {
      PathFileSystem p = new PathFileSystem(fs);
      p.mkdirs("/docs/deep");
      p.write("/docs/deep/big.bin", big);
      p.write("/docs/note.txt", "hello".getBytes(UTF_8));
      p.link("/docs/note.txt", "/note-link.txt");
      p.symlink("docs/note.txt", "/sym");
      p.setXattr("/docs/note.txt", "user.color", "blue".getBytes(UTF_8), XattrMode.EITHER);
      p.chmod("/docs/note.txt", 0640);
    }
    Path dump = dir.resolve("meta.json");
    Cli d = Cli.run("--data-dir", a.toString(), "--blob-dir", blobs.toString(), "--is-daemon", "true", "dump",
        dump.toString());
    assertThat(d.code()).as(d.err()).isZero();
    assertThat(d.out()).contains("dumped 6 inodes");
    assertThat(Files.getPosixFilePermissions(dump)).hasSize(2); // rw------- : it holds blob references

    Cli l = Cli.run("--data-dir", b.toString(), "--blob-dir", blobs.toString(), "--is-daemon", "true", "load",
        dump.toString());
    assertThat(l.code()).as(l.err()).isZero();

    try (RiverFS fs = open(b, blobs)) {
      PathFileSystem p = new PathFileSystem(fs);
      assertThat(p.readAllBytes("/docs/deep/big.bin")).isEqualTo(big);
      assertThat(new String(p.readAllBytes("/note-link.txt"), UTF_8)).isEqualTo("hello");
      assertThat(p.stat("/docs/note.txt").nlink()).isEqualTo(2);
      assertThat(p.stat("/docs/note.txt").id()).isEqualTo(p.stat("/note-link.txt").id());
      assertThat(p.stat("/docs/note.txt").mode()).isEqualTo(0640);
      assertThat(p.readlink("/sym")).isEqualTo("docs/note.txt");
      assertThat(new String(p.getXattr("/docs/note.txt", "user.color"), UTF_8)).isEqualTo("blue");
    }
  }

  @Test
  void loadIntoANonEmptyFilesystem_isRefusedInOneLine() throws Exception {
    Path a = dir.resolve("a");
    Path blobs = dir.resolve("blobs");
    try (RiverFS fs = open(a, blobs)) {
      new PathFileSystem(fs).write("/x", new byte[] {1});
    }
    Path dump = dir.resolve("meta.json");
    assertThat(Cli.run("--data-dir", a.toString(), "--blob-dir", blobs.toString(), "--is-daemon", "true", "dump",
        dump.toString()).code()).isZero();
    Cli l = Cli.run("--data-dir", a.toString(), "--blob-dir", blobs.toString(), "--is-daemon", "true", "load",
        dump.toString());
    assertThat(l.code()).isNotZero();
    assertThat(l.err().strip()).doesNotContain("\n").contains("empty");
  }

  @Test
  void loadOfAFileThatIsNotADump_isOneLine() throws Exception {
    Path junk = Files.writeString(dir.resolve("junk.json"), "{\"hello\": 1}");
    Cli l = Cli.run("--data-dir", dir.resolve("c").toString(), "--is-daemon", "true", "load", junk.toString());
    assertThat(l.code()).isNotZero();
    assertThat(l.err().strip()).doesNotContain("\n");
  }
}
