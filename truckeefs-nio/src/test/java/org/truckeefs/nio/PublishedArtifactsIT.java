package org.truckeefs.nio;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What `package` made for publishing (ITs run after it): the jar names its module and carries NOTICE and LICENSE,
 * and sources and javadoc jars are next to it. Every library module gets the same from the parent pom.
 */
class PublishedArtifactsIT {
  private static final Path TARGET = Path.of("target").toAbsolutePath();

  private static Path artifact(String classifier) throws IOException {
    try (Stream<Path> s = Files.list(TARGET)) {
      return s.filter(p -> {
        String n = p.getFileName().toString();
        return n.startsWith("truckeefs-nio-") && n.endsWith(classifier + ".jar")
            && (!classifier.isEmpty() || !n.matches(".*-(sources|javadoc|tests)\\.jar"));
      }).findFirst().orElseThrow(() -> new AssertionError("no truckeefs-nio jar '" + classifier + "' in " + TARGET));
    }
  }

  @Test
  void jarNamesItsModuleAndCarriesNoticeAndLicense() throws Exception {
    try (JarFile jar = new JarFile(artifact("").toFile())) {
      assertThat(jar.getManifest().getMainAttributes().getValue("Automatic-Module-Name")).isEqualTo("org.truckeefs.nio");
      assertThat(jar.getEntry("META-INF/NOTICE")).isNotNull();
      assertThat(jar.getEntry("META-INF/LICENSE")).isNotNull();
      assertThat(jar.getEntry("META-INF/services/java.nio.file.spi.FileSystemProvider")).isNotNull();
    }
  }

  @Test
  void sourcesAndJavadocJars() throws Exception {
    try (JarFile sources = new JarFile(artifact("-sources").toFile())) {
      assertThat(sources.getEntry("org/truckeefs/nio/TruckeeFileSystemProvider.java")).isNotNull();
    }
    try (JarFile javadoc = new JarFile(artifact("-javadoc").toFile())) {
      assertThat(javadoc.getEntry("index.html")).isNotNull();
      // Laid out by module (the jar names one) or by package, depending on the javadoc tool's version.
      assertThat(javadoc.stream().map(e -> e.getName()))
          .anyMatch(n -> n.endsWith("org/truckeefs/nio/TruckeeFileSystemProvider.html"));
    }
  }
}
