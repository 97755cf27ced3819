package org.truckeefs.testkit.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;
import org.truckeefs.api.FileSystem;
import org.truckeefs.api.RenameFlags;

/** The model suite must catch a planted bug and report the seed and a short reproduction. */
class ModelSuiteFindsInjectedBugTest {
  @TempDir Path tmp;

  /** The reference filesystem, except that RENAME_NOREPLACE replaces anyway. */
  private static FileSystem noReplaceIgnored() {
    SimpleFileSystem real = new SimpleFileSystem(Clock.systemUTC());
    return (FileSystem) Proxy.newProxyInstance(FileSystem.class.getClassLoader(), new Class<?>[] {FileSystem.class},
        (proxy, method, args) -> {
          if (method.getName().equals("rename") && args[5] == RenameFlags.NOREPLACE) {
            args[5] = RenameFlags.NONE;
          }
          try {
            return method.invoke(real, args);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  @Test
  void plantedBug_failsWithSeedAndAShortReproduction() {
    AbstractModelBasedSuite suite = new AbstractModelBasedSuite() {
      @Override
      protected FileSystem createFileSystem(Path dir) {
        return noReplaceIgnored();
      }

      @Override
      protected long[] seeds() {
        return new long[] {7};
      }
    };
    suite.tmp = tmp;
    List<DynamicTest> tests = suite.randomSequencesMatchTheModel().toList();
    assertThat(tests).hasSize(1);
    assertThatThrownBy(() -> tests.get(0).getExecutable().execute())
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("seed 7")
        .hasMessageContaining("NOREPLACE")
        .hasMessageContaining("shortest failing prefix")
        .satisfies(e -> {
          String m = e.getMessage();
          int minimal = Integer.parseInt(m.replaceAll("(?s).*minimised to (\\d+) operations.*", "$1"));
          assertThat(minimal).as("minimised length in:%n%s", m).isLessThanOrEqualTo(4);
        });
  }
}
