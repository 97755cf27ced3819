package org.truckeefs.nio;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * truckeefs-bom has no parent (importing it must not import the parent's test versions), so its versions are
 * written twice: this keeps them equal to the parent's and the module list complete.
 */
class BomAlignmentTest {
  private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

  private static String property(String pom, String name) {
    Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</" + Pattern.quote(name) + ">").matcher(pom);
    assertThat(m.find()).as(name + " is set").isTrue();
    return m.group(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"jackson.version", "slf4j.version", "reactive-streams.version", "micrometer.version"})
  void thirdPartyVersionsEqualTheParents(String property) throws Exception {
    String parent = Files.readString(ROOT.resolve("pom.xml"));
    String bom = Files.readString(ROOT.resolve("truckeefs-bom/pom.xml"));
    assertThat(property(bom, property)).isEqualTo(property(parent, property));
  }

  @Test
  void everyModuleIsInTheBom() throws Exception {
    String parent = Files.readString(ROOT.resolve("pom.xml"));
    String bom = Files.readString(ROOT.resolve("truckeefs-bom/pom.xml"));
    String modules = parent.substring(parent.indexOf("<modules>"), parent.indexOf("</modules>"));
    Matcher m = Pattern.compile("<module>([^<]+)</module>").matcher(modules);
    int n = 0;
    while (m.find()) {
      if (!m.group(1).equals("truckeefs-bom")) {
        assertThat(bom).as(m.group(1) + " in truckeefs-bom").contains("<artifactId>" + m.group(1) + "</artifactId>");
        n++;
      }
    }
    assertThat(n).isGreaterThan(5);
  }

  @Test
  void bomVersionIsTheParents() throws Exception {
    String parent = Files.readString(ROOT.resolve("pom.xml"));
    String bom = Files.readString(ROOT.resolve("truckeefs-bom/pom.xml"));
    Matcher p = Pattern.compile("<artifactId>truckeefs-parent</artifactId>\\s*<version>([^<]+)</version>").matcher(parent);
    Matcher b = Pattern.compile("<artifactId>truckeefs-bom</artifactId>\\s*<version>([^<]+)</version>").matcher(bom);
    assertThat(p.find()).isTrue();
    assertThat(b.find()).isTrue();
    assertThat(b.group(1)).isEqualTo(p.group(1));
  }
}
