package org.truckeefs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every bad input is one line on stderr naming what to fix, and a non-zero exit; never a stack trace. */
@org.junit.jupiter.api.Timeout(120) // a bad input that mounts by mistake would block in `mount`
class MainTest {
  @TempDir Path dir;

  private static void assertOneLine(Cli r, int code, String... fragments) {
    assertThat(r.code()).as(r.err()).isEqualTo(code);
    assertThat(r.err().lines().count()).as("one line: %s", r.err()).isEqualTo(1);
    assertThat(r.err()).startsWith("truckeefs: ").contains(fragments).doesNotContain("Exception", "\tat ");
  }

  private String data() {
    return dir.resolve("data").toString();
  }

  @Test
  void unknownFlagSuggestsTheKey() {
    assertOneLine(Cli.run("--sql-hots", "x", "status"), 2, "--sql-hots", "--sql-host");
  }

  @Test
  void anUnknownFlagFarFromEveryKey_pointsAtTheHelpOnce() {
    Cli r = Cli.run("--data-dir", data(), "--frobnicate-everything", "yes", "status");
    assertOneLine(r, 2, "--frobnicate-everything", "--help");
    assertThat(r.err().split("--help", -1)).as(r.err()).hasSize(2);
  }

  @Test
  void unknownKeyInTheFile() throws Exception {
    Path f = Files.writeString(dir.resolve("c.yaml"), "sql_hots: x\n");
    assertOneLine(Cli.run("-c", f.toString(), "status"), 2, "unknown setting 'sql_hots'", "sql_host");
  }

  @Test
  void badValueFromTheEnvironment() {
    assertOneLine(Cli.run(Map.of("TRUCKEEFS_CACHE_SIZE", "lots"), "status"), 2, "cache_size", "environment");
  }

  @Test
  void badValueOfAFlagAfterTheSubcommand() {
    assertOneLine(Cli.run("status", "--redis-port", "99999"), 2, "redis_port", "command line");
  }

  @Test
  void missingConfigFile() {
    assertOneLine(Cli.run("-c", dir.resolve("none.yaml").toString(), "status"), 2, "none.yaml", "does not exist");
  }

  @Test
  void mountWithoutAMountPoint() {
    assertOneLine(Cli.run("--data-dir", data(), "mount"), 2, "no mount point");
  }

  @Test
  void mountPointMissing() {
    assertOneLine(Cli.run("--data-dir", data(), "mount", dir.resolve("nowhere").toString()), 2, "does not exist", "mkdir -p");
  }

  @Test
  void mountPointNotEmpty() throws Exception {
    Path mp = Files.createDirectories(dir.resolve("mp"));
    Files.writeString(mp.resolve("x"), "x");
    Cli r = Cli.run("--data-dir", data(), "mount", mp.toString());
    assertOneLine(r, 2, "is not empty");
    assertThat(r.err()).isEqualTo("truckeefs: mount point " + mp + " is not empty: mount on an empty directory\n");
  }

  @Test
  void umountOfSomethingNotMounted() {
    assertOneLine(Cli.run("--data-dir", data(), "umount", dir.toString()), 2, "is not mounted");
  }

  @Test
  void unreachableSqlServer() throws Exception {
    Path mp = Files.createDirectories(dir.resolve("mp"));
    Cli r = Cli.run("--data-dir", data(), "--sql-host", "127.0.0.1", "--sql-port", "1", "--sql-db", "x", "mount", mp.toString());
    assertThat(r.code()).isNotZero();
    assertThat(r.err().lines().count()).as(r.err()).isEqualTo(1);
    assertThat(r.err()).doesNotContain("\tat ");
  }

  @Test
  void unreachableTahoeGateway() throws Exception {
    Path mp = Files.createDirectories(dir.resolve("mp"));
    Cli r = Cli.run("--data-dir", data(), "--rootcap", "URI:DIR2:aaaaaaaaaaaaaaaaaaaaaaaaaa:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
        "--tahoe-url", "http://127.0.0.1:1", "--net-timeout", "2", "mount", mp.toString());
    assertThat(r.code()).isNotZero();
    assertThat(r.err().lines().count()).as(r.err()).isEqualTo(1);
    assertThat(r.err()).doesNotContain("\tat ", "aaaaaaaaaaaaaaaaaaaaaaaaaa");
  }

