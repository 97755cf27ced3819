package org.truckeefs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Real applications on the mount: git, tar, cp -a, sqlite3. */
class ToolsIT {
  @RegisterExtension static final FuseMountExtension mnt = new FuseMountExtension();
  @TempDir Path local;

  /** Runs a bash script; returns its stdout; fails the test with its output on a non-zero exit. */
  static String sh(String script) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("bash", "-euo", "pipefail", "-c", script).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("finished").isTrue();
    assertThat(p.exitValue()).as("exit code of:\n%s\noutput:\n%s", script, out).isZero();
    return out;
  }

  /** A small tree with nested directories, modes, a symlink, an empty file and a file over one chunk. */
  private Path sourceTree() throws IOException, InterruptedException {
    Path src = local.resolve("src");
    sh("mkdir -p " + src + "/a/b/c " + src + "/empty-dir && cd " + src
        + " && for i in $(seq 1 40); do echo \"file $i\" > a/f$i.txt; done"
        + " && head -c 5000000 /dev/urandom > a/b/big.bin && : > a/b/c/empty"
        + " && ln -s ../f1.txt a/b/link && chmod 0750 a/b && chmod 0600 a/f2.txt && chmod 0755 a/f3.txt"
        + " && touch -h -d '2001-02-03 04:05:06.123456789' a/f4.txt a/b/link");
    return src;
  }

  @Test
  void gitInitAddCommitAndFsck() throws Exception {
    Path src = sourceTree();
    String repo = mnt.newDir() + "/repo";
    String out = sh("git init -q " + repo + " && cp -a " + src + "/. " + repo + " && cd " + repo
        + " && git add -A && git -c user.email=t@example.org -c user.name=t commit -qm one"
        + " && echo change >> a/f1.txt && git -c user.email=t@example.org -c user.name=t commit -qam two"
        + " && git fsck --full --strict && git log --oneline | wc -l && git status --porcelain | wc -l");
    assertThat(out.trim()).endsWith("2\n0");
  }

  @Test
  void tarRoundTripKeepsEveryByte() throws Exception {
    Path src = sourceTree();
    String dst = mnt.newDir();
    String back = local.resolve("back").toString();
    String sums = "find . -type f -print0 | sort -z | xargs -0 sha256sum";
    sh("tar -C " + src + " -cf - . | tar -C " + dst + " -xf -");
    sh("mkdir " + back + " && tar -C " + dst + " -cf - . | tar -C " + back + " -xf -");
    String expected = sh("cd " + src + " && " + sums);
    assertThat(sh("cd " + dst + " && " + sums)).isEqualTo(expected);
    assertThat(sh("cd " + back + " && " + sums)).isEqualTo(expected);
  }

  @Test
  void cpArchivePreservesModesTimesAndSymlinks() throws Exception {
    Path src = sourceTree();
    String dst = mnt.newDir() + "/copy";
    sh("cp -a " + src + " " + dst);
    // Directory sizes are filesystem-specific; everything else must match, directory mtimes included.
    String listing = "(find . -type d -printf '%y %m %U %G %T@ %p\\n'; find . ! -type d -printf '%y %m %U %G %s %T@ %l %p\\n') | sort";
    assertThat(sh("cd " + dst + " && " + listing)).isEqualTo(sh("cd " + src + " && " + listing));
    assertThat(sh("readlink " + dst + "/a/b/link").trim()).isEqualTo("../f1.txt");
  }

  /** tar reading files while their uploads commit would report "file changed as we read it" otherwise. */
  @Test
  void ctimeStaysPutWhenTheUploadCommits() throws Exception {
    String f = mnt.newDir() + "/f";
    sh("echo data > " + f + " && touch -d '2001-01-01' " + f);
    String before = sh("stat -c %Z " + f);
    mnt.uploadAll();
    // --cached=never (statx AT_STATX_FORCE_SYNC): the kernel asks the filesystem instead of answering from the
    // attributes it cached before the commit (attr_timeout 1 s)
    assertThat(sh("stat --cached=never -c %Z " + f)).isEqualTo(before);
  }

  @Test
  void sqliteDatabaseStaysConsistent() throws Exception {
    String db = mnt.newDir() + "/test.db";
    sh("sqlite3 " + db + " 'create table t(id integer primary key, v text); create index tv on t(v);'");
    for (int batch = 0; batch < 5; batch++) {
      sh("(echo 'begin;'; for i in $(seq 1 400); do echo \"insert into t(v) values(hex(randomblob(64)));\"; done;"
          + " echo 'commit;') | sqlite3 " + db);
    }
    sh("sqlite3 " + db + " 'delete from t where id % 3 = 0; vacuum;'");
    assertThat(sh("sqlite3 " + db + " 'pragma integrity_check; select count(*) from t;'").trim())
        .isEqualTo("ok\n1334");
    sh("sqlite3 " + db + " 'pragma journal_mode=wal; insert into t(v) values(1);'");
    assertThat(sh("sqlite3 " + db + " 'pragma integrity_check; select count(*) from t;'").trim())
        .isEqualTo("ok\n1335");
  }
}
