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

  @Test
  void loadNextToABlobStoreWithoutTheDumpedBlobs_fails_andNamesTheCause() throws Exception {
    Path a = dir.resolve("a");
    Path blobs = dir.resolve("blobs");
    try (RiverFS fs = open(a, blobs)) {
      new PathFileSystem(fs).write("/x.bin", new byte[200_000]);
      new PathFileSystem(fs).write("/y.bin", new byte[] {1, 2, 3});
    }
    Path dump = dir.resolve("meta.json");
    assertThat(Cli.run("--data-dir", a.toString(), "--blob-dir", blobs.toString(), "dump", dump.toString()).code())
        .isZero();
    Path wrong = Files.createDirectories(dir.resolve("other-blobs"));
    Cli l = Cli.run("--data-dir", dir.resolve("b").toString(), "--blob-dir", wrong.toString(), "load", dump.toString());
    assertThat(l.code()).as(l.out() + l.err()).isEqualTo(1);
    assertThat(l.err().strip()).doesNotContain("\n").contains("missing from the blob store");
    Cli skipped = Cli.run("--data-dir", dir.resolve("c").toString(), "--blob-dir", wrong.toString(), "load",
        "--check-blobs", "none", dump.toString());
    assertThat(skipped.code()).as(skipped.err()).isZero();
    Cli sampled = Cli.run("--data-dir", dir.resolve("d").toString(), "--blob-dir", blobs.toString(), "load",
        "--check-blobs", "sample", dump.toString());
    assertThat(sampled.code()).as(sampled.err()).isZero();
    assertThat(sampled.out()).contains("checked 2 blob(s)");
  }

  @Test
  void dumpLoadAndRepair_areRefusedWhileAnotherOwnerHoldsTheDataDir_namingItsPid() throws Exception {
    Path a = dir.resolve("a");
    Path blobs = dir.resolve("blobs");
    Path dump = dir.resolve("meta.json");
    try (RiverFS fs = open(a, blobs)) {
      String pid = Long.toString(ProcessHandle.current().pid());
      for (String[] cmd : new String[][] {{"dump", dump.toString()}, {"load", dump.toString()}, {"fsck", "--repair"}}) {
        String[] args = new String[4 + cmd.length];
        args[0] = "--data-dir";
        args[1] = a.toString();
        args[2] = "--blob-dir";
        args[3] = blobs.toString();
        System.arraycopy(cmd, 0, args, 4, cmd.length);
        Cli r = Cli.run(args);
        assertThat(r.code()).as(String.join(" ", cmd) + ": " + r.err()).isEqualTo(1);
        assertThat(r.err().strip()).doesNotContain("\n").contains(pid);
      }
    }
  }

  @Test
  void info_showsTheInodeAndWhereEachChunkLives_withoutTheCapability() throws Exception {
    Path a = dir.resolve("a");
    Path blobs = dir.resolve("blobs");
    try (RiverFS fs = open(a, blobs)) {
      PathFileSystem p = new PathFileSystem(fs);
      p.mkdirs("/docs");
      p.write("/docs/big.bin", new byte[5 * 1024 * 1024]);
      fs.syncAll();
    }
    Cli r = Cli.run("--data-dir", a.toString(), "--blob-dir", blobs.toString(), "info", "/docs/big.bin");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("inode:", "size:    5242880 bytes", "chunks:  2 of up to 4.0 MiB in local", "#0", "#1");
    assertThat(r.out()).containsPattern("(cached|not cached)");
    Cli missing = Cli.run("--data-dir", a.toString(), "--blob-dir", blobs.toString(), "info", "/nope");
    assertThat(missing.code()).isEqualTo(2);
  }
}