  @Test
  void wrongRootcap() throws Exception {
    try (var tahoe = org.truckeefs.testkit.tahoe.TahoeGatewayEmulator.start()) {
      String real = tahoe.createDirectory();
      String wrong = real.substring(0, real.length() - 4) + (real.endsWith("aaaa") ? "bbbb" : "aaaa");
      Path mp = Files.createDirectories(dir.resolve("mp"));
      Cli r = Cli.run("--data-dir", data(), "--rootcap", wrong, "--tahoe-url", tahoe.url(), "mount", mp.toString());
      assertThat(r.code()).isNotZero();
      assertThat(r.err().lines().count()).as(r.err()).isEqualTo(1);
      assertThat(r.err()).contains("rootcap").doesNotContain("\tat ", wrong.substring(9));
    }
  }

  @Test
  void flagsWorkBeforeAndAfterTheSubcommandAndBeatTheEnvironment() {
    String a = dir.resolve("a").toString();
    String b = dir.resolve("b").toString();
    assertThat(Cli.run("--data-dir", a, "status").out()).contains("data dir:     " + a);
    assertThat(Cli.run("status", "--data-dir", b).out()).contains("data dir:     " + b);
    assertThat(Cli.run(Map.of("TRUCKEEFS_DATA_DIR", a), "status", "--data-dir", b).out()).contains("data dir:     " + b);
    assertThat(Cli.run(Map.of("data_dir", a), "status").out()).contains("data dir:     " + a);
  }

  @Test
  void helpListsEveryKeyAsAFlag() {
    Cli r = Cli.run("--help");
    assertThat(r.code()).isZero();
    for (org.truckeefs.core.ConfigKey k : org.truckeefs.core.RiverFsConfig.KEYS) {
      assertThat(r.out()).contains(k.flag() + "=" + k.kind().label());
    }
  }

  @Test
  void statusShowsEmbeddedDefaults() {
    Cli r = Cli.run("--data-dir", data(), "status");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("blobs:        local:" + data() + "/blobs").contains("coordination: local:");
  }

  @Test
  void version_namesTheCommit() {
    Cli r = Cli.run("--version");
    assertThat(r.code()).isZero();
    assertThat(r.out()).startsWith("truckeefs 0.").containsPattern("commit [0-9a-f]{7}");
  }

  @Test
  void completionScript_andManPage_comeFromTheCommandModel() {
    Cli c = Cli.run("completion");
    assertThat(c.code()).as(c.err()).isZero();
    assertThat(c.out()).contains("complete -F").contains("status").contains("umount");
    Cli m = Cli.run("man");
    assertThat(m.code()).as(m.err()).isZero();
    assertThat(m.out()).startsWith(".TH TRUCKEEFS 1").contains(".SH COMMANDS", ".SS mount", "\\-\\-cache\\-size",
        ".SH EXIT STATUS");
  }

  @Test
  void help_describesEveryOption_ofEveryCommand_andNeverBreaksAUrl() {
    Cli top = Cli.run("--help");
    assertThat(top.out()).contains("http://127.0.0.1:3456").doesNotContain("---");
    for (String cmd : new String[] {"mount", "umount", "status", "fsck", "gc", "dump", "load", "completion", "man"}) {
      Cli r = Cli.run(cmd, "--help");
      assertThat(r.code()).as(cmd).isZero();
      // an option line whose description column is empty would be "  --name=LABEL" with nothing after it
      assertThat(r.out().lines().filter(l -> l.matches("\\s+(-\\w, )?--?[\\w-]+(=\\S+)?\\s*")))
          .as(cmd + " options without a description").isEmpty();
    }
  }

  @Test
  void logConfig_replacesTheBuiltInLogging_andABadOneIsBadInput() throws Exception {
    Path log = dir.resolve("custom.log");
    Path xml = Files.writeString(dir.resolve("logback.xml"), "<configuration><appender name=\"F\""
        + " class=\"ch.qos.logback.core.FileAppender\"><file>" + log + "</file><encoder><pattern>CUSTOM %msg%n"
        + "</pattern></encoder></appender><root level=\"INFO\"><appender-ref ref=\"F\"/></root></configuration>");
    Cli r = Cli.run("--log-config", xml.toString(), "--data-dir", data(), "status");
    assertThat(r.code()).as(r.err()).isZero();
    org.slf4j.LoggerFactory.getLogger("test").info("hello from the test");
    assertThat(Files.readString(log)).contains("CUSTOM hello from the test");
    Path bad = Files.writeString(dir.resolve("bad.xml"), "<configuration><oops");
    assertOneLine(Cli.run("--log-config", bad.toString(), "status"), 2, "--log-config");
    org.truckeefs.cli.Logging.configure(0, null); // back to the built-in setup for the other tests
  }
}
